"""Financing use cases: apply, check, offer, accept, register, disburse, repay, default."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select

from scf.certificates import service as certificates
from scf.core.actor import Actor
from scf.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork, jsonable
from scf.financing import model as M
from scf.financing.config import get_financing_settings
from scf.financing.scenario import Context, Scenario, get_scenario, joined, scenarios
from scf.financing.tables import (
    ClaimRow,
    CommodityPriceRow,
    CoverPolicyRow,
    DiscountBidRow,
    DiscountProgramRow,
    FinancingApplicationRow,
    FinancingOfferRow,
    FunderProductRow,
    IdempotencyRow,
    InboxMessageRow,
    MarginCallRow,
)
from scf.parties import service as parties
from scf.registry import service as registry
from scf.risk import service as risk
from scf.risk.model import FindingKind
from scf.trade import service as trade

FUNDERS = ("bank", "factoring_company", "local_financial_org")
ENTERPRISE = ("core_enterprise", "supplier", "distributor")
INSURERS = ("insurer", "guarantee_company")
S = M.Status


# ---------------------------------------------------------------- notifications


class Channel(Protocol):
    """An outbound channel (SMS, e-mail, a partner's webhook); the inbox is the default."""

    def send(
        self,
        uow: UnitOfWork,
        org_id: str,
        kind: str,
        subject: str,
        body: str,
        application_id: str | None,
    ) -> None: ...


class InboxChannel:
    """Write the message to the organization's in-app inbox, in the caller's transaction."""

    def send(
        self,
        uow: UnitOfWork,
        org_id: str,
        kind: str,
        subject: str,
        body: str,
        application_id: str | None,
    ) -> None:
        uow.session.add(
            InboxMessageRow(
                id=new_id("msg"),
                org_id=org_id,
                kind=kind,
                subject=subject[:300],
                body=body,
                application_id=application_id,
                created_at=uow.now(),
                read_at=None,
            )
        )


CHANNELS: list[Channel] = [InboxChannel()]


def notify(
    uow: UnitOfWork,
    org_id: str,
    kind: str,
    subject: str,
    body: str,
    application_id: str | None = None,
) -> None:
    """Send a message to an organization through every configured channel."""
    for channel in CHANNELS:
        channel.send(uow, org_id, kind, subject, body, application_id)


def inbox(uow: UnitOfWork, unread_only: bool = False) -> list[InboxMessageRow]:
    if uow.actor.org_id is None:
        return []
    stmt = select(InboxMessageRow).where(InboxMessageRow.org_id == uow.actor.org_id)
    if unread_only:
        stmt = stmt.where(InboxMessageRow.read_at.is_(None))
    return list(uow.session.scalars(stmt.order_by(InboxMessageRow.created_at.desc())))


def mark_read(uow: UnitOfWork, message_id: str) -> InboxMessageRow:
    row = uow.session.get(InboxMessageRow, message_id)
    if row is None or row.org_id != uow.actor.org_id:
        raise NotFound(f"message {message_id} not found")
    if row.read_at is None:
        row.read_at = uow.now()
        uow.audit("financing.inbox.read", "inbox_message", row.id, after={"read": True})
        uow.commit()
    return row


# ---------------------------------------------------------------- idempotency


def request_hash(command: str, body: Any) -> str:
    canonical = json.dumps(jsonable(body), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{command}\n{canonical}".encode()).hexdigest()


def idempotent(
    uow: UnitOfWork,
    key: str | None,
    command: str,
    body: Any,
    run: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Run a money-moving command once per key: a replay returns the stored response, the
    same key with another request is refused; the key lands in the command's transaction."""
    if key is None or not key.strip():
        raise InvalidInput(
            "money-moving commands need an Idempotency-Key header", field="Idempotency-Key"
        )
    key = key.strip()
    if len(key) > 120:
        raise InvalidInput("at most 120 characters", field="Idempotency-Key")
    org = uow.actor.org_id or "system"
    digest = request_hash(command, body)
    stored = uow.session.get(IdempotencyRow, (org, key))
    if stored is not None:
        if stored.request_hash != digest or stored.command != command:
            raise InvalidInput(
                f"Idempotency-Key {key!r} was used for another request ({stored.command}); "
                "use a new key",
                field="Idempotency-Key",
                code="idempotency_key_reused",
            )
        return dict(stored.response)
    response = jsonable(run())
    uow.session.add(
        IdempotencyRow(
            org_id=org,
            key=key,
            command=command,
            request_hash=digest,
            response=response,
            created_at=uow.now(),
        )
    )
    uow.commit()
    return dict(response)


# ---------------------------------------------------------------- products and prices


def create_product(
    uow: UnitOfWork,
    *,
    scenario: str,
    name: str,
    base_rate: Decimal,
    max_amount: Money,
    rate_groups: list[dict[str, Any]],
    fee: Money | None = None,
    exclusive_chains: Iterable[str] = (),
    offer_validity_hours: int | None = None,
) -> FunderProductRow:
    """A white-listed funder publishes a product for a scenario with its own rate groups."""
    parties.require_role(uow.actor, *FUNDERS)
    funder = uow.actor.org_id
    if funder is None:
        raise PermissionDenied("a product is offered by an institution")
    parties.require_licensed_funder(uow, funder)
    sc = get_scenario(scenario)
    if sc.self_funded:
        raise InvalidInput(f"{scenario} is funded by the buyer itself", field="scenario")
    groups = [M.RateGroup.parse(g, f"rate_groups[{i}]") for i, g in enumerate(rate_groups)]
    if not max_amount.is_positive():
        raise InvalidInput("must be above zero", field="max_amount")
    if fee is not None and fee.currency != max_amount.currency:
        raise InvalidInput("the fee is in another currency", field="fee")
    if not name.strip():
        raise InvalidInput("a product needs a name", field="name")
    hours = offer_validity_hours or get_financing_settings().offer_validity_hours
    if not 1 <= hours <= 720:
        raise InvalidInput("between 1 and 720 hours", field="offer_validity_hours")
    row = FunderProductRow(
        id=new_id("fpr"),
        funder_org_id=funder,
        scenario=sc.code,
        name=name.strip(),
        currency=max_amount.currency,
        base_rate=base_rate,
        rate_groups=[g.as_dict() for g in groups],
        max_amount_minor=max_amount.minor,
        fee_minor=fee.minor if fee else 0,
        exclusive_chains=sorted(set(exclusive_chains)),
        offer_validity_hours=hours,
        active=True,
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("financing.product.created", "financing_product", row.id, after=product_dict(row))
    uow.commit()
    return row


def product_dict(row: FunderProductRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "funder_org_id": row.funder_org_id,
        "scenario": row.scenario,
        "name": row.name,
        "base_rate": str(row.base_rate),
        "rate_groups": row.rate_groups,
        "max_amount": Money(row.max_amount_minor, row.currency).as_json(),
        "fee": Money(row.fee_minor, row.currency).as_json(),
        "exclusive_chains": row.exclusive_chains,
        "offer_validity_hours": row.offer_validity_hours,
        "active": row.active,
    }


def list_products(uow: UnitOfWork, scenario: str | None = None) -> list[FunderProductRow]:
    stmt = select(FunderProductRow).where(FunderProductRow.active.is_(True))
    if scenario:
        stmt = stmt.where(FunderProductRow.scenario == scenario)
    return list(uow.session.scalars(stmt.order_by(FunderProductRow.created_at)))


def scenario_choices(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(code, title) of the scenarios the caller may apply for and some funder offers."""
    offered = {p.scenario for p in list_products(uow)}
    roles = set(uow.actor.roles)
    return [
        (code, sc.title)
        for code, sc in sorted(scenarios().items())
        if code in offered and not sc.self_funded and roles & sc.applicant_roles
    ]


def _product(uow: UnitOfWork, funder: str, scenario: str, currency: str) -> FunderProductRow:
    row = uow.session.scalar(
        select(FunderProductRow)
        .where(
            FunderProductRow.funder_org_id == funder,
            FunderProductRow.scenario == scenario,
            FunderProductRow.currency == currency,
            FunderProductRow.active.is_(True),
        )
        .order_by(FunderProductRow.created_at.desc())
    )
    if row is None:
        name = parties.find_organization(uow, funder).name
        raise InvalidInput(
            f"{name} offers no {scenario} product in {currency}",
            field="funder_org_ids",
            code="no_product",
        )
    return row


def _live_exposure(uow: UnitOfWork, funder: str, debtor: str, currency: str) -> Money:
    """What the funder has outstanding in this room on financings whose debtor is `debtor`
    (certificate pieces it bought are not here: the certificates room counts those)."""
    live = [s.value for s in M.LIVE]
    total = 0
    for app in uow.session.scalars(
        select(FinancingApplicationRow).where(
            FinancingApplicationRow.funder_org_id == funder,
            FinancingApplicationRow.debtor_org_id == debtor,
            FinancingApplicationRow.currency == currency,
            FinancingApplicationRow.status.in_(live),
            FinancingApplicationRow.scenario != "reverse_factoring",
        )
    ):
        total += app.outstanding_minor
    return Money(total, currency)


def check_exposure_cap(
    uow: UnitOfWork,
    sc: Scenario,
    funder: str,
    debtor: str | None,
    amount: Money,
    certificate_id: str | None = None,
) -> None:
    """Refuse when the funder's exposure to a core enterprise debtor would pass the cap the
    regulator set (or the default): committed credit lines, certificate pieces bought and
    this room's live financings on it, plus the amount asked. Run at application and again
    at acceptance, because other financings may have landed in between."""
    if debtor is None:
        return
    platform = _platform(uow)
    if "core_enterprise" not in parties.find_organization(uow, debtor).roles:
        return
    if certificate_id is not None:
        cert = certificates.get_certificate(platform, certificate_id)
        if certificates.get_line(platform, cert.line_id).funder_org_id == funder:
            return  # the piece sits inside the funder's own committed line already
    try:
        cap = certificates.cap_for(platform, funder, debtor, amount.currency)
    except RuleViolation:
        if certificate_id is not None:
            raise
        return  # no cap in this currency: only certificates are refused for lack of one
    current = certificates.exposure_of(platform, funder, debtor, amount.currency)
    current = current + _live_exposure(uow, funder, debtor, amount.currency)
    after = current + amount
    if after > cap:
        name = parties.find_organization(uow, funder).name
        raise RuleViolation(
            f"{name}'s exposure to {parties.find_organization(uow, debtor).name} would be "
            f"{after}, over its cap of {cap} (now {current}); {sc.title} cannot go to it",
            code="exposure_cap_exceeded",
            details={
                "funder_org_id": funder,
                "debtor_org_id": debtor,
                "current": current.as_json(),
                "addition": amount.as_json(),
                "cap": cap.as_json(),
            },
        )


def check_risk_limit(uow: UnitOfWork, applicant: str, amount: Money) -> None:
    """Refuse an acceptance the applicant's risk-limit headroom no longer covers."""
    limit = risk.limit_for(_platform(uow), applicant, commit=False)
    if limit is not None and limit.currency == amount.currency and amount > limit:
        raise RuleViolation(
            f"{amount} is over the applicant's risk-limit headroom of {limit}; the limit "
            "changed since the application was checked",
            code="over_risk_limit",
            details={"limit": limit.as_json(), "amount": amount.as_json()},
        )


def _commodity_key(commodity: str) -> str:
    return " ".join(commodity.strip().casefold().split())


def set_commodity_price(
    uow: UnitOfWork, commodity: str, unit: str, price: Money, source: str = ""
) -> CommodityPriceRow:
    """The operator posts a commodity price (e.g. gold, CNY per gram); history is kept."""
    parties.require_role(uow.actor, "operator")
    if not commodity.strip():
        raise InvalidInput("name the commodity", field="commodity")
    if not unit.strip():
        raise InvalidInput("name the unit (gram, tonne, ...)", field="unit")
    if not price.is_positive():
        raise InvalidInput("a price above zero", field="price")
    row = CommodityPriceRow(
        commodity=_commodity_key(commodity),
        unit=unit.strip(),
        currency=price.currency,
        price_minor=price.minor,
        as_of=uow.now(),
        source=source,
        set_by=uow.actor.org_id,
    )
    uow.session.add(row)
    uow.flush()
    uow.audit(
        "financing.price.posted",
        "commodity_price",
        row.commodity,
        after={"unit": row.unit, "price": price.as_json(), "source": source},
    )
    uow.commit()
    return row


def latest_price(uow: UnitOfWork, commodity: str) -> Money:
    row = uow.session.scalar(
        select(CommodityPriceRow)
        .where(CommodityPriceRow.commodity == _commodity_key(commodity))
        .order_by(CommodityPriceRow.as_of.desc(), CommodityPriceRow.id.desc())
    )
    if row is None:
        raise RuleViolation(
            f"no price is posted for {commodity}; the operator posts one first",
            code="no_commodity_price",
        )
    return Money(row.price_minor, row.currency)


def list_prices(uow: UnitOfWork) -> list[CommodityPriceRow]:
    return list(
        uow.session.scalars(select(CommodityPriceRow).order_by(CommodityPriceRow.id.desc()))
    )


# ---------------------------------------------------------------- cover policies


def write_cover(
    uow: UnitOfWork,
    *,
    insured_org_id: str,
    debtor_org_id: str,
    kind: str,
    cover_ratio: Decimal,
    premium_rate: Decimal,
    limit: Money,
    expires_on: date,
) -> CoverPolicyRow:
    """An insurer or guarantee company covers a seller's receivables on one debtor."""
    parties.require_role(uow.actor, *INSURERS)
    insurer = uow.actor.org_id
    if insurer is None:
        raise PermissionDenied("cover is written by an insurer or guarantee company")
    parties.require_not_blacklisted(uow, insurer)
    for f, org in (("insured_org_id", insured_org_id), ("debtor_org_id", debtor_org_id)):
        try:
            parties.find_organization(uow, org)
        except NotFound:
            raise InvalidInput(f"no organization {org}", field=f) from None
    if kind not in ("insurance", "guarantee"):
        raise InvalidInput("insurance or guarantee", field="kind")
    if not Decimal(0) < cover_ratio <= Decimal(1):
        raise InvalidInput("a share above 0 and at most 1", field="cover_ratio")
    if not limit.is_positive():
        raise InvalidInput("a limit above zero", field="limit")
    if expires_on <= uow.today():
        raise InvalidInput("must be in the future", field="expires_on")
    row = CoverPolicyRow(
        id=new_id("pol"),
        insurer_org_id=insurer,
        insured_org_id=insured_org_id,
        debtor_org_id=debtor_org_id,
        kind=kind,
        cover_ratio=cover_ratio,
        premium_rate=premium_rate,
        currency=limit.currency,
        limit_minor=limit.minor,
        used_minor=0,
        expires_on=expires_on,
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("financing.cover.written", "cover_policy", row.id, after=policy_dict(row))
    notify(uow, insured_org_id, "cover_written", f"Cover policy {row.id}", f"{kind} written")
    uow.commit()
    return row


def policy_dict(row: CoverPolicyRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "insurer_org_id": row.insurer_org_id,
        "insured_org_id": row.insured_org_id,
        "debtor_org_id": row.debtor_org_id,
        "kind": row.kind,
        "cover_ratio": str(row.cover_ratio),
        "premium_rate": str(row.premium_rate),
        "limit": Money(row.limit_minor, row.currency).as_json(),
        "used": Money(row.used_minor, row.currency).as_json(),
        "expires_on": row.expires_on.isoformat(),
    }


def list_policies(uow: UnitOfWork) -> list[CoverPolicyRow]:
    stmt = select(CoverPolicyRow)
    a = uow.actor
    if not (a.is_regulator or a.is_operator or a.is_system):
        stmt = stmt.where(
            (CoverPolicyRow.insurer_org_id == a.org_id)
            | (CoverPolicyRow.insured_org_id == a.org_id)
        )
    return list(uow.session.scalars(stmt.order_by(CoverPolicyRow.created_at)))


def _policy_for(
    uow: UnitOfWork, policy_id: object, applicant: str, debtor: str | None, amount: Money, due: date
) -> CoverPolicyRow:
    if not isinstance(policy_id, str) or not policy_id:
        raise InvalidInput("this scenario needs a cover policy", field="asset.policy_id")
    row = uow.session.get(CoverPolicyRow, policy_id)
    if row is None or row.insured_org_id != applicant:
        raise InvalidInput(f"no policy {policy_id} covers the applicant", field="asset.policy_id")
    if row.debtor_org_id != debtor:
        raise InvalidInput("the policy covers another debtor", field="asset.policy_id")
    if row.expires_on < due:
        raise InvalidInput(
            f"the policy expires on {row.expires_on.isoformat()}, before the due date",
            field="asset.policy_id",
        )
    if row.currency != amount.currency or row.limit_minor - row.used_minor < amount.minor:
        free = Money(row.limit_minor - row.used_minor, row.currency)
        raise InvalidInput(
            f"the policy has {free} of cover left; {amount} asked",
            field="asset.policy_id",
            code="cover_exhausted",
        )
    parties.require_not_blacklisted(uow, row.insurer_org_id)
    return row


# ---------------------------------------------------------------- applications


@dataclass(frozen=True)
class ApplicationInput:
    scenario: str
    amount: Money
    asset: dict[str, Any]
    funder_org_ids: list[str]


def _context(uow: UnitOfWork, applicant: str) -> Context:
    return Context(
        uow=uow,
        applicant_org_id=applicant,
        notify=lambda org, kind, subject, body: notify(uow, org, kind, subject, body),
        commodity_price=lambda c: latest_price(uow, c),
    )


def _platform(uow: UnitOfWork) -> UnitOfWork:
    """The platform's own reads inside the command's transaction: the automatic checks look
    at the registry and the risk graph on the applicant's behalf, not with its rights."""
    return joined(uow, Actor.system())


def _check(name: str, result: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"check": name, "result": result, "detail": detail, **jsonable(extra)}


def _segment(org: Any, red: bool) -> M.Segment:
    return M.Segment(org.size_class, frozenset(org.chain_tags), red)


def submit_application(uow: UnitOfWork, data: ApplicationInput) -> FinancingApplicationRow:
    """Apply for financing: run every automatic check, then send to the chosen funders.

    Refusals (black list, funder not white-listed, collateral already registered, duplicate
    invoice, self-financing, the scenario's own rules) raise and store nothing; findings a
    person must weigh (related parties, circular trade, weak trade evidence, over the risk
    limit) send the application to review. Key-chain and red-listed applicants that pass
    everything within the green limit get priced offers at once (the green channel).
    """
    sc = get_scenario(data.scenario)
    actor = uow.actor
    parties.require_role(actor, *sc.applicant_roles)
    applicant = actor.org_id
    if applicant is None:
        raise PermissionDenied("an application is made by an enterprise")
    cfg = get_financing_settings()
    org = parties.find_organization(uow, applicant)
    checks: list[dict[str, Any]] = []
    escalate: list[str] = []
    parties.require_not_blacklisted(uow, applicant)
    red = parties.is_red_listed(uow, applicant)
    checks.append(_check("applicant_lists", "pass", "not black-listed", red_listed=red))
    tags = set(org.chain_tags)
    if sc.exclusive_chains and not (tags & sc.exclusive_chains):
        raise RuleViolation(
            f"{sc.title} is reserved for the key chains {', '.join(sorted(sc.exclusive_chains))}",
            code="exclusive_product",
        )
    amount = data.amount
    if not amount.is_positive():
        raise InvalidInput("must be above zero", field="amount")
    funders = list(dict.fromkeys(data.funder_org_ids))
    if sc.self_funded:
        funders = []
    elif not funders:
        raise InvalidInput("send the application to at least one funder", field="funder_org_ids")
    products: dict[str, FunderProductRow] = {}
    for f in funders:
        try:
            parties.find_organization(uow, f)
        except NotFound:
            raise InvalidInput(f"no organization {f}", field="funder_org_ids") from None
        parties.require_licensed_funder(uow, f)
        prod = _product(uow, f, sc.code, amount.currency)
        if prod.exclusive_chains and not (tags & set(prod.exclusive_chains)):
            raise RuleViolation(
                f"the product {prod.name} is reserved for the key chains "
                f"{', '.join(prod.exclusive_chains)}",
                code="exclusive_product",
            )
        if amount.minor > prod.max_amount_minor:
            raise InvalidInput(
                f"{prod.name} lends at most {Money(prod.max_amount_minor, amount.currency)}",
                field="amount",
            )
        products[f] = prod
    if funders:
        checks.append(_check("funders_white_listed", "pass", f"{len(funders)} licensed funders"))
    view = sc.assess(_context(uow, applicant), data.asset)
    debtor = view.debtor_org_id
    if debtor is not None:
        parties.require_not_blacklisted(uow, debtor)
    for f in funders:
        check_exposure_cap(uow, sc, f, debtor, amount, view.facts.get("certificate_id"))
    if funders:
        checks.append(_check("exposure_caps", "pass", "every funder within its cap"))
    if view.value.currency != amount.currency:
        raise InvalidInput(f"the asset is in {view.value.currency}", field="amount.currency")
    cap = view.value.scale(sc.limits.max_advance)
    if amount > cap:
        raise InvalidInput(
            f"{sc.title} lends at most {sc.limits.max_advance} of the asset's value "
            f"{view.value}, that is {cap}",
            field="amount",
            code="over_advance",
        )
    if amount < Money.of(sc.limits.min_amount, amount.currency):
        raise InvalidInput(f"at least {sc.limits.min_amount}", field="amount")
    due_on = uow.calendar.adjust(view.due_on)
    days = (due_on - uow.today()).days
    if days <= 0:
        raise InvalidInput("the asset is already due", field="asset", code="asset_due")
    if days > sc.limits.max_tenor_days:
        raise InvalidInput(
            f"{sc.title} runs at most {sc.limits.max_tenor_days} days; this runs {days}",
            field="asset",
            code="tenor_too_long",
        )
    checks.append(_check("scenario_rules", "pass", f"{sc.code}: eligible", value=view.value))
    refs = view.collateral
    platform = _platform(uow)
    if sc.checks_registry_conflicts and refs:
        earlier = registry.conflicts(platform, refs)
        if earlier:
            first = earlier[0]
            raise Conflict(
                f"the collateral is already registered: registration {first.number} "
                f"of {first.registered_at.date().isoformat()} in favour of "
                f"{first.secured_party.get('name', first.secured_party_org_id)}",
                code="already_pledged",
                details={
                    "registration": first.number,
                    "registrations": [r.number for r in earlier],
                },
            )
        checks.append(_check("registry_conflicts", "pass", "no live registration"))
    for fp in view.fingerprints:
        status = trade.check_fingerprint(uow, fp)
        if status.financed or status.registered:
            raise Conflict(
                "the invoice was already financed or registered at another institution "
                f"({status.institutions} institution(s))",
                code="duplicate_invoice",
                details={"fingerprint": fp},
            )
    if view.fingerprints:
        checks.append(_check("invoice_fingerprints", "pass", "not financed elsewhere"))
    score = view.evidence.get("authenticity_score")
    if isinstance(score, int):
        missing = view.evidence.get("missing", [])
        if score < cfg.authenticity_min:
            escalate.append(f"trade authenticity {score} below {cfg.authenticity_min}")
            checks.append(_check("authenticity", "escalate", f"score {score}", missing=missing))
        else:
            checks.append(_check("authenticity", "pass", f"score {score}", missing=missing))
    if debtor is not None and debtor != applicant:
        finding = risk.related_party_check(platform, applicant, debtor)
        if finding is not None and finding.kind is FindingKind.SELF_FINANCING:
            raise RuleViolation(
                f"self-financing refused: {finding.summary}; path {' -> '.join(finding.path)}",
                code="self_financing",
                details=finding.as_dict(),
            )
        if finding is not None:
            escalate.append(f"{finding.summary}; path {' -> '.join(finding.path)}")
            checks.append(
                _check("related_party", "escalate", finding.summary, path=list(finding.path))
            )
        else:
            checks.append(_check("related_party", "pass", "applicant and debtor independent"))
    cycles = [
        f for f in risk.graph_findings(platform, applicant) if f.kind is FindingKind.CIRCULAR_TRADE
    ]
    if cycles:
        escalate.append(cycles[0].summary)
        checks.append(_check("circular_trade", "escalate", cycles[0].summary))
    else:
        checks.append(_check("circular_trade", "pass", "no trade cycle"))
    limit = (
        risk.limit_for(platform, applicant, commit=False)
        if sc.uses_applicant_limit(data.asset)
        else None
    )
    if limit is not None and limit.currency == amount.currency and amount > limit:
        escalate.append(f"{amount} is over the risk limit {limit}")
        checks.append(_check("risk_limit", "escalate", f"limit {limit}"))
    else:
        checks.append(
            _check(
                "risk_limit",
                "pass",
                f"limit {limit}"
                if limit
                else (
                    "no grade-based line; the asset bounds the amount"
                    if sc.uses_applicant_limit(data.asset)
                    else "the debtor, acceptor, insurer or goods carry the credit risk; "
                    "the applicant's unsecured limit does not apply"
                ),
            )
        )
    policy: CoverPolicyRow | None = None
    if getattr(sc, "uses_cover", False):
        policy = _policy_for(uow, data.asset.get("policy_id"), applicant, debtor, amount, due_on)
        checks.append(_check("cover", "pass", f"{policy.kind} {policy.id}"))
    for reason in view.escalate:
        escalate.append(reason)
        checks.append(_check("scenario_review", "escalate", reason))
    key_chain = bool(tags & set(cfg.key_chains))
    green_cap = cfg.green_cap(amount.currency)
    green = (red or key_chain) and not escalate and green_cap is not None and amount <= green_cap
    now = uow.now()
    app = FinancingApplicationRow(
        id=new_id("fap"),
        scenario=sc.code,
        applicant_org_id=applicant,
        debtor_org_id=debtor,
        currency=amount.currency,
        amount_minor=amount.minor,
        due_on=due_on,
        asset=jsonable(dict(data.asset)),
        collateral=[
            {"kind": r.kind, "identifier": r.identifier, "quantity": r.quantity} for r in refs
        ],
        evidence=jsonable({**view.evidence, "fingerprints": view.fingerprints, **view.facts}),
        checks=checks,
        funder_org_ids=funders,
        status=S.SUBMITTED.value,
        channel=(M.Channel.GREEN if green else M.Channel.STANDARD).value,
        priority=(1 if red else 0) + (1 if key_chain else 0),
        district=org.district,
        chain_tags=sorted(tags),
        size_class=org.size_class,
        tier=view.tier,
        red_listed=red,
        registrations=[],
        cover_policy_id=policy.id if policy else None,
        outstanding_minor=0,
        repaid_minor=0,
        submitted_at=now,
    )
    for c in app.collateral:
        if c["quantity"] is not None:
            c["quantity"] = str(c["quantity"])
    uow.session.add(app)
    uow.flush()
    uow.audit("financing.submitted", "financing_application", app.id, after=app.snapshot())
    if escalate:
        _move(uow, app, S.ESCALATED, "escalate")
        app.note = "; ".join(escalate)
        notify(uow, applicant, "escalated", f"Application {app.id} in review", app.note, app.id)
    elif not sc.self_funded:
        _send(uow, app, sc, products, automatic=green)
    uow.commit()
    return app


def _move(uow: UnitOfWork, app: FinancingApplicationRow, target: M.Status, doing: str) -> None:
    before = app.snapshot()
    app.status = M.advance(app.status, target, doing).value
    if target in M.DECIDED and app.decided_at is None:
        app.decided_at = uow.now()
        app.decision_seconds = int((app.decided_at - app.submitted_at).total_seconds())
    uow.flush()
    uow.audit(
        f"financing.{target.value}",
        "financing_application",
        app.id,
        before=before,
        after=app.snapshot(),
        org_id=app.applicant_org_id,
    )


def _send(
    uow: UnitOfWork,
    app: FinancingApplicationRow,
    sc: Scenario,
    products: dict[str, FunderProductRow] | None = None,
    *,
    automatic: bool = False,
) -> None:
    _move(uow, app, S.SENT, "send to funders")
    for f in app.funder_org_ids:
        notify(
            uow,
            f,
            "application",
            f"{sc.title}: application {app.id} for {app.amount}",
            f"Priority {app.priority}; channel {app.channel}.",
            app.id,
        )
    if automatic:
        for f in app.funder_org_ids:
            prod = (products or {}).get(f) or _product(uow, f, sc.code, app.currency)
            _price_offer(uow, app, sc, f, prod, automatic=True)


def _price_offer(
    uow: UnitOfWork,
    app: FinancingApplicationRow,
    sc: Scenario,
    funder: str,
    prod: FunderProductRow | None,
    *,
    automatic: bool,
    rate_override: Decimal | None = None,
) -> FinancingOfferRow:
    cfg = get_financing_settings()
    org = parties.find_organization(uow, app.applicant_org_id)
    value_date = uow.calendar.adjust(uow.today())
    days = (app.due_on - value_date).days
    cover = Decimal(0)
    premium = Money.zero(app.currency)
    if app.cover_policy_id:
        pol = uow.session.get(CoverPolicyRow, app.cover_policy_id)
        assert pol is not None
        cover = Decimal(pol.cover_ratio)
        premium = app.amount.scale(Decimal(pol.premium_rate) * Decimal(days) / Decimal(360))
    fee = Money(prod.fee_minor, app.currency) if prod else Money.zero(app.currency)
    if rate_override is not None:
        p = M.price(
            amount=app.amount,
            days=days,
            base_rate=rate_override,
            groups=[],
            segment=_segment(org, False),
            red_list_discount=Decimal(0),
        )
    else:
        assert prod is not None
        p = M.price(
            amount=app.amount,
            days=days,
            base_rate=Decimal(prod.base_rate),
            groups=[M.RateGroup.parse(g, "rate_groups") for g in prod.rate_groups],
            segment=_segment(org, app.red_listed),
            red_list_discount=cfg.red_list_discount,
            scenario_spread=sc.spread(app.asset),
            cover_ratio=cover,
            fee=fee + premium,
        )
    hours = prod.offer_validity_hours if prod else cfg.offer_validity_hours
    now = uow.now()
    offer = FinancingOfferRow(
        id=new_id("fof"),
        application_id=app.id,
        funder_org_id=funder,
        product_id=prod.id if prod else None,
        currency=app.currency,
        amount_minor=app.amount_minor,
        rate=p.rate,
        interest_minor=p.interest.minor,
        fee_minor=p.fee.minor,
        proceeds_minor=p.proceeds.minor,
        pricing={**p.as_dict(), "premium": premium.as_json(), "value_date": value_date},
        status=M.OfferStatus.OPEN.value,
        automatic=automatic,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    offer.pricing = jsonable(offer.pricing)
    uow.session.add(offer)
    uow.flush()
    if app.status == S.SENT.value:
        _move(uow, app, S.OFFERED, "record an offer")
    uow.audit(
        "financing.offer.made",
        "financing_application",
        app.id,
        after={"offer_id": offer.id, "funder_org_id": funder, **offer.pricing},
        org_id=funder,
    )
    notify(
        uow,
        app.applicant_org_id,
        "offer",
        f"Offer {offer.id}: {p.rate} for {app.amount}",
        f"Proceeds {p.proceeds}; open until {offer.expires_at.isoformat()}.",
        app.id,
    )
    return offer


def _app(uow: UnitOfWork, app_id: str) -> FinancingApplicationRow:
    app = uow.session.get(FinancingApplicationRow, app_id)
    if app is None or not _may_see(uow, app):
        raise NotFound(f"application {app_id} not found")
    return app


def _parties_of(uow: UnitOfWork, app: FinancingApplicationRow) -> set[str]:
    out = {app.applicant_org_id, *app.funder_org_ids}
    if app.debtor_org_id:
        out.add(app.debtor_org_id)
    if app.funder_org_id:
        out.add(app.funder_org_id)
    if app.cover_policy_id:
        pol = uow.session.get(CoverPolicyRow, app.cover_policy_id)
        if pol is not None:
            out.add(pol.insurer_org_id)
    return out


def _may_see(uow: UnitOfWork, app: FinancingApplicationRow) -> bool:
    a = uow.actor
    return a.is_system or a.is_regulator or a.is_operator or a.org_id in _parties_of(uow, app)


def get_application(uow: UnitOfWork, app_id: str) -> FinancingApplicationRow:
    return _app(uow, app_id)


def list_applications(uow: UnitOfWork, status: str | None = None) -> list[FinancingApplicationRow]:
    """Applications the caller is party to; funders see theirs by priority, then age."""
    stmt = select(FinancingApplicationRow).order_by(
        FinancingApplicationRow.priority.desc(), FinancingApplicationRow.submitted_at
    )
    if status:
        stmt = stmt.where(FinancingApplicationRow.status == status)
    return [a for a in uow.session.scalars(stmt) if _may_see(uow, a)]


def offers_of(uow: UnitOfWork, app: FinancingApplicationRow) -> list[FinancingOfferRow]:
    stmt = select(FinancingOfferRow).where(FinancingOfferRow.application_id == app.id)
    a = uow.actor
    rows = list(uow.session.scalars(stmt.order_by(FinancingOfferRow.created_at)))
    if a.org_id in app.funder_org_ids and a.org_id != app.applicant_org_id:
        rows = [r for r in rows if r.funder_org_id == a.org_id]  # funders don't see rivals
    return rows


def review(uow: UnitOfWork, app_id: str, approve: bool, note: str) -> FinancingApplicationRow:
    """The operator decides an escalated application: send it on, or refuse it."""
    parties.require_role(uow.actor, "operator")
    app = _app(uow, app_id)
    if not note.strip():
        raise InvalidInput("say why", field="note")
    sc = get_scenario(app.scenario)
    app.note = f"{app.note}\nreview: {note.strip()}".strip()
    if approve:
        if sc.self_funded:
            raise Conflict("nothing to send", code="invalid_transition")
        if app.status != S.ESCALATED.value:
            M.advance(app.status, S.SENT, "approve after review")
        _send(uow, app, sc)
    else:
        _move(uow, app, S.REFUSED, "refuse after review")
        notify(uow, app.applicant_org_id, "refused", f"Application {app.id} refused", note, app.id)
    uow.commit()
    return app


def make_offer(uow: UnitOfWork, app_id: str) -> FinancingOfferRow:
    """A funder the application was sent to prices it by its own product's rate groups."""
    parties.require_role(uow.actor, *FUNDERS)
    app = _app(uow, app_id)
    funder = uow.actor.org_id
    if funder is None or funder not in app.funder_org_ids:
        raise NotFound(f"application {app_id} not found")
    parties.require_licensed_funder(uow, funder)
    if app.status not in (S.SENT.value, S.OFFERED.value):
        M.advance(app.status, S.OFFERED, "make an offer")
    existing = uow.session.scalar(
        select(FinancingOfferRow.id).where(
            FinancingOfferRow.application_id == app.id, FinancingOfferRow.funder_org_id == funder
        )
    )
    if existing is not None:
        raise Conflict(f"you already made offer {existing}", code="already_offered")
    sc = get_scenario(app.scenario)
    offer = _price_offer(
        uow, app, sc, funder, _product(uow, funder, sc.code, app.currency), automatic=False
    )
    uow.commit()
    return offer


def decline(uow: UnitOfWork, app_id: str, reason: str) -> FinancingApplicationRow:
    """A funder declines; when every funder has declined the application is refused."""
    parties.require_role(uow.actor, *FUNDERS)
    app = _app(uow, app_id)
    funder = uow.actor.org_id
    if funder is None or funder not in app.funder_org_ids:
        raise NotFound(f"application {app_id} not found")
    if app.status not in (S.SENT.value, S.OFFERED.value):
        M.advance(app.status, S.REFUSED, "decline")
    declined = {d["funder_org_id"] for d in app.evidence.get("declined", [])}
    if funder in declined:
        raise Conflict("you already declined", code="already_declined")
    app.evidence = {
        **app.evidence,
        "declined": [
            *app.evidence.get("declined", []),
            {"funder_org_id": funder, "reason": reason},
        ],
    }
    for o in uow.session.scalars(
        select(FinancingOfferRow).where(
            FinancingOfferRow.application_id == app.id,
            FinancingOfferRow.funder_org_id == funder,
            FinancingOfferRow.status == M.OfferStatus.OPEN.value,
        )
    ):
        o.status = M.OfferStatus.DECLINED.value
    uow.audit("financing.declined", "financing_application", app.id, after={"reason": reason})
    if declined | {funder} >= set(app.funder_org_ids):
        _move(uow, app, S.REFUSED, "refuse")
        notify(uow, app.applicant_org_id, "refused", f"Application {app.id}", reason, app.id)
    uow.commit()
    return app


def accept_offer(uow: UnitOfWork, offer_id: str, key: str | None) -> dict[str, Any]:
    """The applicant accepts one open offer; the others lapse (idempotent per key)."""
    parties.require_role(uow.actor, *ENTERPRISE)

    def run() -> dict[str, Any]:
        offer = uow.session.get(FinancingOfferRow, offer_id)
        app = uow.session.get(FinancingApplicationRow, offer.application_id) if offer else None
        if offer is None or app is None or app.applicant_org_id != uow.actor.org_id:
            raise NotFound(f"offer {offer_id} not found")
        if app.status != S.OFFERED.value or offer.status != M.OfferStatus.OPEN.value:
            raise Conflict(
                f"offer {offer.id} is {offer.status} and the application is {app.status}: "
                + (
                    f"offer {app.accepted_offer_id} was already accepted"
                    if app.accepted_offer_id
                    else "it cannot be accepted now"
                ),
                code="already_accepted" if app.accepted_offer_id else "offer_not_open",
            )
        if uow.now() >= offer.expires_at:
            raise Conflict(
                f"offer {offer.id} expired at {offer.expires_at.isoformat()}; ask for a new one",
                code="offer_expired",
            )
        sc = get_scenario(app.scenario)
        if not sc.self_funded:
            parties.require_licensed_funder(uow, offer.funder_org_id)
            check_exposure_cap(
                uow,
                sc,
                offer.funder_org_id,
                app.debtor_org_id,
                app.amount,
                app.evidence.get("certificate_id"),
            )
            if sc.uses_applicant_limit(app.asset) and not any(
                c["check"] == "risk_limit" and c["result"] == "escalate" for c in app.checks
            ):
                check_risk_limit(uow, app.applicant_org_id, app.amount)
        return _accept(uow, app, offer)

    return idempotent(uow, key, f"accept:{offer_id}", {}, run)


def _accept(
    uow: UnitOfWork, app: FinancingApplicationRow, offer: FinancingOfferRow
) -> dict[str, Any]:
    offer.status = M.OfferStatus.ACCEPTED.value
    offer.decided_at = uow.now()
    for other in uow.session.scalars(
        select(FinancingOfferRow).where(
            FinancingOfferRow.application_id == app.id, FinancingOfferRow.id != offer.id
        )
    ):
        if other.status == M.OfferStatus.OPEN.value:
            other.status = M.OfferStatus.LAPSED.value
            notify(uow, other.funder_org_id, "lapsed", f"Offer {other.id} lapsed", "", app.id)
    app.accepted_offer_id = offer.id
    app.funder_org_id = offer.funder_org_id
    _move(uow, app, S.ACCEPTED, "accept the offer")
    notify(uow, offer.funder_org_id, "accepted", f"Offer {offer.id} accepted", "", app.id)
    return application_dict(uow, app)


def register(uow: UnitOfWork, app_id: str) -> FinancingApplicationRow:
    """The funder files what the scenario registers (refused if an earlier filing exists)."""
    parties.require_role(uow.actor, *FUNDERS)
    app = _app(uow, app_id)
    if uow.actor.org_id != app.funder_org_id:
        raise NotFound(f"application {app_id} not found")
    _register(uow, app)
    uow.commit()
    return app


def _register(uow: UnitOfWork, app: FinancingApplicationRow) -> None:
    sc = get_scenario(app.scenario)
    M.advance(app.status, S.REGISTERED, "register")
    assert app.funder_org_id is not None
    if not sc.self_funded:
        parties.require_licensed_funder(uow, app.funder_org_id)
    offer = uow.session.get(FinancingOfferRow, app.accepted_offer_id)
    assert offer is not None
    months = max(1, -(-(app.due_on - uow.today()).days // 30) + 1)
    ctx = _context(uow, app.applicant_org_id)
    app.registrations = sc.register(ctx, app, app.funder_org_id, Decimal(offer.rate), months)
    sc.after_registration(ctx, app)
    if app.cover_policy_id:
        pol = uow.session.get(CoverPolicyRow, app.cover_policy_id)
        assert pol is not None
        pol.used_minor += app.amount_minor
    _move(uow, app, S.REGISTERED, "register")


def disburse(uow: UnitOfWork, app_id: str, key: str | None) -> dict[str, Any]:
    """The funder instructs the disbursement of the proceeds (only after registration)."""

    def run() -> dict[str, Any]:
        app = _app(uow, app_id)
        if uow.actor.org_id != app.funder_org_id and not uow.actor.is_system:
            raise NotFound(f"application {app_id} not found")
        return _disburse(uow, app)

    return idempotent(uow, key, f"disburse:{app_id}", {}, run)


def _disburse(uow: UnitOfWork, app: FinancingApplicationRow) -> dict[str, Any]:
    sc = get_scenario(app.scenario)
    if app.status == S.ACCEPTED.value:
        raise Conflict(
            "cannot disburse before registration: the funder files the registration first",
            code="not_registered",
        )
    M.advance(app.status, S.DISBURSED, "disburse")
    offer = uow.session.get(FinancingOfferRow, app.accepted_offer_id)
    assert offer is not None
    value_date = uow.calendar.adjust(uow.today())
    instruction = {
        "application_id": app.id,
        "payer_org_id": app.funder_org_id,
        "payee_org_id": app.applicant_org_id,
        "amount": Money(offer.proceeds_minor, app.currency).as_json(),
        "value_date": value_date.isoformat(),
        "reference": f"SCF-{app.id}",
    }
    app.outstanding_minor = app.amount_minor
    app.disbursed_at = uow.now()
    app.evidence = {**app.evidence, "disbursement": instruction}
    _move(uow, app, S.DISBURSED, "disburse")
    notify(
        uow,
        app.applicant_org_id,
        "disbursed",
        f"{Money(offer.proceeds_minor, app.currency)} on its way",
        f"Repay {app.amount} by {app.due_on.isoformat()}.",
        app.id,
    )
    if sc.self_funded:
        # Paying early settles the receivable at the discount: nothing stays outstanding.
        app.outstanding_minor = 0
        app.repaid_minor = app.amount_minor
        app.closed_at = uow.now()
        _move(uow, app, S.CLOSED, "close")
    return {"instruction": instruction, "application": application_dict(uow, app)}


def repay(uow: UnitOfWork, app_id: str, amount: Money, key: str | None) -> dict[str, Any]:
    """The funder books money received (from the debtor or the applicant); paid in full closes
    the financing and cancels its registrations."""

    def run() -> dict[str, Any]:
        parties.require_role(uow.actor, *FUNDERS)
        app = _app(uow, app_id)
        if uow.actor.org_id != app.funder_org_id:
            raise NotFound(f"application {app_id} not found")
        if app.status not in (S.DISBURSED.value, S.OVERDUE.value):
            raise Conflict(
                f"nothing to repay: the application is {app.status}", code="invalid_transition"
            )
        if amount.currency != app.currency:
            raise InvalidInput(f"the financing is in {app.currency}", field="amount.currency")
        if not amount.is_positive() or amount > app.outstanding:
            raise InvalidInput(
                f"between 0.01 and the outstanding {app.outstanding}", field="amount.amount"
            )
        before = app.snapshot()
        app.outstanding_minor -= amount.minor
        app.repaid_minor += amount.minor
        uow.audit(
            "financing.repaid",
            "financing_application",
            app.id,
            before=before,
            after={**app.snapshot(), "paid": amount.as_json()},
            org_id=app.applicant_org_id,
        )
        if app.outstanding_minor == 0:
            _close(uow, app, "repaid in full")
        else:
            uow.flush()
        return application_dict(uow, app)

    return idempotent(uow, key, f"repay:{app_id}", {"amount": amount.as_json()}, run)


def _close(uow: UnitOfWork, app: FinancingApplicationRow, reason: str) -> None:
    sc = get_scenario(app.scenario)
    sc.release(_context(uow, app.applicant_org_id), app, reason)
    app.closed_at = uow.now()
    for call in uow.session.scalars(
        select(MarginCallRow).where(
            MarginCallRow.application_id == app.id, MarginCallRow.status == "open"
        )
    ):
        call.status = "cured"
        call.cured_at = uow.now()
    _move(uow, app, S.CLOSED, "close")
    notify(uow, app.applicant_org_id, "closed", f"Financing {app.id} closed", reason, app.id)


def run_overdue(uow: UnitOfWork) -> list[str]:
    """Mark every disbursed financing past its due date overdue (operator or scheduler)."""
    parties.require_role(uow.actor, "operator", "regulator")
    today = uow.today()
    moved = []
    for app in uow.session.scalars(
        select(FinancingApplicationRow).where(
            FinancingApplicationRow.status == S.DISBURSED.value,
            FinancingApplicationRow.due_on < today,
        )
    ):
        app.overdue_at = uow.now()
        _move(uow, app, S.OVERDUE, "mark overdue")
        for org in {app.applicant_org_id, app.funder_org_id}:
            if org:
                notify(
                    uow, org, "overdue", f"Financing {app.id} overdue", str(app.outstanding), app.id
                )
        moved.append(app.id)
    uow.commit()
    return moved


def declare_default(uow: UnitOfWork, app_id: str) -> dict[str, Any]:
    """The funder declares an overdue financing in default after the grace period; cover opens
    a claim against the insurer, recourse turns to the seller."""
    parties.require_role(uow.actor, *FUNDERS)
    app = _app(uow, app_id)
    if uow.actor.org_id != app.funder_org_id:
        raise NotFound(f"application {app_id} not found")
    cfg = get_financing_settings()
    if app.status == S.OVERDUE.value:
        earliest = uow.calendar.add_working_days(app.due_on, cfg.default_after_working_days)
        if uow.today() < earliest:
            raise Conflict(
                f"a default can be declared from {earliest.isoformat()}",
                code="default_too_early",
            )
    app.defaulted_at = uow.now()
    _move(uow, app, S.DEFAULTED, "declare default")
    claim = None
    if app.cover_policy_id:
        pol = uow.session.get(CoverPolicyRow, app.cover_policy_id)
        assert pol is not None
        claim = ClaimRow(
            id=new_id("clm"),
            application_id=app.id,
            policy_id=pol.id,
            insurer_org_id=pol.insurer_org_id,
            claimant_org_id=app.funder_org_id or "",
            currency=app.currency,
            amount_minor=app.outstanding.scale(Decimal(pol.cover_ratio)).minor,
            paid_minor=0,
            status="open",
            opened_at=uow.now(),
        )
        uow.session.add(claim)
        uow.flush()
        uow.audit("financing.claim.opened", "claim", claim.id, after=claim_dict(claim))
        notify(
            uow,
            pol.insurer_org_id,
            "claim",
            f"Claim {claim.id} under policy {pol.id}",
            f"{Money(claim.amount_minor, claim.currency)} claimed for financing {app.id}",
            app.id,
        )
    if app.asset.get("recourse") is True:
        notify(
            uow,
            app.applicant_org_id,
            "recourse",
            f"Recourse on financing {app.id}",
            f"The debtor defaulted; repay {app.outstanding} to the funder.",
            app.id,
        )
    uow.commit()
    return {
        "application": application_dict(uow, app),
        "claim": claim_dict(claim) if claim else None,
    }


def claim_dict(c: ClaimRow) -> dict[str, Any]:
    return {
        "id": c.id,
        "application_id": c.application_id,
        "policy_id": c.policy_id,
        "insurer_org_id": c.insurer_org_id,
        "claimant_org_id": c.claimant_org_id,
        "amount": Money(c.amount_minor, c.currency).as_json(),
        "paid": Money(c.paid_minor, c.currency).as_json(),
        "status": c.status,
        "opened_at": c.opened_at.isoformat(),
    }


def list_claims(uow: UnitOfWork) -> list[ClaimRow]:
    a = uow.actor
    stmt = select(ClaimRow).order_by(ClaimRow.opened_at)
    if not (a.is_regulator or a.is_operator or a.is_system):
        stmt = stmt.where(
            (ClaimRow.insurer_org_id == a.org_id) | (ClaimRow.claimant_org_id == a.org_id)
        )
    return list(uow.session.scalars(stmt))


def pay_claim(uow: UnitOfWork, claim_id: str, key: str | None) -> dict[str, Any]:
    """The insurer pays a claim; the covered loss is booked and the financing closes."""
    parties.require_role(uow.actor, *INSURERS)

    def run() -> dict[str, Any]:
        claim = uow.session.get(ClaimRow, claim_id)
        if claim is None or claim.insurer_org_id != uow.actor.org_id:
            raise NotFound(f"claim {claim_id} not found")
        if claim.status != "open":
            raise Conflict(f"claim {claim.id} is {claim.status}", code="claim_paid")
        app = uow.session.get(FinancingApplicationRow, claim.application_id)
        assert app is not None
        claim.paid_minor = claim.amount_minor
        claim.status = "paid"
        claim.paid_at = uow.now()
        app.repaid_minor += claim.amount_minor
        app.outstanding_minor -= claim.amount_minor
        uow.audit("financing.claim.paid", "claim", claim.id, after=claim_dict(claim))
        notify(uow, claim.claimant_org_id, "claim_paid", f"Claim {claim.id} paid", "", app.id)
        _close(uow, app, f"closed after default; claim {claim.id} paid")
        return claim_dict(claim)

    return idempotent(uow, key, f"claim:{claim_id}", {}, run)


# ---------------------------------------------------------------- mark to market


def mark_to_market(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Revalue every live goods pledge at the latest price; open a margin call when the loan
    passes the scenario's threshold, cure it when it is back under."""
    parties.require_role(uow.actor, "operator", "regulator")
    out = []
    live = [s.value for s in M.LIVE]
    for app in uow.session.scalars(
        select(FinancingApplicationRow).where(FinancingApplicationRow.status.in_(live))
    ):
        sc = get_scenario(app.scenario)
        threshold = sc.margin_call_ltv
        if threshold is None:
            continue
        price = latest_price(uow, app.evidence["commodity"])
        value = M.collateral_value(Decimal(app.evidence["quantity"]), price)
        ltv = M.loan_to_value(app.outstanding, value)
        open_call = uow.session.scalar(
            select(MarginCallRow).where(
                MarginCallRow.application_id == app.id, MarginCallRow.status == "open"
            )
        )
        if ltv > threshold and open_call is None:
            shortfall = app.outstanding - value.scale(threshold)
            call = MarginCallRow(
                id=new_id("mcl"),
                application_id=app.id,
                ltv=ltv,
                threshold=threshold,
                currency=app.currency,
                value_minor=value.minor,
                shortfall_minor=shortfall.minor,
                status="open",
                opened_at=uow.now(),
            )
            uow.session.add(call)
            uow.audit(
                "financing.margin_call.opened",
                "financing_application",
                app.id,
                after={"ltv": ltv, "value": value, "shortfall": shortfall},
            )
            for org in {app.applicant_org_id, app.funder_org_id}:
                if org:
                    notify(
                        uow,
                        org,
                        "margin_call",
                        f"Margin call on {app.id}: loan-to-value {ltv} over {threshold}",
                        f"Repay {shortfall} or pledge more goods.",
                        app.id,
                    )
        elif ltv <= threshold and open_call is not None:
            open_call.status = "cured"
            open_call.cured_at = uow.now()
            uow.audit(
                "financing.margin_call.cured", "financing_application", app.id, after={"ltv": ltv}
            )
        out.append(
            {
                "application_id": app.id,
                "value": value.as_json(),
                "ltv": str(ltv),
                "margin_call": ltv > threshold,
            }
        )
    uow.commit()
    return out


def margin_calls(uow: UnitOfWork) -> list[MarginCallRow]:
    rows = list(uow.session.scalars(select(MarginCallRow).order_by(MarginCallRow.opened_at)))
    out = []
    for r in rows:
        app = uow.session.get(FinancingApplicationRow, r.application_id)
        if app is not None and _may_see(uow, app):
            out.append(r)
    return out


# ---------------------------------------------------------------- dynamic discounting


def open_program(
    uow: UnitOfWork, cash: Money, hurdle_rate: Decimal, pay_on: date
) -> DiscountProgramRow:
    """The core enterprise offers its own cash for early payment above a hurdle rate."""
    parties.require_role(uow.actor, "core_enterprise")
    buyer = uow.actor.org_id
    if buyer is None:
        raise PermissionDenied("a programme is opened by a core enterprise")
    parties.require_not_blacklisted(uow, buyer)
    if not cash.is_positive():
        raise InvalidInput("above zero", field="cash")
    pay_on = uow.calendar.adjust(pay_on)
    if pay_on < uow.today():
        raise InvalidInput("in the past", field="pay_on")
    row = DiscountProgramRow(
        id=new_id("ddp"),
        buyer_org_id=buyer,
        currency=cash.currency,
        cash_minor=cash.minor,
        hurdle_rate=hurdle_rate,
        pay_on=pay_on,
        status="open",
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("financing.discount.opened", "discount_program", row.id, after=program_dict(uow, row))
    uow.commit()
    return row


def _program(uow: UnitOfWork, program_id: str) -> DiscountProgramRow:
    row = uow.session.get(DiscountProgramRow, program_id)
    if row is None:
        raise NotFound(f"programme {program_id} not found")
    return row


def bid(uow: UnitOfWork, program_id: str, receivable_id: str, rate: Decimal) -> DiscountBidRow:
    """A supplier bids an annualized discount to be paid a confirmed receivable early."""
    parties.require_role(uow.actor, "supplier", "distributor")
    prog = _program(uow, program_id)
    supplier = uow.actor.org_id
    assert supplier is not None
    if prog.status != "open":
        raise Conflict(f"programme {prog.id} is {prog.status}", code="program_closed")
    parties.require_not_blacklisted(uow, supplier)
    sc = get_scenario("dynamic_discounting")
    view = sc.assess(
        _context(uow, supplier), {"receivable_id": receivable_id, "buyer_org_id": prog.buyer_org_id}
    )
    due = uow.calendar.adjust(view.due_on)
    days = (due - prog.pay_on).days
    if days <= 0:
        raise InvalidInput(
            "the receivable falls due before the early payment date", field="receivable_id"
        )
    amount = view.value
    b = M.Bid("", amount.minor, rate, days)
    row = DiscountBidRow(
        id=new_id("ddb"),
        program_id=prog.id,
        supplier_org_id=supplier,
        receivable_id=receivable_id,
        currency=amount.currency,
        amount_minor=amount.minor,
        rate=rate,
        days=days,
        discount_minor=b.discount_minor(),
        status="open",
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit(
        "financing.discount.bid", "discount_program", prog.id, after=bid_dict(row), org_id=supplier
    )
    uow.commit()
    return row


def bid_dict(b: DiscountBidRow) -> dict[str, Any]:
    return {
        "id": b.id,
        "supplier_org_id": b.supplier_org_id,
        "receivable_id": b.receivable_id,
        "amount": Money(b.amount_minor, b.currency).as_json(),
        "rate": str(b.rate),
        "days": b.days,
        "discount": Money(b.discount_minor, b.currency).as_json(),
        "status": b.status,
        "application_id": b.application_id,
    }


def program_dict(uow: UnitOfWork, p: DiscountProgramRow) -> dict[str, Any]:
    bids = list(
        uow.session.scalars(select(DiscountBidRow).where(DiscountBidRow.program_id == p.id))
    )
    a = uow.actor
    if not (a.is_system or a.is_regulator or a.is_operator or a.org_id == p.buyer_org_id):
        bids = [b for b in bids if b.supplier_org_id == a.org_id]
    return {
        "id": p.id,
        "buyer_org_id": p.buyer_org_id,
        "cash": Money(p.cash_minor, p.currency).as_json(),
        "hurdle_rate": str(p.hurdle_rate),
        "pay_on": p.pay_on.isoformat(),
        "status": p.status,
        "result": p.result,
        "bids": [bid_dict(b) for b in bids],
    }


def list_programs(uow: UnitOfWork) -> list[dict[str, Any]]:
    """The caller's own programmes as the buyer (every programme for watchers), newest first."""
    stmt = select(DiscountProgramRow).order_by(DiscountProgramRow.created_at.desc())
    a = uow.actor
    if not (a.is_system or a.is_regulator or a.is_operator):
        stmt = stmt.where(DiscountProgramRow.buyer_org_id == a.org_id)
    return [program_dict(uow, p) for p in uow.session.scalars(stmt)]


def get_program(uow: UnitOfWork, program_id: str) -> dict[str, Any]:
    return program_dict(uow, _program(uow, program_id))


def clear_program(uow: UnitOfWork, program_id: str, key: str | None) -> dict[str, Any]:
    """Pick the bids that earn the buyer the most within its cash; each winner becomes an
    accepted dynamic-discounting financing the buyer then pays."""
    parties.require_role(uow.actor, "core_enterprise")

    def run() -> dict[str, Any]:
        prog = _program(uow, program_id)
        if prog.buyer_org_id != uow.actor.org_id:
            raise NotFound(f"programme {program_id} not found")
        if prog.status != "open":
            raise Conflict(f"programme {prog.id} is {prog.status}", code="program_closed")
        bids = list(
            uow.session.scalars(
                select(DiscountBidRow)
                .where(DiscountBidRow.program_id == prog.id)
                .order_by(DiscountBidRow.id)
            )
        )
        winners = set(
            M.clear_bids(
                prog.cash_minor,
                Decimal(prog.hurdle_rate),
                [M.Bid(b.id, b.amount_minor, Decimal(b.rate), b.days) for b in bids],
            )
        )
        sc = get_scenario("dynamic_discounting")
        spent = 0
        earned = 0
        for b in bids:
            if b.id not in winners:
                b.status = "lost"
                continue
            b.status = "won"
            spent += b.amount_minor - b.discount_minor
            earned += b.discount_minor
            b.application_id = _dd_application(uow, prog, b, sc)
        prog.status = "cleared"
        prog.cleared_at = uow.now()
        prog.result = {
            "winners": sorted(winners),
            "cash_used": Money(spent, prog.currency).as_json(),
            "discount_earned": Money(earned, prog.currency).as_json(),
        }
        uow.flush()
        uow.audit("financing.discount.cleared", "discount_program", prog.id, after=prog.result)
        return program_dict(uow, prog)

    return idempotent(uow, key, f"clear:{program_id}", {}, run)


def _dd_application(
    uow: UnitOfWork, prog: DiscountProgramRow, b: DiscountBidRow, sc: Scenario
) -> str:
    supplier = parties.find_organization(uow, b.supplier_org_id)
    app = FinancingApplicationRow(
        id=new_id("fap"),
        scenario=sc.code,
        applicant_org_id=supplier.id,
        debtor_org_id=prog.buyer_org_id,
        currency=b.currency,
        amount_minor=b.amount_minor,
        due_on=prog.pay_on + timedelta(days=b.days),
        asset={"receivable_id": b.receivable_id, "program_id": prog.id, "bid_id": b.id},
        collateral=[],
        evidence={"bid": bid_dict(b)},
        checks=[_check("clearing", "pass", f"bid {b.id} won programme {prog.id}")],
        funder_org_ids=[prog.buyer_org_id],
        status=S.SUBMITTED.value,
        channel=M.Channel.GREEN.value,
        priority=0,
        district=supplier.district,
        chain_tags=list(supplier.chain_tags),
        size_class=supplier.size_class,
        tier=1,
        red_listed=parties.is_red_listed(uow, supplier.id),
        registrations=[],
        outstanding_minor=0,
        repaid_minor=0,
        submitted_at=b.created_at,
    )
    uow.session.add(app)
    uow.flush()
    _move(uow, app, S.SENT, "send")
    offer = _price_offer(
        uow, app, sc, prog.buyer_org_id, None, automatic=True, rate_override=Decimal(b.rate)
    )
    # Price exactly as bid: the discount over the days between early payment and due.
    offer.interest_minor = b.discount_minor
    offer.proceeds_minor = b.amount_minor - b.discount_minor
    # The supplier accepted when it bid; the buyer, clearing, is the acting party throughout.
    _accept(uow, app, offer)
    _register(uow, app)
    return app.id


def pay_early(uow: UnitOfWork, app_id: str, key: str | None) -> dict[str, Any]:
    """The buyer pays a won bid early: the disbursement settles the receivable."""
    parties.require_role(uow.actor, "core_enterprise")
    return disburse(uow, app_id, key)


# ---------------------------------------------------------------- views and reports


def application_dict(uow: UnitOfWork, app: FinancingApplicationRow) -> dict[str, Any]:
    out: dict[str, Any] = jsonable(
        {
            "id": app.id,
            "scenario": app.scenario,
            "status": app.status,
            "channel": app.channel,
            "priority": app.priority,
            "applicant_org_id": app.applicant_org_id,
            "debtor_org_id": app.debtor_org_id,
            "funder_org_ids": app.funder_org_ids,
            "funder_org_id": app.funder_org_id,
            "amount": app.amount,
            "outstanding": app.outstanding,
            "repaid": Money(app.repaid_minor, app.currency),
            "due_on": app.due_on,
            "asset": app.asset,
            "collateral": app.collateral,
            "evidence": app.evidence,
            "checks": app.checks,
            "registrations": app.registrations,
            "payment_redirect": app.payment_redirect,
            "cover_policy_id": app.cover_policy_id,
            "accepted_offer_id": app.accepted_offer_id,
            "submitted_at": app.submitted_at,
            "decided_at": app.decided_at,
            "decision_seconds": app.decision_seconds,
            "note": app.note,
            "offers": [offer_dict(o) for o in offers_of(uow, app)],
        }
    )
    return out


def offer_dict(o: FinancingOfferRow) -> dict[str, Any]:
    out: dict[str, Any] = jsonable(
        {
            "id": o.id,
            "application_id": o.application_id,
            "funder_org_id": o.funder_org_id,
            "rate": o.rate,
            "amount": Money(o.amount_minor, o.currency),
            "interest": Money(o.interest_minor, o.currency),
            "fee": Money(o.fee_minor, o.currency),
            "proceeds": Money(o.proceeds_minor, o.currency),
            "pricing": o.pricing,
            "status": o.status,
            "automatic": o.automatic,
            "expires_at": o.expires_at,
        }
    )
    return out


def _require_watcher(uow: UnitOfWork) -> None:
    parties.require_role(uow.actor, "regulator", "operator")


def decision_times(uow: UnitOfWork) -> dict[str, Any]:
    """Median and p95 seconds from application to decision, per channel."""
    _require_watcher(uow)
    by: dict[str, list[int]] = defaultdict(list)
    pending: dict[str, int] = defaultdict(int)
    for channel, secs in uow.session.execute(
        select(FinancingApplicationRow.channel, FinancingApplicationRow.decision_seconds)
    ):
        if secs is None:
            pending[channel] += 1
        else:
            by[channel].append(int(secs))
    return {
        ch.value: {
            "decided": len(by[ch.value]),
            "pending": pending[ch.value],
            "median_seconds": jsonable(M.percentile(by[ch.value], 50)),
            "p95_seconds": jsonable(M.percentile(by[ch.value], 95)),
        }
        for ch in M.Channel
    }


REPORT_DIMENSIONS = ("district", "chain", "scenario", "institution", "tier")


def volumes(uow: UnitOfWork) -> dict[str, Any]:
    """Disbursed volume to enterprises by district, chain, scenario, institution and tier, with
    the average rate, and overdue and default rates (regulator's measures)."""
    _require_watcher(uow)
    funded = [
        a
        for a in uow.session.scalars(select(FinancingApplicationRow))
        if a.disbursed_at is not None
    ]
    out: dict[str, Any] = {d: defaultdict(lambda: defaultdict(int)) for d in REPORT_DIMENSIONS}
    rates: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
    for a in funded:
        offer = uow.session.get(FinancingOfferRow, a.accepted_offer_id)
        keys = {
            "district": [a.district],
            "chain": a.chain_tags or ["none"],
            "scenario": [a.scenario],
            "institution": [a.funder_org_id or "?"],
            "tier": [str(a.tier)],
        }
        for dim, values in keys.items():
            for v in values:
                out[dim][v][a.currency] += a.amount_minor
        if offer is not None:
            rates[a.scenario].append((a.amount_minor, Decimal(offer.rate)))
    n = len(funded)
    overdue = sum(1 for a in funded if a.overdue_at is not None)
    defaulted = sum(1 for a in funded if a.defaulted_at is not None)
    ratio = Decimal("0.0001")
    return {
        "volumes": {
            dim: {
                k: [Money(m, c).as_json() for c, m in sorted(v.items())]
                for k, v in sorted(out[dim].items())
            }
            for dim in REPORT_DIMENSIONS
        },
        "pricing": {
            sc: str(
                (
                    sum(Decimal(m) * r for m, r in pairs) / Decimal(sum(m for m, _ in pairs))
                ).quantize(Decimal("0.00000001"))
            )
            for sc, pairs in sorted(rates.items())
        },
        "financings": n,
        "overdue_rate": str((Decimal(overdue) / Decimal(n)).quantize(ratio)) if n else None,
        "default_rate": str((Decimal(defaulted) / Decimal(n)).quantize(ratio)) if n else None,
        "decision_times": decision_times(uow),
    }


def financing_summary(uow: UnitOfWork, org_id: str) -> dict[str, Any]:
    """An enterprise's record as a borrower, for the risk room's features."""
    # Only the columns the figures need, not whole rows (the risk room asks per enterprise).
    t = FinancingApplicationRow
    apps = list(
        uow.session.execute(
            select(
                t.status,
                t.overdue_at,
                t.defaulted_at,
                t.funder_org_id,
                t.outstanding_minor,
                t.currency,
            ).where(t.applicant_org_id == org_id, t.disbursed_at.is_not(None))
        )
    )
    closed = [a for a in apps if a.status == S.CLOSED.value]
    on_time = [a for a in closed if a.overdue_at is None and a.defaulted_at is None]
    live = [a for a in apps if a.status in {s.value for s in M.LIVE}]
    overdue = [a for a in live if a.status in (S.OVERDUE.value, S.DEFAULTED.value)]
    return {
        "repaid_on_time_share": float(len(on_time)) / len(closed) if closed else None,
        "overdue_count": len(overdue),
        "overdue_elsewhere": len({a.funder_org_id for a in overdue}),
        "exposure_minor": sum(a.outstanding_minor for a in live if a.currency == "CNY"),
        "financings": len(apps),
    }


def exposed_institutions(uow: UnitOfWork, org_id: str) -> list[str]:
    """Institutions with a live financing to the enterprise (as applicant or as debtor)."""
    live = [s.value for s in M.LIVE]
    rows = uow.session.scalars(
        select(FinancingApplicationRow.funder_org_id).where(
            FinancingApplicationRow.status.in_(live),
            (FinancingApplicationRow.applicant_org_id == org_id)
            | (FinancingApplicationRow.debtor_org_id == org_id),
        )
    )
    return sorted({r for r in rows if r})


# ---------------------------------------------------------------- supervision feed


def financing_records(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every application as supervision counts it (read-only, watchers only).

    `tier` is the applicant's distance from the core enterprise, snapshotted at application:
    for a certificate piece it is the piece's tier in the certificates lineage (1 for the
    issuer's direct supplier, +1 per transfer); for receivables, orders and warehouse goods the
    trade relation is direct, so 1; a bill's holder counts one more per endorsement after the
    payee. `disbursed` says whether money moved (a closed financing was funded, a refused one
    not). A reverse factoring carries the certificates room's financing id so supervision
    counts the piece once.
    """
    _require_watcher(uow)
    out: list[dict[str, Any]] = []
    for app in uow.session.scalars(
        select(FinancingApplicationRow).order_by(
            FinancingApplicationRow.submitted_at, FinancingApplicationRow.id
        )
    ):
        offer = (
            uow.session.get(FinancingOfferRow, app.accepted_offer_id)
            if app.accepted_offer_id
            else None
        )
        cert_fin = next(
            (
                r["certificate_financing_id"]
                for r in app.registrations
                if r.get("certificate_financing_id")
            ),
            None,
        )
        out.append(
            {
                "id": app.id,
                "borrower_org_id": app.applicant_org_id,
                "funder_org_id": app.funder_org_id or "",
                "core_org_id": app.debtor_org_id,
                "scenario": app.scenario,
                "amount": app.amount,
                "rate": Decimal(offer.rate) if offer is not None else None,
                "status": app.status,
                "applied_at": app.submitted_at,
                "decided_at": app.decided_at,
                "green_channel": app.channel == M.Channel.GREEN.value,
                "tier": app.tier,
                "disbursed": app.disbursed_at is not None,
                "overdue": app.overdue_at is not None,
                "defaulted": app.defaulted_at is not None,
                "certificate_financing_id": cert_fin,
            }
        )
    return out


def list_alerts(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Margin calls, overdue and defaulted financings as alerts for the regulator's workflow;
    the room resolves a margin call when it is cured and an overdue when it is closed."""
    _require_watcher(uow)
    out: list[dict[str, Any]] = []
    for call in uow.session.scalars(select(MarginCallRow).order_by(MarginCallRow.opened_at)):
        app = uow.session.get(FinancingApplicationRow, call.application_id)
        if app is None:
            continue
        out.append(
            {
                "id": call.id,
                "org_id": app.applicant_org_id,
                "kind": "margin_call",
                "severity": "medium",
                "summary": (
                    f"margin call on {app.id}: loan-to-value {call.ltv} over {call.threshold}, "
                    f"shortfall {Money(call.shortfall_minor, call.currency)}"
                ),
                "raised_at": call.opened_at,
                "resolved_at": call.cured_at,
                "resolution": "cured" if call.cured_at else None,
            }
        )
    for app in uow.session.scalars(
        select(FinancingApplicationRow)
        .where(FinancingApplicationRow.overdue_at.is_not(None))
        .order_by(FinancingApplicationRow.overdue_at)
    ):
        closed = app.closed_at if app.status == S.CLOSED.value else None
        events = [("overdue", app.overdue_at, "medium")]
        if app.defaulted_at is not None:
            events.append(("defaulted", app.defaulted_at, "high"))
        for kind, at, severity in events:
            out.append(
                {
                    "id": f"{app.id}-{kind}",
                    "org_id": app.applicant_org_id,
                    "kind": f"financing_{kind}",
                    "severity": severity,
                    "summary": f"{app.scenario} {app.id} {kind}: {app.outstanding} outstanding",
                    "raised_at": at,
                    "resolved_at": closed,
                    "resolution": "closed" if closed else None,
                }
            )
    return out


def default_grace_working_days() -> int:
    """Working days after the due date before a funder may declare default (configuration)."""
    return get_financing_settings().default_after_working_days
