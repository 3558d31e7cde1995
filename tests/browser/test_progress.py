"""The progress indicator: a request slower than half a second shows it, in the page's
language, as a polite live region; the page that answers shows none."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.conftest import Site

pytestmark = pytest.mark.browser

# The test's thread waits inside the slow route, so the page itself records what it showed;
# sessionStorage keeps the record across the navigation the submit starts.
WATCH = """() => { sessionStorage.removeItem('progress-seen');
  const el = document.getElementById('progress');
  const seen = () => { if (!el.hidden) sessionStorage.setItem('progress-seen', el.textContent); };
  new MutationObserver(seen).observe(el, {attributes: true, childList: true}); }"""


def test_a_slow_search_shows_the_indicator(page: Any, site: Site) -> None:
    page.goto(f"{site.url}/registry")
    indicator = page.locator("#progress")
    assert indicator.get_attribute("role") == "status"
    assert indicator.is_hidden()

    def slow(route: Any) -> None:
        time.sleep(1.5)  # the server answering slowly, as a big search might
        route.continue_()

    page.route("**/registry?*", slow)
    page.evaluate(WATCH)
    page.fill("#grantor_name", "龙华")
    page.click("#search-submit")
    page.wait_for_selector("#results")
    # while the answer was on its way the indicator was shown; the new page hides it
    assert "请稍候" in page.evaluate("() => sessionStorage.getItem('progress-seen') || ''")
    assert page.locator("#progress").is_hidden()
    page.unroute("**/registry?*")
    page.click("#search-submit")  # whatever it took, the answered page shows no indicator
    page.wait_for_selector("#results")
    assert page.locator("#progress").is_hidden()
