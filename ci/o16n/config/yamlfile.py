"""Load a YAML file into a pydantic model; every error names the file, the line and the key.

PyYAML's composer keeps each node's position, so a validation error's location (a path of keys
and indices) maps back to the line a person has to edit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from o16n.errors import ConfigError

Model = TypeVar("Model", bound=BaseModel)


class Strict(BaseModel):
    """The base of every model of a YAML file o16n reads: unknown keys are errors (a typo is
    named, not ignored), values are taken as YAML typed them (`warn: "0.01"` is text, not a
    number; `true` is not 1; `"yes"` is not a boolean), and a loaded config cannot be changed
    afterwards. A quoted number usually means a template or a tool wrote the file wrongly:
    reading it as the number would hide that, and a comparison with text fails later, far
    from the line to fix."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


Location = Sequence[str | int]


class Loader(yaml.SafeLoader):
    """PyYAML's safe loader, plus YAML 1.2's exponent floats: PyYAML (YAML 1.1) reads `1e-3`
    as the text '1e-3', which strict numbers would then refuse though a person wrote a number.
    Only unquoted scalars are resolved, so `"1e-3"` stays text (and an error for a number)."""


Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)


def load_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            "file not found", file=path, hint="create it or pass another path"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file: {exc}", file=path) from None
    try:
        node = yaml.compose(text, Loader=Loader)
        data = yaml.load(text, Loader=Loader)  # noqa: S506 (Loader is a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(f"invalid YAML: {problem}", file=path, line=line) from None
    if node is not None:
        _reject_duplicate_keys(node, path)
    return data, node


def _reject_duplicate_keys(node: yaml.Node, path: Path, where: tuple[str | int, ...] = ()) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                raise ConfigError(
                    "duplicate key (YAML keeps only the last one)",
                    file=path,
                    line=key.start_mark.line + 1,
                    key=dotted((*where, name)),
                    hint="remove or rename one of them",
                )
            seen.add(name)
            _reject_duplicate_keys(value, path, (*where, name))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _reject_duplicate_keys(item, path, (*where, index))


def line_of(node: yaml.Node | None, location: Location) -> int | None:
    """The line of the deepest node on `location` that exists (a missing key: its parent)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for step in location:
        child = _child(node, step)
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def node_at(node: yaml.Node | None, location: Location) -> yaml.Node | None:
    """The node on `location`, or None where the file has no such key or item."""
    for step in location:
        node = _child(node, step) if node is not None else None
    return node


def _child(node: yaml.Node, step: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((value for key, value in node.value if key.value == step), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
        child: yaml.Node = node.value[step]
        return child
    return None


def dotted(location: Location) -> str:
    text = ""
    for step in location:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def load_model(path: Path, model: type[Model]) -> Model:
    return load_model_and_node(path, model)[0]


def load_model_and_node(path: Path, model: type[Model]) -> tuple[Model, yaml.Node | None]:
    """The model, and the YAML node tree for errors found after validation (`line_of`)."""
    data, node = load_yaml(path)
    if data is None:
        raise ConfigError("the file is empty", file=path, hint="see the documented example")
    try:
        return model.model_validate(data), node
    except ValidationError as exc:
        raise _config_error(exc, path, node) from None


def _config_error(exc: ValidationError, path: Path, node: yaml.Node | None) -> ConfigError:
    first = exc.errors()[0]
    location = _without_union_tags(node, first["loc"])
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        # point at the discriminating key itself (a trigger's `check`, a KPI's `kind`)
        location.append(str(first.get("ctx", {}).get("discriminator", "check")).strip("'"))
    more = exc.error_count() - 1
    message = _type_message(first) or first["msg"]
    message += f" (and {more} more problem{'s' * (more > 1)})" if more else ""
    return ConfigError(
        message,
        file=path,
        line=line_of(node, location),
        key=dotted(location) or None,
        hint=_type_hint(first),
    )


_EXPECTED = {"float_type": "a number", "int_type": "a whole number", "bool_type": "true or false"}


def _type_message(error: Any) -> str | None:
    """Say what was found where a number or a boolean belongs, in YAML's words."""
    expected = _EXPECTED.get(error["type"])
    value = error.get("input")
    if expected is None or not isinstance(value, bool | str | float):
        return None
    return f"must be {expected}, not {describe(value)}"


def describe(value: Any) -> str:
    """A value as a person reads it in YAML: `the text '0.01'`, `the boolean true`."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null" if value is None else type(value).__name__


def _type_hint(error: Any) -> str | None:
    value = error.get("input")
    if error["type"] in ("float_type", "int_type") and isinstance(value, str) and numeric(value):
        return f"remove the quotes: {value.strip()} is a number only without them"
    if error["type"] == "bool_type" and isinstance(value, str):
        return "write true or false without quotes"
    if error["type"] == "int_type" and isinstance(value, float) and value.is_integer():
        return f"write {int(value)}"
    return None


def numeric(text: str) -> bool:
    """Whether a text would be a number without its quotes."""
    try:
        value = yaml.load(text, Loader=Loader)  # noqa: S506 (Loader is a SafeLoader)
    except yaml.YAMLError:
        return False
    return isinstance(value, int | float) and not isinstance(value, bool)


def _without_union_tags(node: yaml.Node | None, location: Location) -> list[str | int]:
    """pydantic puts the tag of a discriminated union (a trigger's `check` value, a KPI's
    `kind`) in an error's location; the file has no such key, so drop it to find the line."""
    kept: list[str | int] = []
    for step in location:
        child = _child(node, step) if node is not None else None
        if child is None and isinstance(node, yaml.MappingNode) and _is_tag(node, step):
            continue
        kept.append(step)
        node = child
    return kept


def _is_tag(node: yaml.MappingNode, step: str | int) -> bool:
    return any(isinstance(v, yaml.ScalarNode) and v.value == step for _, v in node.value)
