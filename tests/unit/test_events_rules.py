"""The relay's rule for holes, the notices the stream calls for, and the leader lock's key."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from scf.core.audit import AuditEntry
from scf.core.leader import lock_key
from scf.events.notifications import notice_of
from scf.events.relay import Hole, Snapshot, releasable
from scf.events.stream import StreamSpec, decode, encode


def test_contiguous_ids_all_go_in_order() -> None:
    holes: dict[int, Hole] = {}
    ids, last = releasable(3, [6, 4, 5], holes, Snapshot([], 10, 12), now=0.0)
    assert ids == [4, 5, 6] and last == 6 and holes == {}


def test_a_hole_stops_the_relay_until_its_transactions_have_ended() -> None:
    holes: dict[int, Hole] = {}
    ids, last = releasable(0, [1, 3, 4], holes, Snapshot([], 7, 9), now=0.0, grace=1.0)
    assert ids == [1] and last == 1 and set(holes) == {2}
    # later, but a transaction of the first snapshot (xid 7 or 8) may still be running
    ids, last = releasable(1, [3, 4], holes, Snapshot([], 8, 12), now=5.0, grace=1.0)
    assert ids == [] and last == 1
    # the hole filled: it goes in its place
    ids, last = releasable(1, [2, 3, 4], holes, Snapshot([], 8, 12), now=6.0, grace=1.0)
    assert ids == [2, 3, 4] and last == 4 and holes == {}


def test_a_hole_is_passed_once_every_transaction_that_could_fill_it_ended() -> None:
    holes: dict[int, Hole] = {}
    releasable(0, [2], holes, Snapshot([], 7, 9), now=0.0, grace=1.0)
    ids, last = releasable(0, [2], holes, Snapshot([], 9, 9), now=0.5, grace=1.0)
    assert ids == [] and last == 0  # within the grace
    ids, last = releasable(0, [2], holes, Snapshot([], 9, 9), now=1.5, grace=1.0)
    assert ids == [2] and last == 2 and holes == {}


@given(st.sets(st.integers(1, 60), max_size=40), st.integers(0, 30))
def test_what_goes_is_in_order_gapless_above_the_position_and_never_past_a_live_hole(
    present: set[int], last: int
) -> None:
    holes: dict[int, Hole] = {}
    ids, position = releasable(last, sorted(present), holes, Snapshot([], 1, 5), now=0.0)
    assert ids == list(range(last + 1, last + 1 + len(ids)))
    assert position == (ids[-1] if ids else last)
    above = [i for i in present if i > position]
    assert not above or (position + 1) in holes  # stopped at a hole that may still fill


def test_notices_name_the_organization_a_certificate_reached() -> None:
    at = datetime(2025, 3, 3, tzinfo=UTC)
    piece = AuditEntry(
        id=1,
        at=at,
        action="certificate.piece.transferred",
        aggregate_type="certificate",
        aggregate_id="crt_1",
        after={
            "id": "pc_2",
            "holder_org_id": "org_b",
            "face": {"amount": "10.00", "currency": "CNY"},
        },
    )
    assert notice_of(piece) == (
        "org_b",
        "piece_received",
        "Piece pc_2 of certificate crt_1 passed to you",
        "10.00 CNY",
    )
    other = AuditEntry(id=2, at=at, action="invoice.filed", aggregate_type="i", aggregate_id="x")
    assert notice_of(other) is None


def test_messages_carry_the_entry_whole_on_its_aggregate_subject() -> None:
    entry = AuditEntry(
        id=7,
        at=datetime(2025, 3, 3, 1, 2, tzinfo=UTC),
        user_id="usr_1",
        org_id="org_1",
        action="demo.x",
        aggregate_type="trade receivable",
        aggregate_id="r1",
        before=None,
        after={"n": "1.50"},
        request_id="req",
    )
    back = decode(encode(entry))
    assert back.as_dict() == entry.as_dict()
    spec = StreamSpec(url="nats://x", stream="S", subject="scf.audit")
    assert spec.subject_for(entry.aggregate_type) == "scf.audit.trade_receivable"
    assert spec.wildcard == "scf.audit.>"


def test_the_lock_key_is_stable_and_fits_a_bigint() -> None:
    assert lock_key("scf.scheduler") == lock_key("scf.scheduler")
    assert lock_key("scf.scheduler") != lock_key("scf.other")
    assert -(2**63) <= lock_key("scf.scheduler") < 2**63
