"""Credit scoring, dynamic limits, early-warning signals and graph analytics against fraud."""
