"""One uvicorn server on a seeded SQLite database and one Debian chromium for the session."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scf.config import Settings
from scf.core.clock import FixedClock
from scf.core.migrate import upgrade
from scf.platform import Platform
from scf.web.sample import Sample, load_more_roles, load_sample, run_maturity
from scf.web.sample_discounting import load_discounting
from scf.web.sample_parks import load_parks
from tests.conftest import TEST_SECRET
from tests.factories import use_registry_key
from tests.live import serve as serve_app

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
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

# After each page has loaded, axe-core checks it and hands its findings to the test through
# an exposed binding; the page is checked once more when the test ends.
# One axe run at a time per page: the run on load and the test's final check share a queue
# (axe-core refuses a second run while one is going).
AXE_ON_LOAD = """window.__axeRun = () => {
  window.__axeQueue = (window.__axeQueue || Promise.resolve()).catch(() => null)
    .then(() => axe.run(document));
  return window.__axeQueue;
};
window.addEventListener("load", () => {
  if (window.top !== window || typeof axe === "undefined") { return; }
  window.__axeRun().then(r => window.__axeReport(location.href, r.violations))
    .catch(e => window.__axeReport(location.href, [{id: "axe-error", impact: "critical",
      help: String(e), nodes: []}]));
});"""
DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


class Site:
    def __init__(self, url: str, sample: Sample, clock: FixedClock | None = None) -> None:
        self.url = url
        self.sample = sample
        self.clock = clock


@contextmanager
def serve(tmp: Path, seed: Callable[[Platform, Sample], None] | None = None) -> Iterator[Site]:
    """A uvicorn server on a fresh SQLite database holding the sample chain, 25 days on, and
    what `seed` adds to it."""

    from scf.api import create_app

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
    load_parks(platform, sample.password)
    load_discounting(platform, sample)
    clock.advance(timedelta(days=25))
    run_maturity(platform)
    if seed is not None:
        seed(platform, sample)
    try:
        with serve_app(create_app(platform)) as url:
            yield Site(url, sample, clock)
    finally:
        platform.dispose()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with serve(tmp_path_factory.mktemp("browser")) as s:
        yield s


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


class Axe:
    """What axe-core found on each page a test visited."""

    def __init__(self) -> None:
        self.checked: list[str] = []
        self.violations: list[str] = []

    def record(self, url: str, violations: list[dict[str, Any]]) -> None:
        self.checked.append(url)
        for v in violations:
            if v.get("impact") in BLOCKING:
                targets = [" ".join(map(str, n.get("target", []))) for n in v.get("nodes", [])]
                self.violations.append(
                    f"{url}: {v['id']} ({v['impact']}): {v.get('help', '')} at {targets[:5]}"
                )

    def check(self, page: Any) -> None:
        """Run axe-core on the page as it is now (after the test's last step)."""
        if page.is_closed() or not page.url.startswith("http"):
            return
        found = page.evaluate("() => window.__axeRun().then(r => r.violations)")
        self.record(page.url, found)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A Chinese browser page whose every loaded page axe-core checks: the test fails on any
    serious or critical accessibility violation."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    axe = Axe()
    ctx.add_init_script(path=str(AXE))
    ctx.add_init_script(script=AXE_ON_LOAD)
    ctx.expose_function("__axeReport", axe.record)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.errors = errors
    pg.axe = axe
    try:
        yield pg
        axe.check(pg)
        assert axe.checked, "axe-core checked no page"
        assert not axe.violations, "accessibility violations:\n" + "\n".join(
            dict.fromkeys(axe.violations)
        )
    finally:
        ctx.close()


def shot(page: Any, name: str, docs: bool = False) -> None:
    """Save a screenshot as a test artifact, and into docs/screenshots for the main pages."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs:
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SHOTS / f"{name}.png")
