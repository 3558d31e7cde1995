"""The pages every visitor meets: log in, log out, choose the language, go home."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from scf.core import i18n
from scf.core.errors import TooManyAttempts, Unauthenticated
from scf.core.i18n import N_
from scf.parties import service as parties
from scf.web.common import (
    HOME_BY_ROLE,
    LANG_COOKIE,
    SESSION_COOKIE,
    language,
    local_path,
    over_https,
    page,
    platform_of,
    read_form,
    redirect,
    render,
    signed_in,
)
from scf.web.i18n import LANGS

router = APIRouter(include_in_schema=False)


@router.get("/login")
@page
def login_form(request: Request) -> Response:
    """Show the login form; `next` is where to go once logged in."""
    return render(request, "login/form.html", next=request.query_params.get("next", "/"))


@router.post("/login")
@page
async def login(request: Request) -> Response:
    """Log in: the session token goes into an HttpOnly cookie that lives as long as it."""
    form = await read_form(request)
    nxt = local_path(form.text("next"))
    with platform_of(request).uow() as uow:
        try:
            token, row = parties.login(
                uow,
                form.text("username"),
                form.text("password"),
                client_address=request.client.host if request.client else "",
                user_agent=request.headers.get("user-agent", ""),
            )
        except Unauthenticated:
            error = i18n.gettext(language(request), N_("Wrong username or password."))
            return render(request, "login/form.html", status_code=401, next=nxt, error=error)
        except TooManyAttempts as e:
            text = N_("Too many failed logins. Try again in %(seconds)s seconds.")
            error = i18n.gettext(language(request), text) % {"seconds": e.retry_after}
            resp = render(request, "login/form.html", status_code=429, next=nxt, error=error)
            resp.headers["Retry-After"] = str(e.retry_after)
            return resp
    resp = redirect(request, nxt)
    resp.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=over_https(request),
        path="/",
        max_age=int((row.expires_at - row.created_at).total_seconds()),
    )
    return resp


@router.post("/logout")
@page
async def logout(request: Request) -> Response:
    """Log out: revoke the session on the server and forget its cookie."""
    await read_form(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with platform_of(request).uow() as uow:
            try:
                uow.actor = parties.authenticate(uow, token)
            except Unauthenticated:
                pass  # already revoked or expired: only the cookie is left to forget
            else:
                parties.logout(uow)
    resp = redirect(request, "/login")
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/lang/{code}")
@page
def switch_language(request: Request, code: str) -> Response:
    """Remember the chosen language and go back to the page."""
    resp = redirect(request, local_path(request.query_params.get("next", "/")))
    if code in LANGS:
        resp.set_cookie(LANG_COOKIE, code, samesite="lax", secure=over_https(request), path="/")
    return resp


@router.get("/")
@page
def home(request: Request) -> Response:
    """Go to the home page of the user's first role."""
    with signed_in(request) as uow:
        for role, url in HOME_BY_ROLE:
            if uow.actor.has(role):
                return redirect(request, url)
    return redirect(request, "/registry")
