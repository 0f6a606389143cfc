"""painreg.interop."""
