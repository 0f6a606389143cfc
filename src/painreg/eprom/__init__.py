"""painreg.eprom."""
