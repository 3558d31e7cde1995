"""Who may call each standards endpoint. The index, the schemas, the online check and the
registration notice are public; a private document is read as the record behind it is."""

from __future__ import annotations

from typing import Any

ALL = "*"
PUBLIC = "public"
S = "/api/v1/standards"

RULES: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("GET", S): PUBLIC,
    ("GET", f"{S}/{{standard_id}}/{{version}}/schema.json"): PUBLIC,
    ("POST", f"{S}/check"): PUBLIC,
    ("GET", f"{S}/documents/registration-notice/{{number}}"): PUBLIC,
    ("GET", f"{S}/documents/evidence-package/{{application_id}}"): ALL,
    ("GET", f"{S}/documents/payable-certificate/{{certificate_id}}"): ALL,
}

BODIES: dict[tuple[str, str], Any] = {
    ("POST", f"{S}/check"): lambda w: {"standard": "SCF-1", "version": "1.0"},
}
