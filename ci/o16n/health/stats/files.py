"""Profiles from files, for commands: a reference profile (JSON) or a data file profiled now,
with every read failure a ConfigError that names the file (exit 2), never a pass.

Kept apart from `o16n.health.checks`, so `o16n profile` starts without loading the health config
models (pydantic: a quarter of a second).
"""

from __future__ import annotations

from pathlib import Path

from o16n.errors import ConfigError
from o16n.health.stats.profile import Profile, from_json, profile_file


def load_profile(path: Path) -> Profile:
    """A reference: a profile written by `o16n profile`, or a data file profiled now."""
    if path.suffix.lower() != ".json":
        return profile_data(path)
    try:
        return from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            "profile not found", file=path, hint="run `dvc repro` (train writes it)"
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"not an o16n profile: {exc}",
            file=path,
            hint="write it again with `o16n profile DATA -o PROFILE.json`",
        ) from None


def profile_data(path: Path, like: Profile | None = None) -> Profile:
    if not path.is_file():
        raise ConfigError(
            "data file not found", file=path, hint="check the path, or run `dvc pull`"
        )
    try:
        profile = profile_file(path, like=like)
    except (OSError, ValueError, UnicodeDecodeError) as exc:  # pandas' ParserError is a ValueError
        raise ConfigError(f"cannot read the data: {exc}", file=path) from None
    if profile.rows == 0:
        raise ConfigError("the data has no rows", file=path)
    return profile
