"""The foundation's command line and readiness: migrate, refuse an unmigrated database, onboard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from scf.config import Settings, get_settings
from scf.core.db import make_engine
from scf.parties.model import make_uscc
from scf.platform import Platform
from tests.conftest import TEST_SECRET


@pytest.fixture
def fresh_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("SCF_DATABASE_URL", url)
    monkeypatch.setenv("SCF_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("SCF_CALENDAR_DIR", str(tmp_path / "calendar"))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_serve_refuses_an_unmigrated_database(fresh_sqlite: str) -> None:
    from scf.cli import app

    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 1
    assert "scf db upgrade" in " ".join(result.output.split())


def test_readyz_says_how_to_fix_an_unmigrated_database(fresh_sqlite: str) -> None:
    from scf.api import create_app

    platform = Platform.create(Settings(database_url=fresh_sqlite, secret_key=TEST_SECRET))
    with TestClient(create_app(platform)) as client:
        r = client.get("/readyz")
        assert r.status_code == 503
        assert r.json()["code"] == "database_not_migrated"
        assert "scf db upgrade" in r.json()["detail"]
        assert client.get("/healthz").status_code == 200
        assert client.get("/docs").status_code == 200
        assert "/api/v1/organizations" in client.get("/openapi.json").json()["paths"]
    platform.dispose()


def test_upgrade_then_org_and_user_add(fresh_sqlite: str) -> None:
    from scf.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    uscc = make_uscc("91440300777000001")
    result = runner.invoke(
        app,
        ["org", "add", uscc, "命令行测试有限公司", "--district", "nanshan", "--role", "supplier"],
    )
    assert result.exit_code == 0, result.output
    org = json.loads(result.stdout.strip().splitlines()[-1])
    assert org["uscc"] == uscc
    bad = runner.invoke(
        app,
        [
            "org",
            "add",
            "91440300777000001X",
            "坏代码",
            "--district",
            "nanshan",
            "--role",
            "supplier",
        ],
    )
    assert bad.exit_code == 2
    assert "uscc" in bad.output
    user = runner.invoke(app, ["user", "add", org["id"], "clerk", "--password", "a-long-password"])
    assert user.exit_code == 0, user.output
    assert json.loads(user.stdout.strip().splitlines()[-1])["username"] == "clerk"


def test_calendar_years_lists_known_years(fresh_sqlite: str) -> None:
    from scf.cli import app

    result = CliRunner().invoke(app, ["calendar", "years"])
    assert result.exit_code == 0
    years = json.loads(result.stdout)
    assert 2024 in years and 2025 in years
