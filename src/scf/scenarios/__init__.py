"""District scenarios' own records: FX rates and marketplace payouts (cross-border e-commerce)."""
