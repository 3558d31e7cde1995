"""The running platform: settings, engine, clock and calendar, built once per process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from scf.config import Settings, get_settings
from scf.core.actor import Actor
from scf.core.calendar import ChinaCalendar
from scf.core.clock import Clock, SystemClock
from scf.core.db import READS_FIRST, make_engine, make_session_factory
from scf.core.uow import UnitOfWork

T = TypeVar("T")


@dataclass
class Platform:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    calendar: ChinaCalendar
    # Long-lived helpers a room runs per process (the registry's sequencer thread), made on
    # first use and closed (their `close()`) by `dispose`, newest first.
    extensions: dict[str, Any] = field(default_factory=dict)
    _extensions_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _reader: Engine | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls,
        settings: Settings | None = None,
        *,
        clock: Clock | None = None,
        engine: Engine | None = None,
        **engine_kwargs: Any,
    ) -> Platform:
        settings = settings or get_settings()
        engine = engine or make_engine(settings.database_url, **engine_kwargs)
        return cls(
            settings=settings,
            engine=engine,
            session_factory=make_session_factory(engine),
            clock=clock or SystemClock(),
            calendar=ChinaCalendar.default(settings.calendar_dir),
        )

    def uow(self, actor: Actor | None = None, *, reading: bool = False) -> UnitOfWork:
        """A unit of work; `reading` for one that expects to read (GET requests, exports):
        on SQLite it takes the write lock only if and when it writes."""
        return UnitOfWork(
            self.session_factory,
            self.clock,
            actor,
            settings=self.settings,
            calendar=self.calendar,
            bind=self.reader if reading else None,
        )

    @property
    def reader(self) -> Engine:
        """The engine with READS_FIRST set (one pool with `engine`)."""
        with self._extensions_lock:
            if self._reader is None:
                self._reader = self.engine.execution_options(**{READS_FIRST: True})
            return self._reader

    def extension(self, name: str, make: Callable[[Platform], T]) -> T:
        """The helper kept under `name`, made once by `make(self)` on first use."""
        with self._extensions_lock:
            if name not in self.extensions:
                self.extensions[name] = make(self)
            made: T = self.extensions[name]
            return made

    def dispose(self) -> None:
        with self._extensions_lock:
            helpers = list(self.extensions.values())[::-1]
            self.extensions.clear()
        for helper in helpers:
            close = getattr(helper, "close", None)
            if callable(close):
                close()
        self.engine.dispose()
