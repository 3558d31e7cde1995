"""Alert and finding summaries said in the reader's language from their kind and evidence."""

from __future__ import annotations

from scf.web.room_text import MESSAGES, room_text
from scf.web.sample import ORGS


def test_alerts_are_said_in_each_language_with_formatted_figures() -> None:
    alert = {
        "kind": "certificate_overdue",
        "summary": "certificate crt_1 matured on 2025-03-27 and CNY 50000.00 is unpaid",
        "evidence": {
            "certificate_id": "crt_1",
            "unpaid": {"amount": "50000.00", "currency": "CNY"},
        },
    }
    assert str(room_text("zh", alert)) == "<span>凭证已逾期：未付 ¥50,000.00</span>"
    assert (
        str(room_text("en", alert))
        == "<span>The certificate is overdue: CN¥50,000.00 unpaid</span>"
    )
    drop = {
        "kind": "sales_drop",
        "evidence": {
            "sales_90d": {"amount": "40000.00", "currency": "CNY"},
            "sales_prev_90d": {"amount": "100000.00", "currency": "CNY"},
        },
    }
    assert "下降 60.00%" in str(room_text("zh", drop))
    assert "fell 60.00%" in str(room_text("en", drop))


def test_findings_name_organizations_by_their_names() -> None:
    names = {"org_a": ORGS[1][1], "org_b": ORGS[2][1], "org_c": "控股集团"}
    finding = {
        "kind": "self_financing",
        "org_ids": ["org_a", "org_b"],
        "summary": "applicant org_a and debtor org_b are in one control group",
        "evidence": {
            "links": [{"a": "org_a", "b": "org_b", "reason": "shared_director", "via": None}],
            "common_controllers": ["org_c"],
        },
    }
    text = str(room_text("zh", finding, names))
    assert ORGS[1][1] in text and ORGS[2][1] in text and "控股集团" in text
    assert "org_a" not in text and "data-room-text" not in text
    circular = {
        "kind": "circular_trade",
        "org_ids": ["a", "b", "c"],
        "evidence": {
            "first_amount": {"amount": "100.00", "currency": "CNY"},
            "returned_amount": {"amount": "90.00", "currency": "CNY"},
            "from": "2025-01-02",
            "to": "2025-01-20",
        },
    }
    assert "经 3 家企业的循环交易" in str(room_text("zh", circular))


def test_without_the_evidence_the_room_s_own_summary_is_shown_and_marked() -> None:
    old = {"kind": "certificate_overdue", "summary": "a <b>stored</b> summary", "evidence": {}}
    out = str(room_text("zh", old))
    assert out == "<span data-room-text>a &lt;b&gt;stored&lt;/b&gt; summary</span>"
    unknown = {"kind": "something_new", "summary": "raw", "evidence": {"count": 1}}
    assert "data-room-text" in str(room_text("en", unknown))
    # a circular trade raised as an alert (no members listed) falls back too
    assert "data-room-text" in str(room_text("zh", {"kind": "circular_trade", "evidence": {}}))


def test_every_kind_s_message_is_in_the_catalog() -> None:
    from scf.core import i18n

    for kind, (message, _) in MESSAGES.items():
        assert i18n.gettext("zh", message) != message, kind
