"""Loading a year's official schedule rolls the stored provisional dates again and raises one
alert listing each date that changed or was kept; a bad file is refused whole."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scf.certificates import service as certificates
from scf.core.calendar import Source
from scf.core.clock import FixedClock
from scf.core.money import Money
from scf.platform import Platform
from scf.supervision import calendar as calendar_room
from tests.e2e.test_calendar_far_dates_api import disbursed_factoring
from tests.e2e.test_financing_api import API as FINANCING
from tests.e2e.test_financing_api import money, ok, setup
from tests.factories import PASSWORD, World, confirmed_receivable

API = "/api/v1"

# A 2027 schedule written for these tests (not the State Council's notice): the Spring
# Festival runs 5-13 February, Sunday 14 and Saturday 20 February are worked in exchange.
SCHEDULE_2027 = {
    "year": 2027,
    "source": "2027 schedule for the tests",
    "holidays": {
        "2027-01-01": "元旦",
        **{f"2027-02-{d:02d}": "春节" for d in range(5, 14)},
        **{f"2027-10-{d:02d}": "国庆节" for d in range(1, 8)},
    },
    "workdays": {"2027-02-14": "春节", "2027-02-20": "春节"},
}


def schedule_text(raw: dict[str, Any] = SCHEDULE_2027) -> str:
    return json.dumps(raw, ensure_ascii=False, indent=2)


def _issue(client: TestClient, h: dict[str, Any], line: str, sup: str, rec: str, on: str) -> Any:
    body = {
        "line_id": line,
        "supplier_org_id": sup,
        "receivable_ids": [rec],
        "face": money("100000.00"),
        "maturity_on": on,
    }
    return ok(client.post(f"{API}/certificates", headers=h["core_enterprise"], json=body), 201)


def _stored_dates(client: TestClient, world: World) -> dict[str, Any]:
    """Three certificates, a disbursed factoring and a programme, all rolled on 2027 rules."""
    p = world.platform
    h = setup(client, world)
    core, sup = world.orgs["core_enterprise"], world.orgs["supplier"]
    rec = confirmed_receivable(p, sup, core, amount="900000.00", due_in_days=150)
    line = ok(
        client.post(
            f"{API}/credit-lines",
            headers=h["bank"],
            json={"core_org_id": core, "limit": money("1000000.00"), "expires_on": "2027-11-30"},
        ),
        201,
    )["id"]
    certs = {on: _issue(client, h, line, sup, rec, on) for on in ("2027-02-20", "2027-02-06")}
    certs["2027-03-15"] = _issue(client, h, line, sup, rec, "2027-03-15")
    # due Saturday 20 February 2027: Monday 22 February on the provisional calendar
    app = disbursed_factoring(client, world, h, 80)
    program = ok(
        client.post(
            f"{FINANCING}/discount-programs",
            headers=h["core_enterprise"],
            json={"cash": money("50000.00"), "hurdle_rate": "0.05", "pay_on": "2027-02-20"},
        ),
        201,
    )
    return {"h": h, "certs": certs, "app": app, "program": program}


def test_loading_2027_rolls_the_stored_dates_again_and_raises_one_alert(
    client: TestClient, world: World, clock: FixedClock, platform: Platform
) -> None:
    clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    s = _stored_dates(client, world)
    h, certs, app, program = s["h"], s["certs"], s["app"], s["program"]
    a, b, c = certs["2027-02-20"], certs["2027-02-06"], certs["2027-03-15"]
    assert (a["maturity_on"], a["maturity_requested_on"]) == ("2027-02-22", "2027-02-20")
    assert (b["maturity_on"], c["maturity_on"]) == ("2027-02-11", "2027-03-15")
    assert a["maturity_provisional"] and b["maturity_provisional"] and c["maturity_provisional"]
    assert app["status"] == "disbursed" and app["due_on"] == "2027-02-22"
    assert app["due_provisional"] and app["due_requested_on"] == "2027-02-20"
    assert program["pay_on"] == "2027-02-22" and program["pay_provisional"]
    upcoming = ok(
        client.get(
            f"{API}/certificate-settlements/upcoming?within_days=366", headers=h["core_enterprise"]
        )
    )
    assert {u["certificate_id"]: u["maturity_provisional"] for u in upcoming} == {
        a["id"]: True,
        b["id"]: True,
        c["id"]: True,
    }

    # By 12 February certificate b (11 February) has matured: its date is kept.
    clock.set(datetime(2027, 2, 12, 2, 0, tzinfo=UTC))
    h = {role: world.headers(client, role) for role in h}  # the tokens of December expired
    loaded = ok(
        client.post(
            f"{API}/calendar/files?name=2027.json",
            headers={**h["operator"], "Content-Type": "application/json"},
            content=schedule_text().encode("utf-8"),
        ),
        201,
    )
    assert loaded["year"] == 2027 and loaded["replaced"] == "provisional"
    got = {(d["record_id"], d["field"]): d for d in loaded["dates"]}
    assert set(got) == {
        (a["id"], "maturity_on"),
        (b["id"], "maturity_on"),
        (app["id"], "due_on"),
        (program["id"], "pay_on"),
    }
    moved_a = got[(a["id"], "maturity_on")]
    assert (moved_a["before"], moved_a["after"], moved_a["applied"]) == (
        "2027-02-22",
        "2027-02-20",
        True,
    )
    kept_b = got[(b["id"], "maturity_on")]
    assert (kept_b["before"], kept_b["after"]) == ("2027-02-11", "2027-02-14")
    assert not kept_b["applied"] and kept_b["reason"] == "it has matured"
    assert got[(app["id"], "due_on")]["after"] == "2027-02-20"
    assert got[(program["id"], "pay_on")]["applied"]
    assert loaded["changed"] == 3 and loaded["kept"] == 1

    # the stored dates: moved where the terms allow, and no longer provisional
    def cert(x: dict[str, Any]) -> Any:
        return ok(client.get(f"{API}/certificates/{x['id']}", headers=h["supplier"]))

    assert (cert(a)["maturity_on"], cert(a)["maturity_provisional"]) == ("2027-02-20", False)
    assert (cert(b)["maturity_on"], cert(b)["maturity_provisional"]) == ("2027-02-11", False)
    assert (cert(c)["maturity_on"], cert(c)["maturity_provisional"]) == ("2027-03-15", False)
    fin = ok(client.get(f"{FINANCING}/applications/{app['id']}", headers=h["supplier"]))
    assert (fin["due_on"], fin["due_provisional"]) == ("2027-02-20", False)
    prog = ok(
        client.get(f"{FINANCING}/discount-programs/{program['id']}", headers=h["core_enterprise"])
    )
    assert (prog["pay_on"], prog["pay_provisional"]) == ("2027-02-20", False)
    assert platform.calendar.source(2027) is Source.OFFICIAL_LOADED
    assert (platform.settings.calendar_dir / "2027.json").read_text(encoding="utf-8") == (
        schedule_text()
    )

    # one alert for the load, listing each date, for the operator and the regulator
    for role in ("operator", "regulator"):
        alerts = ok(client.get(f"{API}/calendar/alerts", headers=h[role]))
        assert [x["id"] for x in alerts] == [loaded["id"]]
        assert len(alerts[0]["dates"]) == 4
    inbox = ok(client.get(f"{API}/supervision/alerts", headers=h["regulator"]))
    items = inbox["items"] if isinstance(inbox, dict) else inbox
    mine = [x for x in items if x["source"] == "calendar"]
    assert len(mine) == 1 and mine[0]["kind"] == "calendar_dates_rolled"
    for ident in (a["id"], b["id"], app["id"], program["id"]):
        assert ident in mine[0]["summary"]
    assert "kept: it has matured" in mine[0]["summary"]
    assert client.get(f"{API}/calendar/alerts", headers=h["supplier"]).status_code == 403

    # loading again raises a second alert; nothing is left to move
    again = ok(
        client.post(
            f"{API}/calendar/files",
            headers=h["operator"],
            content=schedule_text().encode("utf-8"),
        ),
        201,
    )
    assert again["replaced"] == "official-loaded" and again["changed"] == 0
    assert len(ok(client.get(f"{API}/calendar/alerts", headers=h["operator"]))) == 2


def _page(client: TestClient, username: str, path: str) -> str:
    client.cookies.clear()
    html = client.get("/login").text
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf": m.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client.get(path).text


def test_the_pages_mark_provisional_dates_in_both_languages(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    s = _stored_dates(client, world)
    a = s["certs"]["2027-02-20"]
    core = _page(client, "core_enterprise", "/core")
    row = next(r for r in core.split("<tr>") if a["id"] in r and "2027-02-22" in r)
    assert 'class="provisional"' in row and "暂定" in row
    assert "2027-02-20" in row  # the date asked for, in the hint
    assert "官方节假日安排" in row
    sme = _page(client, "supplier", "/sme")
    app = next(x for x in sme.split("<article") if s["app"]["id"] in x)
    assert "2027-02-22" in app and 'class="provisional"' in app and "暂定" in app
    client.cookies.set("scf_lang", "en")
    english = client.get("/sme").text
    app = next(x for x in english.split("<article") if s["app"]["id"] in x)
    assert ">provisional</abbr>" in app and "official holiday schedule" in app
    assert "Date asked for: 2027-02-20." in app


BAD_FILES = {
    "malformed date": (
        '{\n  "year": 2027,\n  "holidays": {\n    "2027-01-01": "元旦",\n'
        '    "2027-02-30": "春节"\n  }\n}\n',
        [{"field": "holidays", "line": 5, "reason": "'2027-02-30' is not a date (YYYY-MM-DD)"}],
    ),
    "year not matching its dates": (
        '{\n  "year": 2027,\n  "holidays": {\n    "2027-01-01": "元旦",\n'
        '    "2028-01-01": "元旦"\n  }\n}\n',
        [
            {
                "field": "holidays",
                "line": 5,
                "reason": "2028-01-01 is not in 2027, the year of this file",
            }
        ],
    ),
    "working day listed as a holiday too": (
        '{\n  "year": 2027,\n  "holidays": {\n    "2027-02-13": "春节"\n  },\n'
        '  "workdays": {\n    "2027-02-13": "春节"\n  }\n}\n',
        [
            {
                "field": "workdays",
                "line": 7,
                "reason": "2027-02-13 is listed both as a holiday (line 4) and as a working day",
            }
        ],
    ),
}


def test_a_bad_calendar_file_is_refused_with_its_line_and_nothing_is_loaded(
    client: TestClient, world: World, clock: FixedClock, platform: Platform
) -> None:
    clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    h = setup(client, world)
    a = _issue_one(client, world, h)
    for name, (text, errors) in BAD_FILES.items():
        r = client.post(f"{API}/calendar/files", headers=h["operator"], content=text.encode())
        assert r.status_code == 422, (name, r.text)
        assert r.json()["errors"] == errors, name
        assert "the calendar file was refused" in r.json()["detail"]
    r = client.post(f"{API}/calendar/files", headers=h["operator"], content=b"\xff\xfe{}")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    assert client.post(f"{API}/calendar/files", headers=h["operator"]).status_code == 422
    # nothing loaded: the year stays provisional, no file, no alert, the date unmoved
    assert platform.calendar.source(2027) is Source.PROVISIONAL
    assert not (platform.settings.calendar_dir / "2027.json").exists()
    assert ok(client.get(f"{API}/calendar/alerts", headers=h["operator"])) == []
    got = ok(client.get(f"{API}/certificates/{a['id']}", headers=h["supplier"]))
    assert (got["maturity_on"], got["maturity_provisional"]) == ("2027-02-22", True)


def _issue_one(client: TestClient, world: World, h: dict[str, Any]) -> Any:
    core, sup = world.orgs["core_enterprise"], world.orgs["supplier"]
    rec = confirmed_receivable(world.platform, sup, core, amount="500000.00", due_in_days=100)
    line = ok(
        client.post(
            f"{API}/credit-lines",
            headers=h["bank"],
            json={"core_org_id": core, "limit": money("1000000.00"), "expires_on": "2027-11-30"},
        ),
        201,
    )["id"]
    return _issue(client, h, line, sup, rec, "2027-02-20")


def test_a_load_that_fails_to_install_changes_nothing(
    client: TestClient,
    world: World,
    clock: FixedClock,
    platform: Platform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    h = setup(client, world)
    a = _issue_one(client, world, h)

    def disk_full(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(calendar_room, "install_schedule_file", disk_full)
    file = schedule_text().encode()
    r = client.post(f"{API}/calendar/files", headers=h["operator"], content=file)
    assert r.status_code == 409 and r.json()["code"] == "calendar_not_installed", r.text
    assert "No space left on device" in r.json()["detail"]
    assert platform.calendar.source(2027) is Source.PROVISIONAL
    monkeypatch.undo()
    got = ok(client.get(f"{API}/certificates/{a['id']}", headers=h["supplier"]))
    assert (got["maturity_on"], got["maturity_provisional"]) == ("2027-02-22", True)
    assert ok(client.get(f"{API}/calendar/alerts", headers=h["operator"])) == []
    # the same file loaded again does it all
    loaded = ok(
        client.post(f"{API}/calendar/files", headers=h["operator"], content=file),
        201,
    )
    assert [d["record_id"] for d in loaded["dates"]] == [a["id"]]
    got = ok(client.get(f"{API}/certificates/{a['id']}", headers=h["supplier"]))
    assert (got["maturity_on"], got["maturity_provisional"]) == ("2027-02-20", False)


def test_a_date_rolled_on_the_old_calendar_while_loading_is_rolled_again(
    client: TestClient,
    world: World,
    clock: FixedClock,
    platform: Platform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if platform.engine.dialect.name == "sqlite":
        pytest.skip("SQLite lets one writer at a time: the race needs two at once")
    clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    h = setup(client, world)
    first = _issue_one(client, world, h)
    core, sup = world.orgs["core_enterprise"], world.orgs["supplier"]
    rec = confirmed_receivable(platform, sup, core, amount="500000.00", due_in_days=100)
    line = first["line_id"]
    real = calendar_room.install_schedule_file
    racing: list[Any] = []

    def issue_meanwhile(*args: Any) -> Any:
        # another command, on the running calendar where 2027 is still provisional
        with world.uow("core_enterprise") as uow:
            cert = certificates.issue_certificate(
                uow,
                line_id=line,
                supplier_org_id=sup,
                receivable_ids=[rec],
                face=Money(10_000_000, "CNY"),
                maturity_on=date(2027, 2, 20),
            )
            racing.append(
                {
                    "id": cert.id,
                    "maturity_on": cert.maturity_on.isoformat(),
                    "maturity_provisional": cert.maturity_provisional,
                }
            )
        return real(*args)

    monkeypatch.setattr(calendar_room, "install_schedule_file", issue_meanwhile)
    loaded = ok(
        client.post(
            f"{API}/calendar/files", headers=h["operator"], content=schedule_text().encode()
        ),
        201,
    )
    (late,) = racing
    assert late["maturity_on"] == "2027-02-22" and late["maturity_provisional"]
    assert [d["record_id"] for d in loaded["dates"]] == [first["id"], late["id"]]
    got = ok(client.get(f"{API}/certificates/{late['id']}", headers=h["supplier"]))
    assert (got["maturity_on"], got["maturity_provisional"]) == ("2027-02-20", False)
    (alert,) = ok(client.get(f"{API}/calendar/alerts", headers=h["operator"]))
    assert len(alert["dates"]) == 2
