"""What every page shares: rendering, the session, CSRF, forms, refusals and a role's routes.

Security: the session is the API token in an HttpOnly, SameSite=Lax cookie (Secure over
https); every form carries a CSRF token that must equal the `scf_csrf` cookie (double
submit) and is checked on every POST; the Content-Security-Policy allows scripts only from
/static (no inline script: pages hand data to JS through data- attributes and JSON
endpoints); Jinja2 autoescapes every template.

A role's page is a small function plus a template: `Pages.view` renders the template with
the dict its function returns, `Pages.command` reads a posted form, runs its function and
goes back to the role's page, with the reason when the command is refused.
"""

from __future__ import annotations

import functools
import hmac
import inspect
import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.datastructures import UploadFile

from scf.core import i18n
from scf.core.actor import Actor
from scf.core.errors import DomainError, FieldError, InvalidInput, NotFound, Unauthenticated
from scf.core.i18n import N_
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.deps import note_seen
from scf.governance import service as governance
from scf.parties import service as parties
from scf.platform import Platform
from scf.web.forms import keep_input, normalise_amount
from scf.web.i18n import DEFAULT_LANG, LANGS, money, percent
from scf.web.room_text import room_text

TEMPLATES_DIR = Path(__file__).parent / "templates"
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

# The first role a user's organization has decides its home page.
# Who may apply for an incentive programme (scf.web.programmes).
APPLICANT_ROLES = (
    "bank",
    "factoring_company",
    "local_financial_org",
    "insurer",
    "guarantee_company",
    "park_operator",
    "supplier",
    "distributor",
    "core_enterprise",
)
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
    ("appraiser", "/scenarios/ip"),
    ("district_regulator", "/district"),
    ("park_operator", "/park"),
]

# A role's pages beyond its home, in the main menu.
ROLE_MENU: list[tuple[tuple[str, ...], list[tuple[str, str]]]] = [
    (
        ("supplier", "distributor", "marketplace"),
        [
            ("/sme/invoices", N_("Upload trade files")),
            ("/sme/pieces", N_("Certificate pieces")),
        ],
    ),
    (
        ("supplier", "distributor", "marketplace", "core_enterprise"),
        [("/sme/access", N_("Who read our data"))],
    ),
    (("supplier", "distributor"), [("/sme/discounting", N_("Early payment and bills"))]),
    (("core_enterprise",), [("/core/discounting", N_("Early-payment programmes"))]),
]

env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)


class _Redirect(Exception):
    def __init__(self, url: str) -> None:
        self.url = url


class _Forbidden(Exception):
    pass


def platform_of(request: Request) -> Platform:
    """Return the platform the app serves."""
    p: Platform = request.app.state.platform
    return p


def language(request: Request) -> str:
    """Return the language the visitor chose, Chinese unless told otherwise."""
    lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


def over_https(request: Request) -> bool:
    """Tell whether cookies must be Secure."""
    return request.url.scheme == "https"


def local_path(value: str | None) -> str:
    """Return a path on this site to go on to, never another site's address."""
    nxt = value or "/"
    return "/" if not nxt.startswith("/") or nxt.startswith("//") else nxt


def _csrf(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def _finish(request: Request, resp: Response) -> Response:
    for k, v in SECURITY_HEADERS.items():
        resp.headers[k] = v
    resp.headers["Cache-Control"] = "no-store"
    new = getattr(request.state, "new_csrf", None)
    if new:
        resp.set_cookie(
            CSRF_COOKIE, new, httponly=True, samesite="lax", secure=over_https(request), path="/"
        )
    return resp


def render(request: Request, template: str, status_code: int = 200, **ctx: Any) -> Response:
    """Render a template in the visitor's language, with the layout's context.

    `ctx` may set the layout's own `msg` or `error` (a page that answers a form directly).
    """
    lang = language(request)
    actor: Actor | None = getattr(request.state, "page_actor", None)
    layout = {
        **page_gettext(lang),
        "money": lambda v: money_cell(lang, v),
        "table_text": table_text(lang),
        "pct": lambda v: percent(lang, v),
        "room_text": lambda item, names=None: room_text(lang, item, names),
        "lang": lang,
        "csrf": _csrf(request),
        "actor": actor,
        "path": request.url.path,
        "msg": notice_text(lang, request.query_params.get("ok")),
        "error": request.query_params.get("error"),
        "nav": _nav(actor),
    }
    # Personal data masked by the visitor's role, as in the API's answers.
    html = env.get_template(template).render({**layout, **governance.mask_for(ctx, actor)})
    return _finish(request, HTMLResponse(html, status_code=status_code))


def money_cell(lang: str, value: Money | dict[str, Any] | None) -> Markup:
    """An amount as the page shows it, carrying its exact decimal and currency for the lists'
    totals, sorting and CSV (tables.js sums them in integers, never in floating point)."""
    text = money(lang, value)
    if value is None:
        return escape(text)
    amount, ccy = (
        (value.amount, value.currency)
        if isinstance(value, Money)
        else (value["amount"], value["currency"])
    )
    return Markup('<span data-amount="{}" data-currency="{}">{}</span>').format(
        str(amount), str(ccy), text
    )


def table_text(lang: str) -> str:
    """The words of the lists' tools (filter, pages, totals, CSV) in the visitor's language."""
    return json.dumps(
        {
            "filter": i18n.gettext(lang, N_("Filter")),
            "prev": i18n.gettext(lang, N_("Previous page")),
            "next": i18n.gettext(lang, N_("Next page")),
            "csv": i18n.gettext(lang, N_("Download CSV")),
            "total": i18n.gettext(lang, N_("Total")),
        },
        ensure_ascii=False,
    )


def page_gettext(lang: str) -> dict[str, Callable[..., Any]]:
    """The translation callables a template sees, in the visitor's language.

    `_`/`gettext` for the page's own text (Babel extracts them), `pgettext` for a text with a
    context, `label(kind, value)` for a stored value such as a status or a scenario.
    """

    def gettext(message: str, **params: Any) -> str:
        out = i18n.gettext(lang, message)
        return out % params if params else out

    def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
        out = i18n.translations(lang).ngettext(singular, plural, n)
        return out % {"num": n, **params}

    return {
        "_": gettext,
        "gettext": gettext,
        "ngettext": ngettext,
        "pgettext": lambda context, message: i18n.pgettext(lang, context, message),
        "label": lambda kind, value: i18n.label(lang, kind, value),
        "labels": lambda kind, values: i18n.labels(lang, kind, values),
    }


def _nav(actor: Actor | None) -> list[tuple[str, str]]:
    if actor is None:
        return [("/registry", N_("Public registry search")), ("/login", N_("Log in"))]
    items = [(url, N_("Home")) for role, url in HOME_BY_ROLE if actor.has(role)][:1]
    for roles, entries in ROLE_MENU:
        if actor.has(*roles):
            items += [e for e in entries if e not in items]
    if actor.has("supplier", "distributor", "marketplace", "core_enterprise"):
        items.append(("/my-data", N_("My data")))
    if actor.is_operator:
        items.append(("/operator/corrections", N_("Correction requests")))
    if actor.is_operator or actor.is_regulator:
        items.append(("/data-quality", N_("Data quality")))
    items.append(("/learn", N_("Risk education")))
    if actor.is_regulator:
        items += [
            ("/regulator/alerts", N_("Alerts")),
            ("/regulator/lists", N_("Lists")),
            ("/regulator/enterprises", N_("Enterprises")),
            ("/regulator/assessment", N_("Assessment of institutions")),
        ]
    if actor.has("bank", "factoring_company", "local_financial_org"):
        items.append(("/units", N_("Units")))
    if actor.has("supplier", "distributor", "marketplace"):
        items.append(("/scenarios/payouts", N_("Marketplace payouts")))
    if actor.has("supplier", "distributor", "appraiser"):
        items.append(("/scenarios/ip", N_("Intellectual property")))
    if actor.is_operator:
        items.append(("/scenarios/fx-rates", N_("Exchange rates")))
    items.append(("/scenarios", N_("Financing scenarios")))
    if actor.is_operator:
        items.append(("/awards", N_("Award review")))
    if actor.has(*APPLICANT_ROLES):
        items.append(("/programmes", N_("Incentive programmes")))
    return [*items, ("/registry", N_("Public registry search"))]


def redirect(request: Request, url: str) -> Response:
    """Send the browser on to `url` (303, so a posted form is not posted again)."""
    return _finish(request, RedirectResponse(url, status_code=303))


def back(path: str, **query: str | None) -> str:
    """Return `path` with the query parameters that have a value."""
    q = {k: v for k, v in query.items() if v}
    return f"{path}?{urlencode(q)}" if q else path


def _session_token(request: Request) -> str:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise _Redirect("/login?next=" + quote(request.url.path))
    return token


@contextmanager
def signed_in(request: Request, *roles: str) -> Iterator[UnitOfWork]:
    """A unit of work as the logged-in user; log in first, and only the given roles."""
    token = _session_token(request)
    with platform_of(request).uow(reading=request.method == "GET") as uow:
        try:
            uow.actor = parties.authenticate(uow, token)
        except Unauthenticated:
            raise _Redirect("/login?next=" + quote(request.url.path)) from None
        request.state.page_actor = uow.actor
        note_seen(platform_of(request), uow.actor)
        if roles and not uow.actor.has(*roles):
            raise _Forbidden
        yield uow


@contextmanager
def visiting(request: Request) -> Iterator[UnitOfWork]:
    """A unit of work for a public page; a logged-in visitor still sees their own header."""
    with platform_of(request).uow(reading=request.method == "GET") as uow:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            try:
                request.state.page_actor = parties.authenticate(uow, token)
            except Unauthenticated:
                pass
        yield uow


def money_in(value: str, currency: str, field: str) -> Money:
    """Read an amount typed in a form: full-width digits, thousands separators, ¥ and 元, 万 and
    亿 are read as people mean them; the service sees a canonical decimal string."""
    return Money.of(normalise_amount(value, field), currency, field=field)


def rate_in(value: str, field: str = "rate") -> Decimal:
    """A rate typed as a percentage (3.6) into a decimal fraction (0.036)."""
    try:
        pct = Decimal(value.strip())
    except InvalidOperation:
        raise InvalidInput(
            i18n.N_("write the annual rate in percent, such as 3.6"), field=field
        ) from None
    if not Decimal(0) < pct < Decimal(100):
        raise InvalidInput(i18n.N_("between 0 and 100 percent"), field=field)
    return pct / 100


@dataclass(frozen=True)
class Upload:
    """A file sent with a form: its name as the visitor's computer called it, and its bytes."""

    filename: str
    content: bytes


class Form(dict[str, Any]):
    """A posted form: each field a string, or a list of strings for a name ending in []."""

    def text(self, name: str) -> str:
        """Return the field as typed ('' when missing)."""
        return str(self.get(name, ""))

    def optional(self, name: str) -> str | None:
        """Return the field without surrounding spaces, None when left empty."""
        return self.text(name).strip() or None

    def uscc(self, name: str) -> str:
        """Return a unified social credit code as the registry spells it."""
        return self.text(name).strip().upper()

    def idem(self) -> str | None:
        """Return the idempotency key the page rendered into the form, None when missing."""
        return self.text("idem") or None

    def many(self, name: str) -> list[str]:
        """Return every value of a field that may repeat (checkboxes, multiple selects)."""
        values = self.get(name, [])
        return [values] if isinstance(values, str) else list(values)

    def date(self, name: str) -> date:
        """Return the field as a date, or refuse it naming the field."""
        try:
            return date.fromisoformat(self.text(name))
        except ValueError:
            raise InvalidInput(i18n.N_("write the date as YYYY-MM-DD"), field=name) from None

    def file(self, name: str) -> Upload:
        """Return the file sent in the field, or refuse an empty one naming the field."""
        sent = self.get(name)
        if not isinstance(sent, Upload) or not sent.content:
            raise InvalidInput(i18n.N_("choose a file to upload"), field=name)
        return sent

    def money(self, name: str, currency: str = "CNY") -> Money:
        """Return the field as an amount in `currency`."""
        return money_in(self.text(name), currency, name)

    def rate(self, name: str) -> Decimal:
        """Return the field, an annual rate typed in percent, as a fraction."""
        return rate_in(self.text(name), name)


async def read_form(request: Request) -> Form:
    """Read a posted form and check its CSRF token against the cookie."""
    form = await request.form()
    sent = str(form.get("csrf", "")) or request.headers.get("x-csrf-token", "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(sent.encode(), cookie.encode()):
        raise _Forbidden
    out = Form()
    for k in form:
        values = form.getlist(k)
        if isinstance(values[0], UploadFile):  # one file per field on these pages
            out[k] = Upload(values[0].filename or "", await values[0].read())
            continue
        out[k] = [str(v) for v in values] if len(values) > 1 or k.endswith("[]") else str(values[0])
    return out


def field_reason(e: DomainError, x: FieldError, lang: str) -> str:
    """One refused field's reason in the visitor's language (see `error_text`)."""
    reason = i18n.gettext(lang, x.reason)
    if lang != "en" and reason == x.reason and i18n.has_label(lang, "error", e.code):
        reason = f"{i18n.label(lang, 'error', e.code)}（{x.reason}）"
    return reason


def error_text(e: DomainError, lang: str = DEFAULT_LANG) -> str:
    """Say why a command was refused in the visitor's language, field by field.

    Each field is named as people read it; a reason the catalog knows is translated, and one
    it does not know is said by the refusal's code (`error` labels), with the reason kept in
    brackets so nothing the service said is lost.
    """
    head = i18n.label(lang, "error", e.code) if i18n.has_label(lang, "error", e.code) else ""
    if not e.errors:
        return head if lang != "en" and head else e.message
    sep, colon = ("; ", ": ") if lang == "en" else ("；", "：")
    parts = []
    for x in e.errors:
        where = ""
        if x.line is not None:
            where = f"line {x.line}, " if lang == "en" else f"第 {x.line} 行 "
        parts.append(f"{where}{i18n.field_label(lang, x.field)}{colon}{field_reason(e, x, lang)}")
    return sep.join(parts)


def refusal_rows(e: DomainError, lang: str = DEFAULT_LANG) -> list[dict[str, Any]]:
    """Every refused field of a command as a row: its line (bulk input), the field by its
    label and the reason in the visitor's language, in the order of the lines."""
    return [
        {
            "line": x.line,
            "field": i18n.field_label(lang, x.field),
            "reason": field_reason(e, x, lang),
        }
        for x in sorted(e.errors, key=lambda x: x.line or 0)
    ]


def _head(e: DomainError, lang: str) -> str:
    """What a refusal with many reasons says once, above the table of them."""
    if i18n.has_label(lang, "error", e.code):
        return i18n.label(lang, "error", e.code)
    return e.message


def notice_text(lang: str, notice: str | None) -> str | None:
    """The confirmation a page shows after a command (`ok=saved`, `ok=saved rcp_...`)."""
    if not notice:
        return None
    code, _, rest = notice.partition(" ")
    text = i18n.label(lang, "notice", code)
    return f"{text} {rest}" if rest else text


def refused(request: Request, path: str, e: DomainError) -> Response:
    """Go back to the page showing why the command was refused.

    A record the user may not know of still answers 404, as everywhere else.
    """
    if isinstance(e, NotFound):
        raise e
    return redirect(request, back(path, error=error_text(e, language(request))))


def page(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn redirects, refusals and domain errors of a page handler into responses."""

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
                message=i18n.gettext(language(request), N_("You may not open this page.")),
            )
        except NotFound as e:
            return render(request, "error.html", status_code=404, message=e.message)

    return wrapper


def org_names(uow: UnitOfWork, ids: set[str]) -> dict[str, str]:
    """Return the names of the organizations with these ids."""
    return {k: v.name for k, v in parties.organizations_by_id(uow, ids).items()}


def idem_key() -> str:
    """A key rendered into a money-moving form: a double submit replays, a new page is new."""
    return secrets.token_urlsafe(12)


View = Callable[..., dict[str, Any] | Response]
Command = Callable[..., dict[str, str] | None]
Answer = Callable[..., None]


class Pages:
    """The pages of one role: views render a template, commands run a posted form.

    `roles` may open them unless a page names its own; `home` is where a command goes back.
    """

    def __init__(self, *roles: str, home: str) -> None:
        self.roles = roles
        self.home = home
        self.router = APIRouter(include_in_schema=False)
        self.views: dict[str, tuple[View, str, tuple[str, ...]]] = {}

    def view(
        self, path: str, template: str, *, roles: tuple[str, ...] = ()
    ) -> Callable[[View], View]:
        """Serve GET `path`: `fn(request, uow, **path_params)` returns the template's context.

        `fn` may return a response of its own instead (a redirect, a refusal).
        """

        def register(fn: View) -> View:
            async def endpoint(request: Request, **params: Any) -> Response:
                with signed_in(request, *(roles or self.roles)) as uow:
                    out = fn(request, uow, **params)
                    if isinstance(out, Response):
                        return out
                    return render(request, template, **out)

            self._route("GET", path, endpoint, fn)
            self.views[path] = (fn, template, roles or self.roles)
            return fn

        return register

    def command(
        self, path: str, *, roles: tuple[str, ...] = (), back_to: str = ""
    ) -> Callable[[Command], Command]:
        """Serve POST `path`: `fn(uow, form, **path_params)` does the work in one unit.

        A refusal goes back to `back_to` (the role's home by default) showing why; success
        goes back with `ok=saved`, or with the query parameters `fn` returns.
        """

        def register(fn: Command) -> Command:
            async def endpoint(request: Request, **params: Any) -> Response:
                to = back_to or self.home
                form = await read_form(request)
                refusal: DomainError | None = None
                with signed_in(request, *(roles or self.roles)) as uow:
                    try:
                        query = fn(uow, form, **params)
                    except DomainError as e:
                        refusal = e
                if refusal is not None:
                    return self.refused(request, to, form, refusal)
                return redirect(request, back(to, **(query or {"ok": "saved"})))

            self._route("POST", path, endpoint, fn)
            return fn

        return register

    def answer(self, path: str, *, roles: tuple[str, ...] = ()) -> Callable[[Answer], Answer]:
        """Serve POST `path`, answering on the page GET `path` shows (a file checked, a batch
        imported): `fn(uow, form, shown)` puts what to show into `shown`, which it may fill
        before it is refused (the findings of a file the service then refuses).

        A refusal shows the page again (422) with each reason in a table by line and field.
        """

        def register(fn: Answer) -> Answer:
            async def endpoint(request: Request, **params: Any) -> Response:
                form = await read_form(request)
                view_fn, template, view_roles = self.views[path]
                lang = language(request)
                shown: dict[str, Any] = {}
                refusal: DomainError | None = None
                with signed_in(request, *(roles or self.roles)) as uow:
                    try:
                        fn(uow, form, shown, **params)
                    except NotFound:
                        raise
                    except DomainError as e:
                        refusal = e
                        shown["error"] = error_text(e, lang) if not e.errors else _head(e, lang)
                        shown["refusals"] = refusal_rows(e, lang)
                with signed_in(request, *view_roles) as uow:
                    out = view_fn(request, uow)
                    if isinstance(out, Response):
                        return out
                    resp = render(request, template, **{**out, **shown})
                if refusal is None:
                    return resp
                failed: DomainError = refusal
                html = keep_input(
                    bytes(resp.body).decode(),
                    request.url.path,
                    dict(form),
                    failed.errors,
                    lambda x: field_reason(failed, x, lang),
                )
                return _finish(request, HTMLResponse(html, status_code=422))

            self._route("POST", path, endpoint, fn, given=3)
            return fn

        return register

    def refused(self, request: Request, to: str, form: Form, e: DomainError) -> Response:
        """Show the page again (422) with what was typed kept and each reason by its field.

        The refused command's unit of work is over, so nothing of it stays; the page is read
        in a unit of its own. A page this role has no view of goes back as before.
        """
        if isinstance(e, NotFound) or to not in self.views:
            return refused(request, to, e)
        fn, template, roles = self.views[to]
        lang = language(request)
        with signed_in(request, *roles) as uow:
            out = fn(request, uow)
            if isinstance(out, Response):
                return refused(request, to, e)
            resp = render(
                request, template, status_code=422, **{**out, "error": error_text(e, lang)}
            )
        html = keep_input(
            bytes(resp.body).decode(),
            request.url.path,
            dict(form),
            e.errors,
            lambda x: field_reason(e, x, lang),
        )
        return _finish(request, HTMLResponse(html, status_code=422))

    def _route(
        self,
        method: str,
        path: str,
        endpoint: Callable[..., Any],
        fn: Callable[..., Any],
        given: int = 2,
    ) -> None:
        # FastAPI reads the path parameters from the signature: the request, then what `fn`
        # takes after the arguments the page gives it (request and uow, uow and form, or uow,
        # form and what to show).
        params = list(inspect.signature(fn, eval_str=True).parameters.values())[given:]
        request = inspect.Parameter(
            "request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request
        )
        endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [request, *params], return_annotation=Response
        )
        for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(endpoint, attr, getattr(fn, attr))
        self.router.add_api_route(path, page(endpoint), methods=[method])
