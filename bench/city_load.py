"""The city day's mix as Locust users, spread over the API instances; prints its stats as JSON.

Run in a process of its own (Locust patches the standard library with gevent on import):
    python -m bench.city_load --hosts URL,URL --users N --seconds S --accounts FILE
The accounts file (JSON) names the users to log in as and the organizations a filing names.
The mix weighs each operation by how often a city day does it: public registry searches and
page views most, logins, regulator dashboards, and registry filings as the writes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import secrets
from typing import Any

from locust import HttpUser, between, events, task
from locust.env import Environment

ACCOUNTS: dict[str, Any] = {}
HOSTS: list[str] = []
_host = itertools.count()


class CityUser(HttpUser):
    """One participant of the city: it logs in once, then does the day's mix."""

    wait_time = between(0.05, 0.2)
    host = "http://127.0.0.1"

    def on_start(self) -> None:
        self.client.base_url = HOSTS[next(_host) % len(HOSTS)]
        self.token = self._login("bank")
        self.regulator = self._login("regulator")

    def _login(self, who: str) -> str:
        r = self.client.post(
            "/api/v1/auth/login",
            json={"username": ACCOUNTS["users"][who], "password": ACCOUNTS["password"]},
            name="login",
        )
        return str(r.json().get("token", "")) if r.ok else ""

    @task(1)
    def login(self) -> None:
        self._login("bank")

    @task(8)
    def lightest_read(self) -> None:
        self.client.get("/healthz", name="healthz")

    @task(10)
    def registry_search(self) -> None:
        self.client.get(
            "/api/v1/registry/search",
            params={"grantor_uscc": ACCOUNTS["supplier_uscc"]},
            name="registry search",
        )

    @task(2)
    def regulator_dashboard(self) -> None:
        self.client.get(
            "/api/v1/supervision/indicators",
            headers={"Authorization": f"Bearer {self.regulator}"},
            name="regulator indicators",
        )

    @task(3)
    def registry_filing(self) -> None:
        self.client.post(
            "/api/v1/registry/registrations",
            json={
                "kind": "pledge",
                "grantor_org_ids": [ACCOUNTS["supplier"]],
                "secured_party_org_id": ACCOUNTS["bank"],
                "collateral": [{"kind": "receivable", "identifier": secrets.token_hex(32)}],
                "period_months": 12,
                "amount": {"amount": f"{random.randint(1, 999)}000.00", "currency": "CNY"},
            },
            headers={"Authorization": f"Bearer {self.token}"},
            name="registry filing",
        )


def stats_of(env: Environment, seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for (name, _method), s in sorted(env.stats.entries.items()):
        out[name] = {
            "requests": s.num_requests,
            "failures": s.num_failures,
            "rps": s.num_requests / seconds if seconds else 0.0,
            "p50_ms": s.get_response_time_percentile(0.5),
            "p95_ms": s.get_response_time_percentile(0.95),
            "p99_ms": s.get_response_time_percentile(0.99),
        }
    total = env.stats.total
    out["_total"] = {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.num_requests / seconds if seconds else 0.0,
        "p99_ms": total.get_response_time_percentile(0.99),
    }
    return out


def main() -> None:
    import gevent

    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", required=True)
    ap.add_argument("--users", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--accounts", required=True)
    ap.add_argument("--warmup", type=float, default=30.0, help="seconds for every user to log in")
    args = ap.parse_args()
    HOSTS.extend(args.hosts.split(","))
    with open(args.accounts, encoding="utf-8") as fh:
        ACCOUNTS.update(json.load(fh))
    env = Environment(user_classes=[CityUser], events=events)
    runner = env.create_local_runner()
    runner.start(args.users, spawn_rate=args.users)
    # Logins hash a password (argon2id, slow on purpose): every user logs in first, then the
    # figures count the day's mix from a clean start.
    gevent.sleep(args.warmup)
    env.stats.reset_all()
    gevent.sleep(args.seconds)
    runner.quit()
    print(json.dumps(stats_of(env, args.seconds)))


if __name__ == "__main__":
    main()
