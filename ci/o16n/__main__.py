from __future__ import annotations

from o16n.cli import main

raise SystemExit(main())
