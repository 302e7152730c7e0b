"""A column's kind in a profile, as a type: a misspelt kind is a mypy error, not a comparison
that is silently never true. The profile file writes the kind as its string."""

from __future__ import annotations

from typing import Literal, get_args

ProfileKind = Literal["numeric", "categorical", "boolean", "datetime", "text"]
KINDS: frozenset[ProfileKind] = frozenset(get_args(ProfileKind))
# The kinds summarized as numbers (`Numeric`; datetimes as nanoseconds); the rest by category.
NUMERIC_KINDS: frozenset[ProfileKind] = frozenset({"numeric", "datetime"})
