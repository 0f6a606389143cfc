"""painreg: quality registry and follow-up platform for chronic pain rehabilitation."""

from __future__ import annotations

__version__ = "0.1.0"
