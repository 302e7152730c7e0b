"""o16n: operationalization as code. The CI framework that o16n-generated model repos call."""

from __future__ import annotations

__version__ = "0.1.0"
