"""painreg.registry."""
