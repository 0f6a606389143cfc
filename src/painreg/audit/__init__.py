"""painreg.audit."""
