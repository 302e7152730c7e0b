"""The time o16n writes into ledger records, server logs and status files: now, in UTC, to the
second (`2026-11-23T10:00:00Z`)."""

from __future__ import annotations

import datetime as dt


def timestamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
