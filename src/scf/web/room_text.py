"""Alert and finding summaries in the reader's language, from their kind and evidence.

The rooms store a summary in English for logs and the API, and beside it the evidence: the
figures the summary names. A page says the summary again from a catalog message of the
alert's kind with those figures as parameters, amounts and shares formatted for the locale
and organizations by their names. Where the evidence lacks a figure (an alert stored before
the room kept it), the stored summary is shown, marked as the room's own text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from scf.core import i18n
from scf.core.i18n import N_
from scf.web.i18n import money, percent

Params = Callable[[str, Mapping[str, Any], Callable[[str], str]], dict[str, str]]


def _share(lang: str, value: Any) -> str:
    return percent(lang, Decimal(str(value)))


def _sales_drop(lang: str, e: Mapping[str, Any], name: Callable[[str], str]) -> dict[str, str]:
    now, before = Decimal(e["sales_90d"]["amount"]), Decimal(e["sales_prev_90d"]["amount"])
    return {
        "drop": _share(lang, (1 - now / before).quantize(Decimal("0.0001"))),
        "now": money(lang, e["sales_90d"]),
        "before": money(lang, e["sales_prev_90d"]),
    }


def _inflow(lang: str, e: Mapping[str, Any], name: Callable[[str], str]) -> dict[str, str]:
    now = Decimal(e["received_90d"]["amount"])
    before = Decimal(e["received_prev_90d"]["amount"])
    return {
        "ratio": str((now / before).quantize(Decimal("0.1"))),
        "now": money(lang, e["received_90d"]),
    }


def _count(lang: str, e: Mapping[str, Any], name: Callable[[str], str]) -> dict[str, str]:
    return {"count": str(e["count"])}


def _pair(lang: str, e: Mapping[str, Any], name: Callable[[str], str]) -> dict[str, str]:
    links = e["links"]
    a, b = links[0]["a"], links[-1]["b"]
    controllers = e.get("common_controllers") or []
    sep = "、" if lang == "zh" else ", "
    return {"a": name(a), "b": name(b), "controllers": sep.join(name(c) for c in controllers)}


# kind -> (catalog message, its parameters from the evidence)
MESSAGES: dict[str, tuple[str, Params]] = {
    "sales_drop": (
        N_(
            "Sales of the last 90 days fell %(drop)s against the 90 days before (%(now)s, "
            "before %(before)s)"
        ),
        _sales_drop,
    ),
    "concentration_jump": (
        N_("The largest debtor's share rose from %(before)s to %(now)s"),
        lambda lang, e, name: {"before": _share(lang, e["before"]), "now": _share(lang, e["now"])},
    ),
    "debtor_paying_late": (
        N_("Its debtors pay %(days)s days late on average"),
        lambda lang, e, name: {"days": str(round(Decimal(str(e["days_late"]))))},
    ),
    "near_duplicate_invoices": (N_("%(count)s near-duplicate invoices in 90 days"), _count),
    "new_related_parties": (
        N_("%(count)s new related parties since the last score"),
        lambda lang, e, name: {"count": str(int(e["now"]) - int(e["before"]))},
    ),
    "overdue_elsewhere": (
        N_("%(count)s overdue financings at other institutions on the platform"),
        _count,
    ),
    "unusual_certificate_inflow": (
        N_("Certificates received in 90 days (%(now)s) are %(ratio)s times the 90 days before"),
        _inflow,
    ),
    "model_drift": (
        N_("Model %(model)s: the population shifted in %(count)s features"),
        lambda lang, e, name: {"model": str(e["model_id"]), "count": str(len(e["psi"]))},
    ),
    "certificate_overdue": (
        N_("The certificate is overdue: %(unpaid)s unpaid"),
        lambda lang, e, name: {"unpaid": money(lang, e["unpaid"])},
    ),
    "npl_near": (
        N_("Unit %(unit)s nears its NPL tolerance: %(npl)s of %(tolerated)s"),
        lambda lang, e, name: {
            "unit": str(e["unit"]),
            "npl": _share(lang, e["npl_ratio"]),
            "tolerated": _share(lang, e["tolerated"]),
        },
    ),
    "npl_over": (
        N_("Unit %(unit)s is past its NPL tolerance: %(npl)s against %(tolerated)s"),
        lambda lang, e, name: {
            "unit": str(e["unit"]),
            "npl": _share(lang, e["npl_ratio"]),
            "tolerated": _share(lang, e["tolerated"]),
        },
    ),
    "certificate_defaulted": (
        N_("The certificate is in default: %(unpaid)s unpaid"),
        lambda lang, e, name: {"unpaid": money(lang, e["unpaid"])},
    ),
    "margin_call": (
        N_("Margin call: loan-to-value %(ltv)s over %(threshold)s, shortfall %(shortfall)s"),
        lambda lang, e, name: {
            "ltv": _share(lang, e["ltv"]),
            "threshold": _share(lang, e["threshold"]),
            "shortfall": money(lang, e["shortfall"]),
        },
    ),
    "financing_overdue": (
        N_("%(scenario)s overdue: %(outstanding)s outstanding"),
        lambda lang, e, name: {
            "scenario": i18n.label(lang, "financing.Scenario", e["scenario"]),
            "outstanding": money(lang, e["outstanding"]),
        },
    ),
    "financing_defaulted": (
        N_("%(scenario)s in default: %(outstanding)s outstanding"),
        lambda lang, e, name: {
            "scenario": i18n.label(lang, "financing.Scenario", e["scenario"]),
            "outstanding": money(lang, e["outstanding"]),
        },
    ),
    "circular_trade": (
        N_(
            "Circular trade through %(count)s enterprises from %(start)s to %(end)s, "
            "%(first)s out and %(returned)s back"
        ),
        lambda lang, e, name: {
            "count": str(int(e["_members"])),
            "start": str(e["from"]),
            "end": str(e["to"]),
            "first": money(lang, e["first_amount"]),
            "returned": money(lang, e["returned_amount"]),
        },
    ),
    "shell_company": (
        N_("%(count)s shell-company indicators"),
        lambda lang, e, name: {"count": str(len(e["indicators"]))},
    ),
    "self_financing": (
        N_("%(a)s and %(b)s are in one control group, controlled by %(controllers)s"),
        _pair,
    ),
    "related_party": (N_("%(a)s and %(b)s are related parties"), _pair),
    # what market supervision's changes raised (scf.supervision.exchange)
    "related_group_changed": (
        N_(
            "Market supervision (%(change)s, %(on)s): "
            "the related-party group now takes in %(joined)s"
        ),
        lambda lang, e, name: {
            "change": i18n.label(lang, "supervision.MarketChange", e["change"]),
            "on": str(e["on"]),
            "joined": ("、" if lang == "zh" else ", ").join(name(o) for o in e["joined"]) or "–",
        },
    ),
    "deregistered": (
        N_("Market supervision: deregistered on %(on)s"),
        lambda lang, e, name: {"on": str(e["on"])},
    ),
    "abnormal_operation": (
        N_("Market supervision: on the abnormal operation list since %(on)s"),
        lambda lang, e, name: {"on": str(e["on"])},
    ),
}
for _fan in ("fan_in", "fan_out", "scatter_gather"):
    MESSAGES[_fan] = (
        N_("%(pattern)s: %(count)s counterparties within the window from %(start)s"),
        lambda lang, e, name: {
            "pattern": i18n.label(lang, "risk.FindingKind", e["_kind"]),
            "count": str(int(e["_members"]) - 1 - (1 if e.get("sink") else 0)),
            "start": str(e["window_start"]),
        },
    )


def room_text(lang: str, item: Mapping[str, Any], names: Mapping[str, str] | None = None) -> Markup:
    """An alert's or a finding's summary in the language, from its kind and evidence."""
    kind = str(item.get("kind") or "")
    evidence = {
        **dict(item.get("evidence") or {}),
        "_kind": kind,
        "_members": len(item["org_ids"]) if item.get("org_ids") else None,
    }
    known = dict(names or {})

    def name(org_id: str) -> str:
        return known.get(org_id, org_id)

    message = MESSAGES.get(kind)
    if message is not None:
        try:
            params = message[1](lang, evidence, name)
        except (KeyError, TypeError, ValueError, ArithmeticError, IndexError):
            params = None
        if params is not None:
            return Markup("<span>{}</span>").format(i18n.gettext(lang, message[0]) % params)
    return Markup("<span data-room-text>{}</span>").format(item.get("summary") or "")
