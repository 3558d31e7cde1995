"""The rooms' services load without the heavy libraries, so that the command line starts fast.

Training, scoring reports and exports load them where they are used."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pandas", "sklearn", "optbinning", "lightgbm", "scipy", "reportlab", "openpyxl")
SERVICES = ("scf.risk.service", "scf.supervision.service", "scf.parties.service")


def test_risk_supervision_and_parties_services_load_no_heavy_library() -> None:
    code = (
        "import json, sys\n"
        + "".join(f"import {m}\n" for m in SERVICES)
        + f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
