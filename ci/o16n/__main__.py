from __future__ import annotations

from o16n.cli.main import main

raise SystemExit(main())
