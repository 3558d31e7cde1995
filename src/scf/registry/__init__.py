"""The registry of pledges and assignments, with a verifiable transparency log."""
