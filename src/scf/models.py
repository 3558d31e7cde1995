"""Import every room's tables so that the metadata (and Alembic) sees them all."""

from scf.core import audit  # noqa: F401
from scf.parties import tables as parties_tables  # noqa: F401
