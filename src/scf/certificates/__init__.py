"""Payable certificates: credit lines, issuance, pieces, financing, settlement, lineage."""
