"""The running platform: settings, engine, clock and calendar, built once per process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from scf.config import Settings, get_settings
from scf.core.actor import Actor
from scf.core.calendar import ChinaCalendar
from scf.core.clock import Clock, SystemClock
from scf.core.db import make_engine, make_session_factory
from scf.core.uow import UnitOfWork


@dataclass
class Platform:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    calendar: ChinaCalendar

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

    def uow(self, actor: Actor | None = None) -> UnitOfWork:
        return UnitOfWork(
            self.session_factory,
            self.clock,
            actor,
            settings=self.settings,
            calendar=self.calendar,
        )

    def dispose(self) -> None:
        self.engine.dispose()
