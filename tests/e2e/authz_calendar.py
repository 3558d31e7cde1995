"""Who may load an official holiday schedule (the operator) and read the alerts it raised."""

from __future__ import annotations

from typing import Any

P = "/api/v1/calendar"

RULES: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("POST", f"{P}/files"): ("operator",),
    ("GET", f"{P}/alerts"): ("operator", "regulator"),
}

# A file the checks refuse (no holidays): the operator gets 422 and nothing is loaded.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", f"{P}/files"): lambda w: {"year": 2031, "holidays": {}},
}
