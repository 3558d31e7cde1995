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


def test_calendar_years_lists_each_years_source(fresh_sqlite: str, tmp_path: Path) -> None:
    from scf.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["calendar", "years", "--json", "--until", "2030"])
    assert result.exit_code == 0, result.output
    sources = {r["year"]: r["source"] for r in json.loads(result.stdout)}
    assert sources[2004] == sources[2026] == "official-shipped"
    assert sources[2027] == sources[2030] == "provisional"
    notice = tmp_path / "notice-2027.json"
    notice.write_text(
        json.dumps(
            {"year": 2027, "source": "国务院办公厅通知（测试）", "holidays": {"2027-01-01": "元旦"}}
        ),
        encoding="utf-8",
    )
    loaded = runner.invoke(app, ["calendar", "load", str(notice)])
    assert loaded.exit_code == 0, loaded.output
    assert "replaces the provisional schedule" in loaded.stdout
    assert "no stored dates yet" in loaded.stdout
    assert (tmp_path / "calendar" / "2027.json").exists()
    again = json.loads(runner.invoke(app, ["calendar", "years", "--json"]).stdout)
    assert {r["year"]: r["source"] for r in again}[2027] == "official-loaded"
    text = runner.invoke(app, ["calendar", "years", "--until", "2030"]).stdout
    assert "2004-2026  official-shipped" in text
    assert "2027       official-loaded   国务院办公厅通知（测试）" in text
    assert "2028-2030  provisional" in text


def test_calendar_load_refuses_a_bad_file_naming_each_line(
    fresh_sqlite: str, tmp_path: Path
) -> None:
    from scf.cli import app

    bad = tmp_path / "2027.json"
    bad.write_text(
        '{\n  "year": 2027,\n  "holidays": {\n    "2027-02-30": "春节",\n'
        '    "2026-10-01": "国庆节"\n  },\n  "workdays": {"2027-02-08": "春节"}\n}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["calendar", "load", str(bad)])
    assert result.exit_code == 2
    assert "holidays (line 4): '2027-02-30' is not a date" in result.stderr
    assert "holidays (line 5): 2026-10-01 is not in 2027" in result.stderr
    assert "workdays (line 7): 2027-02-08 is a weekday" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "calendar" / "2027.json").exists()


def test_calendar_show_a_provisional_year(fresh_sqlite: str) -> None:
    from scf.cli import app

    result = CliRunner().invoke(app, ["calendar", "show", "2030", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["source"] == "provisional" and out["workdays"] == []
    assert {"date": "2030-02-03", "name": "春节", "name_en": "Spring Festival"} in out["holidays"]


def test_calendar_load_rolls_the_stored_dates_again(
    fresh_sqlite: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, date, datetime

    from scf.certificates import service as certificates
    from scf.cli import app
    from scf.core.clock import FixedClock
    from scf.core.money import Money
    from scf.supervision import service as supervision
    from tests.e2e.test_calendar_reload_api import schedule_text
    from tests.factories import World, confirmed_receivable

    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    clock = FixedClock(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))

    def platform() -> Platform:
        return Platform.create(get_settings(), clock=clock)

    p = platform()
    world = World.build(p)
    core, sup = world.orgs["core_enterprise"], world.orgs["supplier"]
    rec = confirmed_receivable(p, sup, core, amount="500000.00", due_in_days=100)
    with world.uow("bank") as uow:
        line = certificates.grant_line(uow, core, Money(100_000_000, "CNY"), date(2027, 11, 30))
    with world.uow("core_enterprise") as uow:
        cert = certificates.issue_certificate(
            uow,
            line_id=line.id,
            supplier_org_id=sup,
            receivable_ids=[rec],
            face=Money(10_000_000, "CNY"),
            maturity_on=date(2027, 2, 20),
        )
        assert (cert.maturity_on, cert.maturity_provisional) == (date(2027, 2, 22), True)
    p.dispose()
    monkeypatch.setattr("scf.cli_calendar.create_platform", platform)
    notice = tmp_path / "notice-2027.json"
    notice.write_text(schedule_text(), encoding="utf-8")
    loaded = runner.invoke(app, ["calendar", "load", str(notice)])
    assert loaded.exit_code == 0, loaded.output
    assert "stored dates: 1 changed, 0 kept by their terms" in loaded.stdout
    assert f"certificate {cert.id} maturity_on 2027-02-22 -> 2027-02-20" in loaded.stdout
    assert (tmp_path / "calendar" / "2027.json").read_text(encoding="utf-8") == schedule_text()
    p = platform()
    with world.uow("supplier") as uow:
        got = certificates.get_certificate(uow, cert.id)
        assert (got.maturity_on, got.maturity_provisional) == (date(2027, 2, 20), False)
    with p.uow(world.actors["regulator"]) as uow:
        (alert,) = supervision.calendar_loads(uow)
        assert alert["year"] == 2027 and [d["record_id"] for d in alert["dates"]] == [cert.id]
    p.dispose()
