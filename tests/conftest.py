"""Fixtures: every storage and API test runs on SQLite, and on PostgreSQL when configured.

Set SCF_TEST_DATABASE_URL (as .ci/run does) to add the PostgreSQL runs. Each test session
creates its own PostgreSQL database, so parallel sessions never see each other's rows.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from scf.config import Settings
from scf.core.actor import Actor
from scf.core.clock import FixedClock
from scf.core.db import Base, make_engine
from scf.core.migrate import upgrade
from scf.parties.security import use_cheap_hashing_for_tests
from scf.platform import Platform

use_cheap_hashing_for_tests()

PG_URL = os.environ.get("SCF_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]
TEST_SECRET = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def _pg_admin_url() -> str:
    assert PG_URL is not None
    return PG_URL


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    if not PG_URL:
        pytest.skip("SCF_TEST_DATABASE_URL is not set")
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"scf_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def empty_database(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """The URL of a migrated, empty database on `backend` (sqlite or postgresql)."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "scf.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    engine = create_engine(url)
    _truncate_all(engine)
    engine.dispose()
    return url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each backend."""
    return empty_database(request, request.param, tmp_path)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 3, 3, 2, 0, tzinfo=UTC))


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        secret_key=TEST_SECRET,
        calendar_dir=tmp_path / "calendar",
        log_json=False,
    )


@pytest.fixture
def platform(settings: Settings, clock: FixedClock) -> Iterator[Platform]:
    p = Platform.create(settings, clock=clock)
    try:
        yield p
    finally:
        p.dispose()


@pytest.fixture
def app(platform: Platform) -> Any:
    from scf.api import create_app

    return create_app(platform)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    """A client whose every API answer is checked against the OpenAPI document."""
    from tests.documented import DocumentedClient

    with DocumentedClient(app) as c:
        yield c


@pytest.fixture
def system() -> Actor:
    return Actor.system()


@pytest.fixture
def world(platform: Platform) -> Any:
    """A small populated platform: one organization and one user per role."""
    from tests.factories import World

    return World.build(platform)
