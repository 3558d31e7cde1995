"""A 500 closes nothing but its own request: the same keep-alive connection answers the next."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from scf.platform import Platform
from tests.live import serve


@pytest.fixture
def live(platform: Platform) -> Iterator[str]:
    """The application, with one route that fails unexpectedly, behind a real uvicorn."""
    from scf.api import create_app

    app: FastAPI = create_app(platform)

    def boom() -> dict[str, Any]:
        raise RuntimeError("an unexpected failure")

    app.add_api_route("/api/v1/test-boom", boom, methods=["GET"])
    with serve(app, log_level="critical", lifespan="off") as url:
        yield url


def test_a_500_leaves_the_keep_alive_connection_open(live: str) -> None:
    with httpx.Client(base_url=live, timeout=5) as client:
        first = client.get("/api/v1/test-boom")
        assert first.status_code == 500
        assert first.headers["content-type"].startswith("application/problem+json")
        body = first.json()
        assert body["code"] == "internal_error"
        assert body["request_id"] == first.headers["x-request-id"]
        assert "unexpected failure" not in first.text  # no internals leak to the caller
        assert first.headers.get("connection", "").lower() != "close"
        stream = first.extensions["network_stream"]

        second = client.get("/healthz")
        assert second.status_code == 200
        assert second.json()["status"] == "ok"
        # The same connection answered: httpx reused the pooled stream.
        assert second.extensions["network_stream"] is stream

        third = client.get("/api/v1/test-boom")
        assert third.status_code == 500
        assert client.get("/healthz").extensions["network_stream"] is stream
