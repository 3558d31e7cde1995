"""Supervision: the regulator's live indicators, alert workflow, lists and exports."""
