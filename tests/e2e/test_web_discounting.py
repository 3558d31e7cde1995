"""The early-payment and bill pages: a supplier sees its buyers' open programmes with what it
may bid, sees the amounts before it bids (amounts typed as people type them), amends and
withdraws while the programme is open, and discounts a bill it holds; the core enterprise
sees the bids, which would win, and clears the programme. Refusals keep what was typed."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.core.clock import FixedClock
from scf.core.errors import Conflict
from scf.financing import service as financing
from scf.financing.tables import DiscountBidRow
from scf.platform import Platform
from scf.web.sample import Sample, load_more_roles, load_sample, run_maturity
from scf.web.sample_discounting import DiscountingSample, load_discounting
from tests.e2e.test_web_pages import _csrf, login
from tests.factories import use_registry_key


def _setup(platform: Platform, clock: FixedClock) -> tuple[Sample, DiscountingSample]:
    use_registry_key(platform)
    s = load_sample(platform)
    load_more_roles(platform, s)
    d = load_discounting(platform, s)
    clock.advance(timedelta(days=25))
    run_maturity(platform)
    return s, d


def _post(client: TestClient, path: str, form: dict[str, object], page: str) -> Response:
    return client.post(path, data={**form, "csrf": _csrf(client, page)}, follow_redirects=False)


def _bid(platform: Platform, bid_id: str) -> DiscountBidRow:
    with platform.uow(Actor.system()) as uow:
        row = uow.session.get(DiscountBidRow, bid_id)
        assert row is not None
        uow.session.expunge(row)
        return row


def _bids_of(platform: Platform, program_id: str) -> list[DiscountBidRow]:
    with platform.uow(Actor.system()) as uow:
        rows = list(
            uow.session.scalars(
                select(DiscountBidRow).where(DiscountBidRow.program_id == program_id)
            )
        )
        for r in rows:
            uow.session.expunge(r)
        return rows


def _actions(platform: Platform, action: str) -> int:
    with platform.uow(Actor.system()) as uow:
        return len(list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action))))


def test_a_supplier_previews_bids_amends_and_withdraws(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    s, d = _setup(platform, clock)
    login(client, "sme1")
    page = client.get("/sme/discounting")
    assert page.status_code == 200
    html = page.text
    assert f'id="program-{d.program_id}"' in html and 'href="/sme/discounting"' in html
    # the free receivable may be bid; the one bid already may not be bid twice
    options = re.findall(r'<option value="(rcv_[^"]+)"', html)
    assert d.free_receivable_id in options and d.bid_receivable_id not in options
    assert f'id="bid-row-{d.bid_id}"' in html

    # the amounts first, from a rate typed in full-width digits with a percent sign
    path = f"/sme/discounting/programs/{d.program_id}/bids"
    form = {"receivable_id": d.free_receivable_id, "rate": "８.５％", "preview": "1"}
    r = _post(client, path, form, "/sme/discounting")
    assert r.status_code == 303, r.text
    where = r.headers["location"]
    assert where.startswith("/sme/discounting?") and "rate=8.5" in where
    assert len(_bids_of(platform, d.program_id)) == 1  # nothing placed by a preview
    shown = client.get(where).text
    terms = re.search(
        rf'<div class="bid-terms" id="terms-{d.program_id}"[^>]*>(.*?)</div>', shown, re.S
    )
    assert terms, shown[-2000:]
    cells = re.findall(r'data-amount="([^"]+)"', terms.group(1))
    face, discount, net = (Decimal(c) for c in cells)
    days = int(re.findall(r'<dd class="num">(\d+)</dd>', terms.group(1))[0])
    assert face == Decimal("160000.00") and days > 60
    expected = (face * Decimal("0.085") * days / 360).quantize(Decimal("0.01"))
    assert discount == expected and net == face - discount
    shown_apr = Decimal(re.findall(r'<dd class="num">([\d.]+)%</dd>', terms.group(1))[-1])
    assert abs(shown_apr - discount / net * 365 / days * 100) < Decimal("0.0001"), shown_apr
    assert f'id="bid-{d.program_id}"' in shown and 'value="8.5"' in shown

    # a rate that is not one: the page again (422), the text kept, the reason by the field
    bad = _post(
        client, path, {"receivable_id": d.free_receivable_id, "rate": "abc"}, "/sme/discounting"
    )
    assert bad.status_code == 422
    text = bad.text
    assert re.search(r'name="rate"[^>]*value="abc"|value="abc"[^>]*name="rate"', text)
    assert 'aria-invalid="true"' in text and "年利率" in text
    assert len(_bids_of(platform, d.program_id)) == 1

    # the bid, then its amendment and withdrawal, each audited
    form.pop("preview")
    r = _post(client, path, form, "/sme/discounting")
    assert r.status_code == 303 and "ok=saved" in r.headers["location"]
    (new,) = [b for b in _bids_of(platform, d.program_id) if b.id != d.bid_id]
    assert new.status == "open" and Decimal(new.rate) == Decimal("0.085")
    again = _post(client, path, form, "/sme/discounting")
    assert again.status_code == 422
    assert "已在本计划中报价" in again.text

    r = _post(client, f"/sme/discounting/bids/{d.bid_id}/amend", {"rate": "10"}, "/sme/discounting")
    assert r.status_code == 303
    amended = _bid(platform, d.bid_id)
    assert Decimal(amended.rate) == Decimal("0.10")
    assert amended.discount_minor == round(
        amended.amount_minor * Decimal("0.10") * amended.days / 360
    )
    assert _actions(platform, "financing.discount.bid_amended") == 1

    r = _post(client, f"/sme/discounting/bids/{new.id}/withdraw", {}, "/sme/discounting")
    assert r.status_code == 303
    assert _bid(platform, new.id).status == "withdrawn"
    assert _actions(platform, "financing.discount.bid_withdrawn") == 1
    # withdrawn, the receivable may be bid again
    assert d.free_receivable_id in re.findall(
        r'<option value="(rcv_[^"]+)"', client.get("/sme/discounting").text
    )

    # the core enterprise sees both bids, which would win, and clears
    login(client, "core")
    core = client.get("/core/discounting").text
    assert f'id="clear-{d.program_id}"' in core and "已撤回" in core and "将中标" in core
    r = _post(
        client,
        f"/core/discounting/{d.program_id}/clearing",
        {"idem": "clear-1"},
        "/core/discounting",
    )
    assert r.status_code == 303
    won = _bid(platform, d.bid_id)
    assert won.status == "won" and won.application_id
    assert _bid(platform, new.id).status == "withdrawn"  # took no part
    assert f'id="clear-{d.program_id}"' not in client.get("/core/discounting").text

    # once cleared the programme takes no bids, amendments or withdrawals
    with platform.uow(s.actors["sme1"]) as uow, pytest.raises(Conflict):
        financing.amend_bid(uow, d.bid_id, Decimal("0.08"))
    login(client, "sme1")
    assert f'id="program-{d.program_id}"' not in client.get("/sme/discounting").text


def test_bids_close_on_the_payment_day(platform: Platform, clock: FixedClock) -> None:
    s, d = _setup(platform, clock)
    clock.advance(timedelta(days=20))  # past the programme's early payment day
    with platform.uow(s.actors["sme1"]) as uow, pytest.raises(Conflict) as e:
        financing.bid(uow, d.program_id, d.free_receivable_id, Decimal("0.09"))
    assert e.value.code == "program_closed"
    with platform.uow(s.actors["sme1"]) as uow, pytest.raises(Conflict):
        financing.withdraw_bid(uow, d.bid_id)
    with platform.uow(s.actors["sme1"]) as uow:
        assert financing.supplier_programs(uow) == []


def test_a_supplier_discounts_a_bill_it_holds(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    s, d = _setup(platform, clock)
    login(client, "sme1")
    html = client.get("/sme/discounting").text
    assert f'<option value="{d.bill_id}">' in html and 'id="bill-submit"' in html
    # more than the bill's face: refused, what was typed kept, the reason by the field
    form = {
        "bill_id": d.bill_id,
        "face": "300000",
        "amount": "１５０，０００.００",
        "funder_org_ids[]": [s.orgs["bank"]],
    }
    bad = _post(client, "/sme/discounting/bills", form, "/sme/discounting")
    assert bad.status_code == 422
    assert 'value="300000"' in bad.text and 'aria-invalid="true"' in bad.text
    with platform.uow(Actor.system()) as uow:
        assert not [a for a in financing.list_applications(uow) if a.scenario == "bill_discounting"]
    form["face"] = "200,000.00"
    r = _post(client, "/sme/discounting/bills", form, "/sme/discounting")
    assert r.status_code == 303, r.text
    with platform.uow(Actor.system()) as uow:
        (app,) = [a for a in financing.list_applications(uow) if a.scenario == "bill_discounting"]
        assert app.amount_minor == 150_000_00 and app.status in ("sent", "offered")
        assert app.asset["sub_to"] - app.asset["sub_from"] + 1 == 200_000_00
    listed = re.search(
        r'<table id="bill-apps">(.*?)</table>', client.get("/sme/discounting").text, re.S
    )
    assert listed and 'data-amount="150000.00"' in listed.group(1)
