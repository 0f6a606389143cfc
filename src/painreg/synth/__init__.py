"""painreg.synth."""
