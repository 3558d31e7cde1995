"""`scf events`: the relay, the event workers and where they stand."""

from __future__ import annotations

import asyncio
import json
import signal
from typing import Annotated, Any

import typer

from scf.cli_common import command_group, create_platform, fail
from scf.core.errors import DomainError

app = command_group("Events on NATS JetStream: the relay and the workers")


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)


@app.command("relay")
def relay_cmd(
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="entries read a round")] = 500,
    every: Annotated[float, typer.Option(min=0.01, help="seconds between idle rounds")] = 0.2,
) -> None:
    """Publish the audit log to the stream in order, for as long as it runs (SIGTERM ends it)."""
    from scf.api import configure_logging
    from scf.events import service as events

    p = create_platform()
    configure_logging(p.settings.log_json)
    try:
        spec = events.StreamSpec.of(p.settings)
    except DomainError as exc:
        fail(exc)

    async def main() -> None:
        stop = asyncio.Event()
        _stop_on_signals(stop)
        await events.Relay(p, spec, batch=batch).run(stop, every=every)

    try:
        asyncio.run(main())
    finally:
        p.dispose()


@app.command("work")
def work_cmd(
    consumer: Annotated[
        list[str] | None,
        typer.Option(help="consumer to run (risk, counters, notifications); all when none named"),
    ] = None,
    batch: Annotated[int, typer.Option(min=1, max=1000, help="entries fetched at once")] = 100,
) -> None:
    """Run the consumers in this worker, beside any other worker running them (SIGTERM ends it)."""
    from scf.api import configure_logging
    from scf.core.errors import InvalidInput
    from scf.events import service as events

    p = create_platform()
    configure_logging(p.settings.log_json)
    names = consumer or list(events.CONSUMERS)
    try:
        unknown = [n for n in names if n not in events.CONSUMERS]
        if unknown:
            raise InvalidInput(
                f"no consumer {', '.join(unknown)}: one of {', '.join(events.CONSUMERS)}",
                field="consumer",
                code="unknown_consumer",
            )
        spec = events.StreamSpec.of(p.settings)
    except DomainError as exc:
        fail(exc)

    async def main() -> None:
        stop = asyncio.Event()
        _stop_on_signals(stop)
        workers = [events.Worker(p, spec, n, events.CONSUMERS[n], batch=batch) for n in names]
        await asyncio.gather(*(w.run(stop) for w in workers))

    try:
        asyncio.run(main())
    finally:
        p.dispose()


@app.command("status")
def status_cmd() -> None:
    """The newest audit entry, the stream and each consumer's backlog, as JSON."""
    from scf.events import service as events

    p = create_platform()
    try:
        spec = events.StreamSpec.of(p.settings)
    except DomainError as exc:
        fail(exc)
    try:
        print(json.dumps(asyncio.run(_status(p, spec, events)), indent=2))
    finally:
        p.dispose()


async def _status(p: Any, spec: Any, events: Any) -> dict[str, Any]:
    from nats.js.errors import NotFoundError
    from sqlalchemy import func, select

    from scf.core.audit import AuditEntry

    with p.uow(reading=True) as uow:
        newest = uow.session.scalar(select(func.max(AuditEntry.id))) or 0
    nc, js = await events.connect(spec, "scf-events-status")
    try:
        info = await js.stream_info(spec.stream)
        out: dict[str, Any] = {
            "audit_log_newest": newest,
            "stream": spec.stream,
            "messages": info.state.messages,
            "relayed_up_to": await events.last_relayed(js, spec),
            "consumers": {},
        }
        for name in events.CONSUMERS:
            try:
                c = await js.consumer_info(spec.stream, spec.durable(name))
            except NotFoundError:
                continue
            out["consumers"][name] = {"pending": c.num_pending, "unacknowledged": c.num_ack_pending}
        return out
    finally:
        await nc.close()
