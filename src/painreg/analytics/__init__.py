"""painreg.analytics."""
