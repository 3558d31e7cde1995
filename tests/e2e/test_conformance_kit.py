"""The conformance kit: `scf conformance check` finds planted violations by their JSON path,
and `scf conformance probe` checks a live implementation (this platform over HTTP, and a
planted non-conforming one) against the published shapes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from scf.standards import cli
from tests.e2e.test_standards_api import STD, financed
from tests.factories import World, token
from tests.live import serve


def run(*args: str) -> Any:
    return CliRunner().invoke(cli.app, list(args))


def test_check_finds_planted_violations(client: TestClient, world: World, tmp_path: Path) -> None:
    app, h = financed(client, world)
    good = client.get(f"{STD}/documents/evidence-package/{app['id']}", headers=h["bank"]).json()
    (tmp_path / "good.json").write_text(json.dumps(good), encoding="utf-8")
    r = run("check", str(tmp_path / "good.json"))
    assert r.exit_code == 0, r.output
    assert "SCF-1 1.0 evidence-package: ok" in r.output
    bad = copy.deepcopy(good)
    bad["version"] = "1.0"
    bad["financing"]["amount"]["currency"] = "cny"
    bad["checks"][0]["result"] = "maybe"
    del bad["asset"]["id"]
    notice = {"standard": "SCF-2", "version": "1.0", "document_type": "registration-notice"}
    (tmp_path / "bad.json").write_text(json.dumps([bad, notice]), encoding="utf-8")
    r = run("check", str(tmp_path / "good.json"), str(tmp_path / "bad.json"))
    assert r.exit_code == 1, r.output
    for path in ("$.financing.amount.currency", "$.checks[0].result", "$.asset.id"):
        assert f"  {path}: " in r.output, r.output
    r = run("check", "--json", str(tmp_path / "bad.json"))
    assert r.exit_code == 1
    out = json.loads(r.output)["documents"]
    assert [d["file"] for d in out] == [
        f"{tmp_path / 'bad.json'}[0]",
        f"{tmp_path / 'bad.json'}[1]",
    ]
    assert {v["path"] for v in out[0]["violations"]} == {
        "$.financing.amount.currency",
        "$.checks[0].result",
        "$.asset.id",
    }
    assert {v["path"] for v in out[1]["violations"]} >= {"$.registration", "$.log"}
    # unreadable input: one line, exit code 2, nothing checked
    (tmp_path / "junk.json").write_text("{not json", encoding="utf-8")
    for f in ("junk.json", "missing.json"):
        r = run("check", str(tmp_path / "good.json"), str(tmp_path / f))
        assert r.exit_code == 2, r.output
        assert "ok" not in r.output


def test_probe_passes_this_platform_over_http(
    app: FastAPI, client: TestClient, world: World
) -> None:
    financed(client, world)
    bank_token = token(client, "bank")
    with serve(app) as url:
        r = run("probe", f"{url}/api/v1", "--token", bank_token, "--json")
        assert r.exit_code == 0, r.output
        report = json.loads(r.output)
        assert report["ok"] and len(report["documents"]) >= 2
        assert {d["claimed"] for d in report["documents"]} >= {"SCF-1 1.0", "SCF-2 1.0"}
        # without a token the index lists nothing private: nothing checked is not a pass
        r = run("probe", f"{url}/api/v1")
        assert r.exit_code == 1 and "lists no documents" in r.output, r.output


def planted(good: dict[str, Any]) -> FastAPI:
    """An implementation that gets things wrong: a float amount, a document listed under the
    wrong standard, and an endpoint that fails."""
    bad = copy.deepcopy(good)
    bad["financing"]["amount"]["amount"] = 1.5
    api = FastAPI()

    @api.get("/v1/standards")
    def index() -> dict[str, Any]:
        return {
            "implementation": {"name": "planted"},
            "standards": [
                {"id": "SCF-1", "version": "1.0", "documents": ["/v1/docs/good", "/v1/docs/bad"]},
                {"id": "SCF-3", "version": "1.0", "documents": ["/v1/docs/good", "/v1/docs/gone"]},
            ],
        }

    @api.get("/v1/docs/good")
    def good_doc() -> dict[str, Any]:
        return good

    @api.get("/v1/docs/bad")
    def bad_doc() -> dict[str, Any]:
        return bad

    return api


def test_probe_finds_what_a_planted_implementation_gets_wrong(
    client: TestClient, world: World
) -> None:
    app, h = financed(client, world)
    good = client.get(f"{STD}/documents/evidence-package/{app['id']}", headers=h["bank"]).json()
    with serve(planted(good)) as url:
        r = run("probe", f"{url}/v1", "--json")
    assert r.exit_code == 1, r.output
    docs = {
        (d["url"].rsplit("/", 1)[1], d["claimed"]): d for d in json.loads(r.output)["documents"]
    }
    assert docs[("good", "SCF-1 1.0")]["ok"]
    bad = docs[("bad", "SCF-1 1.0")]["verdict"]["violations"]
    assert [v["path"] for v in bad] == ["$.financing.amount.amount"]
    assert "says it is SCF-1 1.0" in docs[("good", "SCF-3 1.0")]["error"]
    assert docs[("gone", "SCF-3 1.0")]["status"] == 404
    # an index that is not one
    broken = FastAPI()
    broken.get("/standards")(lambda: {"standards": [{"id": "X"}]})
    with serve(broken) as url:
        r = run("probe", url, "--json")
    assert r.exit_code == 1
    paths = {v["path"] for v in json.loads(r.output)["index_violations"]}
    assert paths >= {"$", "$.standards[0].id"}, r.output
    # nothing listening: exit code 2
    r = run("probe", "http://127.0.0.1:9/api/v1")
    assert r.exit_code == 2 and "cannot be fetched" in r.output
    assert run("probe", "ftp://example.org").exit_code == 2
