"""Server-rendered pages for every role.

Security: the session is the API token in an HttpOnly, SameSite=Lax cookie (Secure over
https); every form carries a CSRF token that must equal the `scf_csrf` cookie (double
submit) and is checked on every POST; the Content-Security-Policy allows scripts only from
/static (no inline script: pages hand data to JS through data- attributes and JSON
endpoints); Jinja2 autoescapes every template.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from scf.certificates import service as certificates
from scf.core.actor import Actor
from scf.core.errors import DomainError, InvalidInput, NotFound, Unauthenticated
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.parties import service as parties
from scf.platform import Platform
from scf.registry import service as registry
from scf.risk import service as risk
from scf.supervision import service as supervision
from scf.trade import service as trade
from scf.web.i18n import DEFAULT_LANG, LANGS, money, percent, translate

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
SESSION_COOKIE = "scf_session"
CSRF_COOKIE = "scf_csrf"
LANG_COOKIE = "scf_lang"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

ENTERPRISE = ("supplier", "distributor", "marketplace")
FUNDERS = ("bank", "factoring_company", "local_financial_org")
INSURERS = ("insurer", "guarantee_company")
HOME_BY_ROLE = [
    ("regulator", "/regulator"),
    ("operator", "/operator"),
    ("core_enterprise", "/core"),
    ("supplier", "/sme"),
    ("distributor", "/sme"),
    ("marketplace", "/sme"),
    ("insurer", "/cover"),
    ("guarantee_company", "/cover"),
    ("bank", "/fi"),
    ("factoring_company", "/fi"),
    ("local_financial_org", "/fi"),
    ("warehouse", "/services"),
    ("logistics", "/services"),
]

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

router = APIRouter(include_in_schema=False)


class _Redirect(Exception):
    def __init__(self, url: str) -> None:
        self.url = url


class _Forbidden(Exception):
    pass


def _platform(request: Request) -> Platform:
    p: Platform = request.app.state.platform
    return p


def _lang(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


def _csrf(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _finish(request: Request, resp: Response) -> Response:
    for k, v in SECURITY_HEADERS.items():
        resp.headers[k] = v
    resp.headers["Cache-Control"] = "no-store"
    new = getattr(request.state, "new_csrf", None)
    if new:
        resp.set_cookie(
            CSRF_COOKIE, new, httponly=True, samesite="lax", secure=_secure(request), path="/"
        )
    return resp


def render(request: Request, template: str, status_code: int = 200, **ctx: Any) -> Response:
    lang = _lang(request)
    actor: Actor | None = getattr(request.state, "page_actor", None)
    html = env.get_template(template).render(
        t=lambda key: translate(lang, key),
        money=lambda v: money(lang, v),
        pct=lambda v: percent(lang, v),
        lang=lang,
        csrf=_csrf(request),
        actor=actor,
        path=request.url.path,
        msg=request.query_params.get("ok"),
        error=request.query_params.get("error"),
        nav=_nav(actor),
        **ctx,
    )
    return _finish(request, HTMLResponse(html, status_code=status_code))


def _nav(actor: Actor | None) -> list[tuple[str, str]]:
    if actor is None:
        return [("/registry", "registry"), ("/login", "login")]
    items = [(url, "home") for role, url in HOME_BY_ROLE if actor.has(role)][:1]
    if actor.is_regulator:
        items += [
            ("/regulator/alerts", "alerts"),
            ("/regulator/lists", "lists"),
            ("/regulator/enterprises", "enterprises"),
        ]
    return [*items, ("/registry", "registry")]


def redirect(request: Request, url: str) -> Response:
    return _finish(request, RedirectResponse(url, status_code=303))


def _back(path: str, *, ok: str | None = None, error: str | None = None) -> str:
    q = {k: v for k, v in (("ok", ok), ("error", error)) if v}
    return f"{path}?{urlencode(q)}" if q else path


@contextmanager
def _uow(request: Request, *roles: str) -> Iterator[UnitOfWork]:
    """A unit of work as the logged-in user; log in first, and only the given roles."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise _Redirect("/login?next=" + quote(request.url.path))
    with _platform(request).uow() as uow:
        try:
            uow.actor = parties.authenticate(uow, token)
        except Unauthenticated:
            raise _Redirect("/login?next=" + quote(request.url.path)) from None
        request.state.page_actor = uow.actor
        if roles and not uow.actor.has(*roles):
            raise _Forbidden
        yield uow


async def _form(request: Request) -> dict[str, Any]:
    """Read a posted form and check its CSRF token against the cookie."""
    form = await request.form()
    sent = str(form.get("csrf", "")) or request.headers.get("x-csrf-token", "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(sent.encode(), cookie.encode()):
        raise _Forbidden
    out: dict[str, Any] = {}
    for k in form:
        values = form.getlist(k)
        out[k] = [str(v) for v in values] if len(values) > 1 or k.endswith("[]") else str(values[0])
    return out


def page(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn redirects, refusals and domain errors of a page handler into responses."""
    import functools
    import inspect

    @functools.wraps(fn)
    async def wrapper(request: Request, **kw: Any) -> Response:
        try:
            out = fn(request, **kw)
            if inspect.isawaitable(out):
                out = await out
            resp: Response = out
            return resp
        except _Redirect as r:
            return redirect(request, r.url)
        except _Forbidden:
            return render(
                request,
                "error.html",
                status_code=403,
                message=translate(_lang(request), "forbidden"),
            )
        except NotFound as e:
            return render(request, "error.html", status_code=404, message=e.message)

    return wrapper


def _money_in(value: str, currency: str, field: str) -> Money:
    try:
        return Money.of(value.replace(",", "").strip(), currency, field=field)
    except DomainError:
        raise
    except Exception:
        raise InvalidInput("write an amount such as 1000.00", field=field) from None


def _rate_in(value: str, field: str = "rate") -> Decimal:
    """A rate typed as a percentage (3.6) into a decimal fraction (0.036)."""
    try:
        pct = Decimal(value.strip())
    except InvalidOperation:
        raise InvalidInput("write the annual rate in percent, such as 3.6", field=field) from None
    if not Decimal(0) < pct < Decimal(100):
        raise InvalidInput("between 0 and 100 percent", field=field)
    return pct / 100


def refused(request: Request, path: str, e: DomainError) -> Response:
    """Go back to the page showing why the command was refused.

    A record the user may not know of still answers 404, as everywhere else.
    """
    if isinstance(e, NotFound):
        raise e
    return redirect(request, _back(path, error=_error_text(e)))


def _error_text(e: DomainError) -> str:
    if e.errors:
        return "; ".join(f"{x.field}: {x.reason}" for x in e.errors)
    return e.message


# ---------------------------------------------------------------- login and language


@router.get("/login")
@page
def login_form(request: Request) -> Response:
    return render(request, "login.html", next=request.query_params.get("next", "/"))


@router.post("/login")
@page
async def login(request: Request) -> Response:
    form = await _form(request)
    nxt = str(form.get("next") or "/")
    if not nxt.startswith("/") or nxt.startswith("//"):
        nxt = "/"
    with _platform(request).uow() as uow:
        try:
            token, row = parties.login(
                uow, str(form.get("username", "")), str(form.get("password", ""))
            )
        except Unauthenticated as e:
            return render(request, "login.html", status_code=401, next=nxt, error=e.message)
    resp = redirect(request, nxt)
    resp.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
        max_age=int((row.expires_at - row.created_at).total_seconds()),
    )
    return resp


@router.post("/logout")
@page
async def logout(request: Request) -> Response:
    await _form(request)
    resp = redirect(request, "/login")
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/lang/{code}")
@page
def switch_language(request: Request, code: str) -> Response:
    nxt = request.query_params.get("next", "/")
    if not nxt.startswith("/") or nxt.startswith("//"):
        nxt = "/"
    resp = redirect(request, nxt)
    if code in LANGS:
        resp.set_cookie(LANG_COOKIE, code, samesite="lax", secure=_secure(request), path="/")
    return resp


@router.get("/")
@page
def home(request: Request) -> Response:
    with _uow(request) as uow:
        for role, url in HOME_BY_ROLE:
            if uow.actor.has(role):
                return redirect(request, url)
    return redirect(request, "/registry")


def _names(uow: UnitOfWork, ids: set[str]) -> dict[str, str]:
    return {k: v.name for k, v in parties.organizations_by_id(uow, ids).items()}


def _funders(uow: UnitOfWork) -> list[tuple[str, str]]:
    ids = {e.org_id for e in parties.list_entries(uow, "white", live_only=True)}
    return sorted(_names(uow, ids).items(), key=lambda x: x[1])


# ---------------------------------------------------------------- SME


def _idem() -> str:
    """A key rendered into a money-moving form: a double submit replays, a new page is new."""
    return secrets.token_urlsafe(12)


@router.get("/sme")
@page
def sme(request: Request) -> Response:
    with _uow(request, *ENTERPRISE) as uow:
        me = uow.actor.org_id
        rcvs, _ = trade.list_receivables(uow, limit=200)
        rows = []
        for r in rcvs:
            a = trade.assess_receivable(uow, r.id) if r.seller_org_id == me else None
            rows.append({"r": r, "a": a})
        pieces = certificates.list_pieces(uow)
        consents = parties.list_consents(uow)
        scenario_opts = financing.scenario_choices(uow)
        assets = [
            (f"receivable_id:{r.id}", r.debtor_org_id, r.unused_confirmed)
            for r in rcvs
            if r.seller_org_id == me and r.unused_confirmed.is_positive()
        ] + [(f"piece_id:{p.id}", None, p.face) for p in pieces]
        apps = [financing.application_dict(uow, a) for a in financing.list_applications(uow)]
        ids = {r.seller_org_id for r in rcvs} | {r.debtor_org_id for r in rcvs}
        ids |= {p.from_org_id for p in pieces if p.from_org_id}
        ids |= {c.grantee_org_id for c in consents}
        ids |= {o["funder_org_id"] for a in apps for o in a["offers"]}
        names = _names(uow, ids)
        return render(
            request,
            "sme.html",
            rows=rows,
            pieces=pieces,
            consents=consents,
            names=names,
            funders=_funders(uow),
            scenario_opts=scenario_opts,
            assets=assets,
            apps=apps,
            idem=_idem(),
            me=me,
            payables=[r for r in rcvs if r.debtor_org_id == me and r.status == "open"],
        )


@router.post("/sme/confirm")
@page
async def sme_confirm(request: Request) -> Response:
    """A buyer that is itself an enterprise (a distributor, a tier-1 supplier) confirms what
    it owes, as the core enterprise does."""
    form = await _form(request)
    ids = form.get("receivable_ids[]", [])
    ids = [ids] if isinstance(ids, str) else ids
    with _uow(request, *ENTERPRISE) as uow:
        try:
            if not ids:
                raise InvalidInput("select at least one payable", field="receivable_ids")
            trade.confirm_receivables(uow, [(i, None) for i in ids])
        except DomainError as e:
            return refused(request, "/sme", e)
    return redirect(request, _back("/sme", ok="saved"))


@router.post("/sme/financing")
@page
async def sme_apply(request: Request) -> Response:
    """Apply in the financing room: one scenario, one asset, several funders at once."""
    form = await _form(request)
    funders = form.get("funder_org_ids[]", [])
    funders = [funders] if isinstance(funders, str) else funders
    with _uow(request, *ENTERPRISE) as uow:
        try:
            key, _, asset_id = str(form.get("asset", "")).partition(":")
            if key not in ("receivable_id", "piece_id") or not asset_id:
                raise InvalidInput("choose a receivable or a piece you hold", field="asset")
            financing.submit_application(
                uow,
                financing.ApplicationInput(
                    scenario=str(form.get("scenario", "")),
                    amount=_money_in(str(form.get("amount", "")), "CNY", "amount"),
                    asset={key: asset_id},
                    funder_org_ids=list(funders),
                ),
            )
        except DomainError as e:
            return refused(request, "/sme", e)
    return redirect(request, _back("/sme", ok="saved"))


@router.post("/sme/offers/{offer_id}/accept")
@page
async def sme_accept(request: Request, offer_id: str) -> Response:
    form = await _form(request)
    with _uow(request, *ENTERPRISE) as uow:
        try:
            financing.accept_offer(uow, offer_id, str(form.get("idem", "")) or None)
        except DomainError as e:
            return refused(request, "/sme", e)
    return redirect(request, _back("/sme", ok="saved"))


@router.post("/sme/consents")
@page
async def sme_consent(request: Request) -> Response:
    form = await _form(request)
    scopes = form.get("scopes[]", [])
    scopes = [scopes] if isinstance(scopes, str) else scopes
    with _uow(request, *ENTERPRISE, "core_enterprise") as uow:
        try:
            parties.grant_consent(
                uow, str(form.get("grantee_org_id", "")), scopes, uow.now() + timedelta(days=180)
            )
        except DomainError as e:
            return refused(request, "/sme", e)
    return redirect(request, _back("/sme", ok="saved"))


@router.post("/sme/consents/{consent_id}/revoke")
@page
async def sme_revoke(request: Request, consent_id: str) -> Response:
    await _form(request)
    with _uow(request, *ENTERPRISE, "core_enterprise") as uow:
        try:
            parties.revoke_consent(uow, consent_id)
        except DomainError as e:
            return refused(request, "/sme", e)
    return redirect(request, _back("/sme", ok="saved"))


# ---------------------------------------------------------------- core enterprise


@router.get("/core")
@page
def core(request: Request) -> Response:
    with _uow(request, "core_enterprise") as uow:
        me = uow.actor.org_id
        rcvs, _ = trade.list_receivables(uow, limit=500)
        pending = [r for r in rcvs if r.debtor_org_id == me and r.status == "open"]
        usable = [r for r in rcvs if r.debtor_org_id == me and r.unused_confirmed.is_positive()]
        lines = certificates.list_lines(uow)
        certs = certificates.list_certificates(uow)
        settlements = certificates.upcoming_settlements(uow, 180)
        programs = financing.list_programs(uow)
        ids = {r.seller_org_id for r in rcvs} | {c.first_holder_org_id for c in certs}
        ids |= {b["supplier_org_id"] for p in programs for b in p["bids"]}
        names = _names(uow, ids)
        lineage = None
        if request.query_params.get("certificate"):
            lineage = certificates.lineage(uow, request.query_params["certificate"])
            names.update(_names(uow, _lineage_orgs(lineage["tree"])))
        return render(
            request,
            "core.html",
            pending=pending,
            usable=usable,
            lines=lines,
            certs=certs,
            settlements=settlements,
            names=names,
            lineage=lineage,
            programs=programs,
            idem=_idem(),
            today=uow.today(),
        )


def _lineage_orgs(node: dict[str, Any] | None) -> set[str]:
    if node is None:
        return set()
    out = {node["holder_org_id"]}
    for c in node["children"]:
        out |= _lineage_orgs(c)
    return out


@router.post("/core/confirm")
@page
async def core_confirm(request: Request) -> Response:
    form = await _form(request)
    ids = form.get("receivable_ids[]", [])
    ids = [ids] if isinstance(ids, str) else ids
    with _uow(request, "core_enterprise") as uow:
        try:
            if not ids:
                raise InvalidInput("select at least one payable", field="receivable_ids")
            trade.confirm_receivables(uow, [(i, None) for i in ids])
        except DomainError as e:
            return refused(request, "/core", e)
    return redirect(request, _back("/core", ok="saved"))


@router.post("/core/certificates")
@page
async def core_issue(request: Request) -> Response:
    form = await _form(request)
    with _uow(request, "core_enterprise") as uow:
        try:
            rid = str(form.get("receivable_id", ""))
            rcv = trade.get_receivable(uow, rid)
            try:
                maturity = date.fromisoformat(str(form.get("maturity_on", "")))
            except ValueError:
                raise InvalidInput("write the date as YYYY-MM-DD", field="maturity_on") from None
            certificates.issue_certificate(
                uow,
                line_id=str(form.get("line_id", "")),
                supplier_org_id=rcv.seller_org_id,
                receivable_ids=[rid],
                face=_money_in(str(form.get("face", "")), rcv.amount.currency, "face"),
                maturity_on=maturity,
            )
        except DomainError as e:
            return refused(request, "/core", e)
    return redirect(request, _back("/core", ok="saved"))


@router.post("/core/programs")
@page
async def core_open_program(request: Request) -> Response:
    form = await _form(request)
    with _uow(request, "core_enterprise") as uow:
        try:
            try:
                pay_on = date.fromisoformat(str(form.get("pay_on", "")))
            except ValueError:
                raise InvalidInput("write the date as YYYY-MM-DD", field="pay_on") from None
            financing.open_program(
                uow,
                _money_in(str(form.get("cash", "")), "CNY", "cash"),
                _rate_in(str(form.get("hurdle_rate", "")), "hurdle_rate"),
                pay_on,
            )
        except DomainError as e:
            return refused(request, "/core", e)
    return redirect(request, _back("/core", ok="saved"))


@router.post("/core/programs/{program_id}/clearing")
@page
async def core_clear_program(request: Request, program_id: str) -> Response:
    form = await _form(request)
    with _uow(request, "core_enterprise") as uow:
        try:
            financing.clear_program(uow, program_id, str(form.get("idem", "")) or None)
        except DomainError as e:
            return refused(request, "/core", e)
    return redirect(request, _back("/core", ok="saved"))


# ---------------------------------------------------------------- financial institution


def _risk_view(uow: UnitOfWork, org_id: str, piece_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"score": None, "findings": None, "conflicts": []}
    try:
        hist = risk.score_history(uow, org_id, limit=1)
        out["score"] = hist[0] if hist else None
        out["findings"] = [f.as_dict() for f in risk.graph_findings(uow, org_id)]
    except NotFound:
        out["consent"] = False
    else:
        out["consent"] = True
    try:
        out["conflicts"] = registry.search(
            uow,
            registry.SearchQuery(
                collateral=registry.CollateralRef("certificate_piece", piece_id),
                include_history=False,
            ),
        )
    except (DomainError, TypeError, AttributeError):
        out["conflicts"] = []
    return out


@router.get("/fi")
@page
def fi(request: Request) -> Response:
    with _uow(request, *FUNDERS) as uow:
        me = uow.actor.org_id
        records = certificates.financing_records(uow)
        incoming = [f for f in records if f["funder_org_id"] == me and f["status"] == "offered"]
        views = {f["id"]: _risk_view(uow, f["seller_org_id"], f["piece_id"]) for f in incoming}
        portfolio = [f for f in records if f["funder_org_id"] == me and f["status"] == "financed"]
        exposures = certificates.institution_exposures(uow)
        apps = []
        for a in financing.list_applications(uow):
            if me in a.funder_org_ids and a.status in ("sent", "offered"):
                d = financing.application_dict(uow, a)
                d["mine"] = next((o for o in d["offers"] if o["funder_org_id"] == me), None)
                apps.append(d)
        app_views = {a["id"]: _app_risk_view(uow, a) for a in apps}
        funded = [
            financing.application_dict(uow, a)
            for a in financing.list_applications(uow)
            if a.funder_org_id == me
            and a.status in ("accepted", "registered", "disbursed", "overdue", "defaulted")
        ]
        ids = {f["seller_org_id"] for f in records} | {f["issuer_org_id"] for f in records}
        ids |= {e["core_org_id"] for e in exposures}
        ids |= {a["applicant_org_id"] for a in apps + funded}
        ids |= {a["debtor_org_id"] for a in apps + funded if a["debtor_org_id"]}
        uow.commit()  # keep the access-log entries of the risk reads
        return render(
            request,
            "fi.html",
            incoming=incoming,
            apps=apps,
            app_views=app_views,
            funded=funded,
            views=views,
            portfolio=portfolio,
            exposures=exposures,
            names=_names(uow, ids),
        )


def _app_risk_view(uow: UnitOfWork, app: dict[str, Any]) -> dict[str, Any]:
    """The applicant's score and graph findings (under its consent), the application's own
    check results and any live registration on its collateral."""
    out = _risk_view(uow, app["applicant_org_id"], "")
    refs = [
        registry.CollateralRef(c["kind"], c["identifier"])
        for c in app["collateral"]
        if c.get("kind") and c.get("identifier")
    ]
    try:
        out["conflicts"] = registry.conflicts(uow, refs) if refs else []
    except (DomainError, TypeError, AttributeError):
        out["conflicts"] = []
    return out


@router.post("/fi/applications/{app_id}/{decision}")
@page
async def fi_application(request: Request, app_id: str, decision: str) -> Response:
    form = await _form(request)
    with _uow(request, *FUNDERS) as uow:
        try:
            if decision == "offer":
                financing.make_offer(uow, app_id)
            elif decision == "decline":
                financing.decline(uow, app_id, str(form.get("reason", "")) or "declined")
            else:
                raise NotFound("no such decision")
        except DomainError as e:
            return refused(request, "/fi", e)
    return redirect(request, _back("/fi", ok="saved"))


@router.post("/fi/financings/{financing_id}/{decision}")
@page
async def fi_decide(request: Request, financing_id: str, decision: str) -> Response:
    await _form(request)
    with _uow(request, *FUNDERS) as uow:
        try:
            if decision == "accept":
                certificates.accept_financing(uow, financing_id)
            elif decision == "decline":
                certificates.decline_financing(uow, financing_id)
            else:
                raise NotFound("no such decision")
        except DomainError as e:
            return refused(request, "/fi", e)
    return redirect(request, _back("/fi", ok="saved"))


# ---------------------------------------------------------------- warehouse and logistics


@router.get("/services")
@page
def services(request: Request) -> Response:
    with _uow(request, "warehouse", "logistics") as uow:
        orgs = parties.organizations_by_id(
            uow, {e.org_id for e in parties.list_entries(uow)} | set()
        )
        return render(
            request,
            "services.html",
            is_warehouse=uow.actor.has("warehouse"),
            today=uow.today(),
            orgs=orgs,
        )


@router.post("/services/goods")
@page
async def services_goods(request: Request) -> Response:
    form = await _form(request)
    with _uow(request, "warehouse") as uow:
        try:
            holder = parties.find_by_uscc(uow, str(form.get("holder_uscc", "")).strip().upper())
            if holder is None:
                raise InvalidInput("no enterprise has this USCC", field="holder_uscc")
            row = registry.confirm_goods(
                uow,
                registry.GoodsInput(
                    holder_org_id=holder.id,
                    commodity=str(form.get("commodity", "")),
                    grade=str(form.get("grade", "")),
                    location=str(form.get("location", "")),
                    quantity=str(form.get("quantity", "")),
                    unit=str(form.get("unit", "")),
                    lot=str(form.get("lot", "")),
                ),
            )
        except DomainError as e:
            return refused(request, "/services", e)
    return redirect(request, _back("/services", ok=f"saved {row.id}"))


@router.post("/services/deliveries")
@page
async def services_delivery(request: Request) -> Response:
    form = await _form(request)
    with _uow(request, "logistics", "warehouse") as uow:
        try:
            try:
                on = date.fromisoformat(str(form.get("on_date", "")))
            except ValueError:
                raise InvalidInput("write the date as YYYY-MM-DD", field="on_date") from None
            trade.record_shipments(
                uow,
                [
                    trade.ShipmentInput(
                        kind="delivery",
                        number=str(form.get("number", "")),
                        order_number=str(form.get("order_number", "")),
                        seller_uscc=str(form.get("seller_uscc", "")).strip().upper(),
                        buyer_uscc=str(form.get("buyer_uscc", "")).strip().upper(),
                        on_date=on,
                        lines=[trade.ShipmentLineInput(1, str(form.get("quantity", "")))],
                    )
                ],
            )
        except DomainError as e:
            return refused(request, "/services", e)
    return redirect(request, _back("/services", ok="saved"))


# ---------------------------------------------------------------- platform operator

ONBOARD_ROLES = (
    "supplier",
    "distributor",
    "core_enterprise",
    "marketplace",
    "bank",
    "factoring_company",
    "local_financial_org",
    "insurer",
    "guarantee_company",
    "warehouse",
    "logistics",
)
DISTRICTS = (
    "futian",
    "luohu",
    "nanshan",
    "yantian",
    "baoan",
    "longgang",
    "longhua",
    "pingshan",
    "guangming",
    "dapeng",
    "qianhai",
    "shenshan",
)
SIZES = ("micro", "small", "medium", "large")


@router.get("/operator")
@page
def operator(request: Request) -> Response:
    with _uow(request, "operator") as uow:
        orgs, _ = parties.list_organizations(uow, limit=500)
        orgs = sorted(orgs, key=lambda o: o.created_at, reverse=True)
        return render(
            request,
            "operator.html",
            orgs=orgs,
            roles=ONBOARD_ROLES,
            districts=DISTRICTS,
            sizes=SIZES,
            today=uow.today(),
            new_org=request.query_params.get("org") or "",
        )


@router.post("/operator/organizations")
@page
async def operator_onboard(request: Request) -> Response:
    form = await _form(request)
    with _uow(request, "operator") as uow:
        try:
            try:
                founded = date.fromisoformat(str(form.get("founded_on", "")))
            except ValueError:
                raise InvalidInput("write the date as YYYY-MM-DD", field="founded_on") from None
            licence = str(form.get("licence_no", "")).strip() or None
            org = parties.register_organization(
                uow,
                parties.OrganizationInput(
                    uscc=str(form.get("uscc", "")).strip().upper(),
                    name=str(form.get("name", "")),
                    district=str(form.get("district", "")),
                    roles=[str(form.get("role", ""))],
                    size_class=str(form.get("size_class", "")),
                    founded_on=founded,
                    registered_capital=_money_in(
                        str(form.get("registered_capital", "")), "CNY", "registered_capital"
                    ),
                    licence_no=licence,
                    licence_authority=str(form.get("licence_authority", "")).strip() or None,
                ),
            )
        except DomainError as e:
            return refused(request, "/operator", e)
    return redirect(request, f"/operator?{urlencode({'ok': 'saved', 'org': org.id})}")


@router.post("/operator/users")
@page
async def operator_user(request: Request) -> Response:
    form = await _form(request)
    with _uow(request, "operator") as uow:
        try:
            org_id = str(form.get("org_id", ""))
            try:
                parties.find_organization(uow, org_id)
            except NotFound:
                raise InvalidInput("choose an organization", field="org_id") from None
            parties.create_user(
                uow,
                org_id,
                str(form.get("username", "")),
                str(form.get("password", "")),
                is_admin=form.get("is_admin") == "1",
            )
        except DomainError as e:
            return refused(request, "/operator", e)
    return redirect(request, _back("/operator", ok="saved"))


# ---------------------------------------------------------------- insurer and guarantor


@router.get("/cover")
@page
def cover(request: Request) -> Response:
    with _uow(request, *INSURERS) as uow:
        me = uow.actor.org_id
        policies = [
            financing.policy_dict(p) for p in financing.list_policies(uow) if p.insurer_org_id == me
        ]
        claims = [
            financing.claim_dict(c) for c in financing.list_claims(uow) if c.insurer_org_id == me
        ]
        ids = {p["insured_org_id"] for p in policies} | {p["debtor_org_id"] for p in policies}
        ids |= {c["claimant_org_id"] for c in claims}
        return render(
            request,
            "cover.html",
            policies=policies,
            claims=claims,
            names=_names(uow, ids),
            idem=_idem(),
        )


@router.post("/cover/claims/{claim_id}/pay")
@page
async def cover_pay_claim(request: Request, claim_id: str) -> Response:
    form = await _form(request)
    with _uow(request, *INSURERS) as uow:
        try:
            financing.pay_claim(uow, claim_id, str(form.get("idem", "")) or None)
        except DomainError as e:
            return refused(request, "/cover", e)
    return redirect(request, _back("/cover", ok="saved"))


# ---------------------------------------------------------------- regulator


@router.get("/regulator")
@page
def regulator(request: Request) -> Response:
    with _uow(request, "regulator") as uow:
        ind = supervision.indicators(uow)
        month = uow.today().strftime("%Y-%m")
        return render(request, "regulator.html", ind=ind, month=month)


@router.get("/regulator/alerts")
@page
def regulator_alerts(request: Request) -> Response:
    status = request.query_params.get("status") or None
    with _uow(request, "regulator") as uow:
        try:
            alerts = supervision.alert_inbox(uow, status)
        except DomainError as e:
            return refused(request, "/regulator/alerts", e)
        return render(request, "alerts.html", alerts=alerts, status=status)


@router.post("/regulator/alerts/{source}/{alert_id}/{action}")
@page
async def regulator_alert_action(
    request: Request, source: str, alert_id: str, action: str
) -> Response:
    form = await _form(request)
    with _uow(request, "regulator") as uow:
        try:
            if action == "assign":
                supervision.assign_alert(
                    uow, source, alert_id, str(form.get("assignee", "")), str(form.get("note", ""))
                )
            elif action == "resolve":
                supervision.resolve_alert(uow, source, alert_id, str(form.get("resolution", "")))
            else:
                raise NotFound("no such action")
        except DomainError as e:
            return refused(request, "/regulator/alerts", e)
    return redirect(request, _back("/regulator/alerts", ok="saved"))


@router.get("/regulator/lists")
@page
def regulator_lists(request: Request) -> Response:
    with _uow(request, "regulator") as uow:
        entries = supervision.listings(uow)
        orgs, _ = parties.list_organizations(uow, limit=500)
        return render(request, "lists.html", entries=entries, orgs=orgs)


@router.post("/regulator/lists")
@page
async def regulator_add_entry(request: Request) -> Response:
    form = await _form(request)
    with _uow(request, "regulator") as uow:
        try:
            parties.add_list_entry(
                uow,
                str(form.get("kind", "")),
                str(form.get("org_id", "")),
                str(form.get("reason", "")),
                authority=str(form.get("authority", "")),
            )
        except DomainError as e:
            return refused(request, "/regulator/lists", e)
    return redirect(request, _back("/regulator/lists", ok="saved"))


@router.post("/regulator/lists/{entry_id}/lift")
@page
async def regulator_lift(request: Request, entry_id: str) -> Response:
    form = await _form(request)
    with _uow(request, "regulator") as uow:
        try:
            parties.lift_list_entry(uow, entry_id, str(form.get("reason", "")))
        except DomainError as e:
            return refused(request, "/regulator/lists", e)
    return redirect(request, _back("/regulator/lists", ok="saved"))


@router.get("/regulator/enterprises")
@page
def regulator_enterprises(request: Request) -> Response:
    q = request.query_params.get("q") or None
    with _uow(request, "regulator") as uow:
        orgs, _ = parties.list_organizations(uow, q=q, limit=200)
        return render(request, "enterprises.html", orgs=orgs, q=q or "")


@router.get("/regulator/enterprises/{org_id}")
@page
def regulator_enterprise(request: Request, org_id: str) -> Response:
    with _uow(request, "regulator") as uow:
        view = supervision.enterprise_view(uow, org_id)
        return render(
            request,
            "enterprise.html",
            v=view,
            graph_json=json.dumps(view["graph"], ensure_ascii=False),
        )


# ---------------------------------------------------------------- public registry


@router.get("/registry")
@page
def registry_search(request: Request) -> Response:
    name = (request.query_params.get("grantor_name") or "").strip()
    uscc = (request.query_params.get("grantor_uscc") or "").strip()
    results: list[dict[str, Any]] | None = None
    error = None
    cert_query = ""
    with _platform(request).uow() as uow:
        _maybe_actor(request, uow)
        if name or uscc:
            q = registry.SearchQuery(grantor_name=name or None, grantor_uscc=uscc or None)
            cert_query = urlencode({"grantor_name": name} if name else {"grantor_uscc": uscc})
            try:
                results = registry.search(uow, q)
            except DomainError as e:
                error = _error_text(e)
        head = registry.latest_tree_head(uow)
    return render(
        request,
        "registry.html",
        results=results,
        name=name,
        uscc=uscc,
        search_error=error,
        cert_query=cert_query,
        head=head,
        verdict=None,
    )


@router.post("/registry/verify")
@page
async def registry_verify(request: Request) -> Response:
    form = await _form(request)
    with _platform(request).uow() as uow:
        _maybe_actor(request, uow)
        try:
            doc = json.loads(str(form.get("certificate", "")))
            verdict = isinstance(doc, dict) and registry.verify_certificate(uow, doc)
        except ValueError:
            verdict = False
        head = registry.latest_tree_head(uow)
    return render(
        request,
        "registry.html",
        results=None,
        name="",
        uscc="",
        search_error=None,
        cert_query="",
        head=head,
        verdict=bool(verdict),
    )


def _maybe_actor(request: Request, uow: UnitOfWork) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            request.state.page_actor = parties.authenticate(uow, token)
        except Unauthenticated:
            pass
