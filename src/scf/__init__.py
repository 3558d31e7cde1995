"""scf: an open supply chain finance public service platform."""

__version__ = "0.1.0"
