"""The schema of the data a model learns from, and the one definition of "it changed".

A model's metrics can be compared with the base model's only when both learned the same thing
from the same kind of table: the same target (and positive class), the same input columns with
the same kinds. params.yaml's `data` section declares that (`target`, `positive`, `numeric`,
`categorical`); its `source` and `drop` are left out on purpose: new rows of the same table, or
the same table at another path, are comparable.

Projects generated before the `data` section have none. Then the reference profile the train
stage writes (models/reference_profile.json, its `schema`: column -> kind, the target among
them) is the cheap evidence: when both revisions have one, a column added, removed or of another
kind is a change. When the base has no `data` section and no profile can be had, the data are
taken as comparable (nothing shows otherwise), so an old project's gate judges as it always did.

The registry (`o16n release`: a changed schema is a major version) and the gate (comparisons
with the base model are "not comparable", and governance approves the new baseline) both ask
`changes` here. The module is pure: callers pass a `Read` for each revision.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from o16n.config.yamlfile import line_of
from o16n.errors import ConfigError

PARAMS = "params.yaml"
PROFILE = "models/reference_profile.json"
KINDS = ("numeric", "categorical")

Read = Callable[[str], str | None]  # a file's text at one revision, None when it is not there


@dataclass(frozen=True)
class DataSchema:
    """What a model is trained on, as far as comparing two models goes."""

    target: str | None  # None: not known (a profile names no target)
    positive: str | None
    columns: Mapping[str, str] = field(default_factory=dict)  # input column -> kind
    source: str = PARAMS  # where it was read: params.yaml `data`, or the reference profile


@dataclass(frozen=True)
class Comparison:
    """Whether two revisions' data compare, with each difference in words."""

    changes: tuple[str, ...]
    basis: str  # what was compared: "params.yaml data", "reference profile", or "" (nothing)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def from_params(
    params: Any, where: str = PARAMS, node: yaml.Node | None = None
) -> DataSchema | None:
    """params.yaml's `data` section as a schema; None when there is none. A section whose
    target or columns are not what the template writes is a ConfigError naming the key (and
    its line, given the file's YAML nodes)."""
    if not isinstance(params, Mapping) or params.get("data") is None:
        return None

    def error(message: str, key: str, hint: str | None = None) -> ConfigError:
        line = line_of(node, key.split("."))
        return ConfigError(message, file=where, line=line, key=key, hint=hint)

    data = params["data"]
    if not isinstance(data, Mapping):
        raise error("`data` must be a mapping", "data")
    target = data.get("target")
    if target is not None and not isinstance(target, str | int):
        raise error("must be a column name", "data.target")
    columns: dict[str, str] = {}
    for kind in KINDS:
        names = data.get(kind) or []
        if not isinstance(names, list) or not all(isinstance(n, str | int) for n in names):
            raise error("must be a list of column names", f"data.{kind}")
        for name in map(str, names):
            if name in columns:
                twice = "twice" if columns[name] == kind else f"as {columns[name]} and {kind}"
                raise error(
                    f"column {name!r} is listed {twice}", f"data.{kind}", "list each column once"
                )
            columns[name] = kind
    positive = data.get("positive")
    return DataSchema(
        None if target is None else str(target),
        None if positive is None else str(positive),
        columns,
        PARAMS,
    )


def from_profile(text: str, where: str = PROFILE) -> DataSchema | None:
    """A reference profile's `schema` (column -> kind, the target a column like the rest);
    None when the document has none."""
    try:
        schema = json.loads(text).get("schema")
    except (json.JSONDecodeError, AttributeError):
        raise ConfigError("not a reference profile (JSON with a `schema`)", file=where) from None
    if not isinstance(schema, Mapping):
        return None
    return DataSchema(None, None, {str(k): str(v) for k, v in schema.items()}, PROFILE)


def differences(old: DataSchema, new: DataSchema) -> list[str]:
    """Each way `new` differs from `old`, in words ("target: survived -> sex")."""
    found = []
    for key in ("target", "positive"):
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            found.append(f"{key}: {_shown(before)} -> {_shown(after)}")
    added = sorted(set(new.columns) - set(old.columns))
    removed = sorted(set(old.columns) - set(new.columns))
    if added:
        found.append(f"columns added: {', '.join(added)}")
    if removed:
        found.append(f"columns removed: {', '.join(removed)}")
    kinds: dict[tuple[str, str], list[str]] = {}
    for name in sorted(set(old.columns) & set(new.columns)):
        if old.columns[name] != new.columns[name]:
            kinds.setdefault((old.columns[name], new.columns[name]), []).append(name)
    found += [f"{a} -> {b}: {', '.join(names)}" for (a, b), names in sorted(kinds.items())]
    return found


def _shown(value: str | None) -> str:
    return "(none)" if value is None else value


def compare(old: Read, new: Read, old_label: str = "base", new_label: str = "head") -> Comparison:
    """Whether the data of revision `new` compare with those of `old` (see the module's text
    for what counts). Reads params.yaml at both, and the reference profiles only when the base
    declares no `data` section."""
    old_schema = from_params(*_params(old, f"{old_label}:{PARAMS}"))
    new_schema = from_params(*_params(new, f"{new_label}:{PARAMS}"))
    if old_schema is not None:
        if new_schema is None:
            return Comparison(("data: the section was removed from params.yaml",), PARAMS)
        return Comparison(tuple(differences(old_schema, new_schema)), f"{PARAMS} data")
    old_profile, new_profile = old(PROFILE), new(PROFILE)
    if old_profile is None or new_profile is None:
        return Comparison((), "")
    before = from_profile(old_profile, f"{old_label}:{PROFILE}")
    after = from_profile(new_profile, f"{new_label}:{PROFILE}")
    if before is None or after is None:
        return Comparison((), "")
    return Comparison(tuple(differences(before, after)), "reference profile")


def _params(read: Read, where: str) -> tuple[Any, str, yaml.Node | None]:
    """params.yaml at a revision: its values, where it is, and its nodes (for lines)."""
    text = read(PARAMS)
    if not text:
        return None, where, None
    try:
        return yaml.safe_load(text), where, yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(f"invalid YAML: {exc}", file=where, line=line) from None
