"""painreg.contacts."""
