"""The HTTP application: /api/v1 routers, problem+json errors, request ids, logs and health."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any, Literal
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scf import __version__
from scf import openapi as scf_openapi
from scf.core import errors as E
from scf.core.bounds import TEXT_MAX, check_text
from scf.core.ids import new_id
from scf.core.schema import Answer, answers
from scf.core.uow import request_id_var
from scf.deps import get_actor, get_uow
from scf.governance.service import MaskPersonalData
from scf.platform import Platform

log = logging.getLogger("scf.http")

# The one place where domain errors become HTTP statuses.
STATUS_BY_ERROR: list[tuple[type[E.DomainError], int]] = [
    (E.Unauthenticated, 401),
    (E.PermissionDenied, 403),
    (E.NotFound, 404),
    (E.Conflict, 409),
    (E.InvalidInput, 422),
    (E.RuleViolation, 422),
    (E.TooManyAttempts, 429),
]


def status_for(exc: E.DomainError) -> int:
    for cls, code in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return code
    return 422


def domain_problem(request: Request, exc: E.DomainError) -> JSONResponse:
    """A refusal as problem+json; one that asks the caller to wait says for how long."""
    resp = problem(
        status_for(exc),
        exc.code,
        exc.message,
        request,
        [e.as_dict() for e in exc.errors] or None,
        {"details": exc.details} if exc.details else None,
    )
    if isinstance(exc, E.TooManyAttempts):
        resp.headers["Retry-After"] = str(exc.retry_after)
    return resp


def problem(
    status: int,
    code: str,
    detail: str,
    request: Request | None = None,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """Build an RFC 9457 problem document with a stable `code`."""
    body: dict[str, Any] = {
        "type": f"https://scf.dev/problems/{code}",
        "title": code.replace("_", " "),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if request is not None:
        body["instance"] = request.url.path
        body["request_id"] = getattr(request.state, "request_id", None)
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[-1] if loc else "body")


def _reason(msg: str) -> str:
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


class BodyLimit:
    """Refuse request bodies over the limit with 413 before any handler reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        resp = problem(
            413,
            "payload_too_large",
            f"the request body is over {self.max_bytes // (1024 * 1024)} MiB; "
            "split it into batches",
        )
        await resp(scope, receive, send)


class _TooLarge(Exception):
    pass


class CleanParameters:
    """Refuse control characters and malformed UTF-8 in the path and the query with 422.

    Identifiers and search terms arrive in the path and the query, where no pydantic body
    type sees them; PostgreSQL cannot even compare a string holding NUL, so a NUL in a path
    gave a 500. Refused once here, before any route runs.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _refusal(scope: Scope) -> JSONResponse | None:
        try:
            raw = scope.get("query_string", b"").decode("ascii")
            pairs = parse_qsl(raw, keep_blank_values=True, errors="strict")
            values = [("path", str(scope.get("path", ""))), *pairs]
            for name, value in values:
                check_text(value, name, max_length=TEXT_MAX, multiline=False)
        except UnicodeError:
            return problem(
                422, "invalid_input", "the query is not valid UTF-8 (查询参数不是有效的 UTF-8)"
            )
        except E.InvalidInput as exc:
            return problem(
                422, exc.code, exc.message, None, [e.as_dict() for e in exc.errors] or None
            )
        return None


class ServerErrors:
    """Answer an unexpected failure with a problem+json 500 and keep the connection open.

    Starlette's outermost middleware answers 500 and then re-raises the exception so that
    the server can log it; uvicorn, seeing an exception after the response has started,
    closes the connection, so the next request on the same keep-alive connection was reset.
    Here the failure is logged and answered, and nothing is raised, unless the response had
    already started: then the client holds half a response and the connection must close.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception:
            request = Request(scope)
            log.exception(
                "unhandled error",
                extra={
                    "fields": {
                        "request_id": getattr(request.state, "request_id", None),
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                    }
                },
            )
            if started:
                raise
            code = "internal_error"
            resp = problem(
                500,
                code,
                "服务器内部错误，请稍后重试；如再次出现，请提供请求编号 "
                "(an internal error; try again, and quote the request id if it happens again)",
                request,
            )
            await resp(scope, receive, send)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(json_logs: bool = True) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if json_logs else logging.Formatter("%(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger("scf")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False


def include_routers(app: FastAPI) -> None:
    """Mount every room's router under /api/v1."""
    from scf.parties.api import router as parties_router

    app.include_router(parties_router, prefix="/api/v1")
    for loader in ROUTER_LOADERS:
        app.include_router(loader(), prefix="/api/v1")


class HealthOut(Answer):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "ok", "version": "0.1.0"}]}
    )

    status: Literal["ok"]
    version: str = Field(description="the running scf package's version")


class ReadyOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status": "ready", "database": "postgresql"}]},
    )

    status: Literal["ready"]
    database: str = Field(description="the database's SQLAlchemy dialect: sqlite or postgresql")


READY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": ReadyOut, "description": "the database answers and is migrated"},
    503: {
        "description": "the database does not answer, or is not migrated",
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    },
}


def _room_router(module: str) -> Callable[[], Any]:
    def load() -> Any:
        import importlib

        return importlib.import_module(module).router

    return load


# Rooms add their router here, one line each.
ROUTER_LOADERS: list[Callable[[], Any]] = [
    _room_router("scf.risk.api"),
    _room_router("scf.registry.api"),
    _room_router("scf.certificates.api"),
    _room_router("scf.trade.api"),
    _room_router("scf.financing.api"),
    _room_router("scf.supervision.api"),
    _room_router("scf.institutions.api"),
    _room_router("scf.supervision.calendar_api"),
    _room_router("scf.supervision.oversight_api"),
    _room_router("scf.parties.oversight_api"),
    _room_router("scf.programmes.api"),
    _room_router("scf.standards.api"),
    _room_router("scf.scenarios.api"),
    _room_router("scf.governance.api"),
]


def _lifespan(platform: Platform) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Background work that lives as long as the server: the risk follower and the purge of
    records past their retention, each when enabled."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            # With events on JetStream (SCF_EVENTS_URL) the event workers' `risk` consumer
            # does the follower's work; the polling follower is the embedded mode's.
            if platform.settings.risk_follow and not platform.settings.events_url:
                from scf.risk.follower import background

                await stack.enter_async_context(
                    background(platform, platform.settings.risk_follow_seconds)
                )
            if platform.settings.purge_every_hours > 0:
                from scf.governance.scheduler import background as purging

                await stack.enter_async_context(
                    purging(platform, platform.settings.purge_every_hours)
                )
            yield

    return lifespan


def create_app(platform: Platform | None = None) -> FastAPI:
    """Build the application around a platform (engine, clock, settings)."""
    platform = platform or Platform.create()
    app = FastAPI(
        lifespan=_lifespan(platform),
        generate_unique_id_function=scf_openapi.operation_id,
        title="scf: supply chain finance platform",
        version=__version__,
        docs_url="/docs",
        openapi_url="/openapi.json",
        description="Trade, registry, payable certificates, financing and supervision.",
    )
    app.state.platform = platform
    app.openapi = lambda: scf_openapi.build(app, (get_uow, get_actor))  # type: ignore[method-assign]
    # Personal data masked by the reader's role in every JSON answer of a read (the catalogue
    # says which keys carry it); inside ServerErrors, so that a failure there is a clean 500.
    app.add_middleware(MaskPersonalData)
    # Innermost, so that the request context below logs the 500 and adds the request id.
    app.add_middleware(ServerErrors)

    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Any]]
    ) -> Any:
        rid = request.headers.get("x-request-id") or new_id("req")
        rid = rid[:64]
        request.state.request_id = rid
        token = request_id_var.set(rid)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            request_id_var.reset(token)
        response.headers["X-Request-ID"] = rid
        actor = getattr(request.state, "actor", None)
        log.info(
            "request",
            extra={
                "fields": {
                    "request_id": rid,
                    "method": request.method,
                    "path": request.url.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                    "user": getattr(actor, "username", None),
                    "org": getattr(actor, "org_id", None),
                }
            },
        )
        return response

    @app.exception_handler(E.DomainError)
    async def domain_error(request: Request, exc: E.DomainError) -> JSONResponse:
        return domain_problem(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = [
            {
                "field": _field_name(tuple(e.get("loc", ()))),
                "reason": _reason(str(e.get("msg", ""))),
            }
            for e in exc.errors()
        ]
        first = errs[0] if errs else {"field": "body", "reason": "invalid"}
        detail = f"{first['field']}: {first['reason']}"
        if len(errs) > 1:
            detail += f" (and {len(errs) - 1} more)"
        return problem(422, "invalid_input", detail, request, errs)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            exc.status_code, "http_error"
        )
        return problem(exc.status_code, code, str(exc.detail), request)

    @app.get("/healthz", tags=["health"], **answers(HealthOut))
    def healthz() -> dict[str, str]:
        """Liveness: the process answers. No token needed; never touches the database."""
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", tags=["health"], response_model=None, responses=READY_RESPONSES)
    def readyz() -> dict[str, Any] | JSONResponse:
        """Readiness: the database answers and every migration is applied. No token needed;
        answers 503 (problem+json, `database_unavailable` or `database_not_migrated` with the
        pending revisions) when it is not ready."""
        from scf.core.migrate import pending

        try:
            with platform.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            missing = pending(platform.engine)
        except Exception as exc:  # the point is to report any failure, not to crash
            return problem(503, "database_unavailable", f"the database does not answer: {exc}")
        if missing:
            return problem(
                503,
                "database_not_migrated",
                "run `scf db upgrade`",
                None,
                None,
                {"pending": sorted(missing)},
            )
        return {"status": "ready", "database": platform.engine.dialect.name}

    include_routers(app)
    # The pages (scf.web) and their vendored assets.
    from fastapi.staticfiles import StaticFiles

    from scf.web.pages import STATIC_DIR
    from scf.web.pages import router as pages_router

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(pages_router)
    app.add_middleware(BodyLimit, max_bytes=platform.settings.max_body_bytes)
    app.add_middleware(CleanParameters)
    return app
