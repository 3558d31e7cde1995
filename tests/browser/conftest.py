"""One uvicorn server on a seeded SQLite database and one Debian chromium for the session."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scf.config import Settings
from scf.core.clock import FixedClock
from scf.core.migrate import upgrade
from scf.platform import Platform
from scf.web.sample import Sample, load_more_roles, load_sample, run_maturity
from tests.conftest import TEST_SECRET
from tests.factories import use_registry_key

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Site:
    def __init__(self, url: str, sample: Sample) -> None:
        self.url = url
        self.sample = sample


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    import uvicorn

    from scf.api import create_app

    tmp = tmp_path_factory.mktemp("browser")
    settings = Settings(
        database_url=f"sqlite:///{tmp / 'scf.db'}",
        secret_key=TEST_SECRET,
        calendar_dir=tmp / "calendar",
        log_json=False,
    )
    clock = FixedClock(datetime(2025, 3, 3, 2, 0, tzinfo=UTC))
    platform = Platform.create(settings, clock=clock)
    upgrade(platform.engine)
    use_registry_key(platform)
    sample = load_sample(platform)
    load_more_roles(platform, sample)
    clock.advance(timedelta(days=25))
    run_maturity(platform)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(platform), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)  # waiting for the server to bind, not for the code under test
    assert server.started, "uvicorn did not start"
    try:
        yield Site(f"http://127.0.0.1:{port}", sample)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        platform.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("install Debian's chromium: apt-get install -y chromium fonts-wqy-microhei")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def shot(page: Any, name: str, docs: bool = False) -> None:
    """Save a screenshot as a test artifact, and into docs/screenshots for the main pages."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs:
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SHOTS / f"{name}.png")
