"""Every page's route, wired in one place; the pages themselves live one module per role.

`login` (log in and out, language, home), `account` (every user's sessions and password),
`sme` (suppliers, distributors, marketplaces), `core` (the core enterprise), `funder` (banks,
factoring companies, local financial organizations), `warehouse` (warehouses and logistics
firms), `operator` (the platform operator), `insurer` (insurers and guarantors), `console`
(the regulator's indicators), `regulator`, `registry` (the public registry) and
`discounting` (suppliers' bids in early-payment programmes and their bill discounting, the
core enterprise's clearing); `common` holds what they share (rendering, session, CSRF, forms,
refusals), `names` and `room_text` what records and alerts are called in the reader's
language, and templates are in `templates/<role>/`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from scf.web import (
    account,
    console,
    core,
    discounting,
    funder,
    insurer,
    login,
    operator,
    registry,
    regulator,
    sme,
    warehouse,
)

STATIC_DIR = Path(__file__).parent / "static"

router = APIRouter(include_in_schema=False)
for module in (
    login,
    account,
    sme,
    core,
    discounting,
    funder,
    warehouse,
    operator,
    insurer,
    console,
    regulator,
    registry,
):
    router.include_router(module.router)
