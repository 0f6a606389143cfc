"""painreg.regional."""
