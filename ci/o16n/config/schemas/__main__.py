from __future__ import annotations

from o16n.config.schemas import write_all

write_all()
