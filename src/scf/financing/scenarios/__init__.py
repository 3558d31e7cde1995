"""The scenarios shipped with the platform, one module each, found through entry points."""
