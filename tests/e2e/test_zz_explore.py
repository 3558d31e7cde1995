from __future__ import annotations
from typing import Any
from fastapi.testclient import TestClient
from tests.factories import World, use_registry_key

VALUES = ["\x00", "a\x00b", "9" * 400, "-1", "1e6", "9999-12-31", "0001-01-01", "\ud800", "x" * 5000, "%", "' OR 1=1"]

def test_explore(client: TestClient, world: World) -> None:
    use_registry_key(world.platform)
    spec = client.get("/openapi.json").json()
    roles = ["operator", "regulator", "bank", "supplier", "core_enterprise"]
    tokens = {r: world.headers(client, r) for r in roles}
    bad = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            params = [p for p in op.get("parameters", []) if p["in"] in ("query", "path")]
            if not params:
                continue
            for v in VALUES:
                url = path
                q = {}
                for p in params:
                    if p["in"] == "path":
                        url = url.replace("{" + p["name"] + "}", __import__("urllib.parse").parse.quote(v.encode("utf-8", "surrogatepass"), safe=""))
                    else:
                        q[p["name"]] = v
                for role in roles:
                    try:
                        r = client.request(method.upper(), url, params={k: val.encode("utf-8", "surrogatepass") for k, val in q.items()}, headers=tokens[role], json={} if method == "post" else None)
                    except Exception as e:
                        bad.append((method, path, repr(v)[:20], role, "EXC " + repr(e)[:200]))
                        continue
                    if r.status_code >= 500:
                        bad.append((method, path, repr(v)[:20], role, r.status_code))
    for b in sorted(set((m, p, v, str(s)[:120]) for m, p, v, _, s in bad)):
        print("BAD", b)
    assert not bad
