"""Institutions: supply chain finance units, decision authority, NPL tolerance, exemptions and
the regulator's assessment of institutions (seed III.1, III.4)."""
