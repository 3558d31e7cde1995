"""Financing: pluggable scenarios, the multi-funder workflow, lists and the green channel."""
