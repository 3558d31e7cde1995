"""Import every room's tables so that the metadata (and Alembic) sees them all."""

from scf.certificates import tables as certificates_tables  # noqa: F401
from scf.core import audit  # noqa: F401
from scf.events import tables as events_tables  # noqa: F401
from scf.financing import tables as financing_tables  # noqa: F401
from scf.governance import tables as governance_tables  # noqa: F401
from scf.institutions import tables as institutions_tables  # noqa: F401
from scf.ops import tables as ops_tables  # noqa: F401
from scf.parties import tables as parties_tables  # noqa: F401
from scf.programmes import tables as programmes_tables  # noqa: F401
from scf.registry import tables as registry_tables  # noqa: F401
from scf.risk import tables as risk_tables  # noqa: F401
from scf.scenarios import tables as scenarios_tables  # noqa: F401
from scf.supervision import tables as supervision_tables  # noqa: F401
from scf.trade import tables as trade_tables  # noqa: F401
