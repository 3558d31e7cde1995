"""Who may read the data catalogue (anyone logged in), and set retention, place legal holds
and purge (the operator; holds also the regulator)."""

from __future__ import annotations

P = "/api/v1/governance"

RULES: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("GET", f"{P}/catalogue"): "*",
    ("GET", f"{P}/retention"): ("operator", "regulator"),
    ("PUT", f"{P}/retention/{{kind}}"): ("operator",),
    ("GET", f"{P}/holds"): ("operator", "regulator"),
    ("POST", f"{P}/holds"): ("operator", "regulator"),
    ("POST", f"{P}/holds/{{hold_id}}/lift"): ("operator", "regulator"),
    ("POST", f"{P}/purge"): ("operator",),
    ("GET", f"{P}/quality"): ("operator", "regulator"),
    ("POST", f"{P}/quality/run"): ("operator",),
    # Anyone logged in downloads its own organization's data and asks for corrections.
    ("GET", f"{P}/my-data"): "*",
    ("GET", f"{P}/my-data.pdf"): "*",
    ("GET", f"{P}/corrections"): "*",
    ("POST", f"{P}/corrections"): "*",
    ("POST", f"{P}/corrections/{{request_id}}/decide"): ("operator",),
}
