"""``python -m informer.cli`` = ``informer-run``."""

from __future__ import annotations

from . import main

raise SystemExit(main())
