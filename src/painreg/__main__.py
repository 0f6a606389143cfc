from __future__ import annotations

import sys

from painreg.cli import main

sys.exit(main())
