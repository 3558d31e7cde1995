"""Data governance: classification, masking by role, retention and the subject's rights."""
