"""painreg.reports."""
