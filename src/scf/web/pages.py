"""Every page's route, wired in one place; the pages themselves live one module per role.

`login` (log in and out, language, home), `account` (every user's sessions and password),
`sme` (suppliers, distributors, marketplaces), `core` (the core enterprise), `funder` (banks,
factoring companies, local financial organizations), `institution` (their supply chain
finance units, and the regulator's assessment of institutions), `warehouse` (warehouses and
logistics firms), `operator` (the platform operator), `insurer` (insurers and guarantors),
`console` (the regulator's indicators), `regulator`, `registry` (the public registry),
`scenarios_pages` (the scenario catalogue, marketplace payouts, the operator's FX rates),
`governance` (an enterprise's own data, the reads of it and corrections), `discounting`
(suppliers' bids in early-payment programmes and their bill discounting, the core
enterprise's clearing), `parks` (a district
regulator's console and a park operator's parks) and `programmes` (applying for incentives,
and the award review); `common` holds what they share (rendering, session, CSRF, forms,
refusals), `names` and `room_text` what records and alerts are called in the reader's
language, and each module's templates are in `templates/<module>/`.
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
    governance,
    institution,
    insurer,
    login,
    operator,
    parks,
    programmes,
    registry,
    regulator,
    scenarios_pages,
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
    institution,
    warehouse,
    operator,
    insurer,
    console,
    regulator,
    registry,
    governance,
    parks,
    programmes,
):
    router.include_router(module.router)
router.include_router(governance.operator_router)
router.include_router(governance.quality_router)
router.include_router(scenarios_pages.router)
router.include_router(scenarios_pages.fx_router)
router.include_router(scenarios_pages.ip_router)
