"""painreg.instruments."""
