"""Policy packs: rules written in CEL over the facts document, loaded and checked up front.

A pack is a folder with a `pack.yaml`: its vars (thresholds the rules read as `vars.*`), the
model card sections it requires, and its rules. `extends: <pack>` starts from a sibling pack
(its rules, vars and required sections), then adds or replaces by rule id.

Loading compiles every condition (a syntax error names the rule, file, line and column with a
caret) and, given the facts, checks that every fact a rule names exists, so a typo is a config
error when the pack loads, never a rule that is silently false.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import celpy
import yaml
from celpy.celparser import CELParseError
from lark import Token, Tree

from o16n.adapters.dvc.lineage import digest
from o16n.config.pack import PackSpec, RuleSpec
from o16n.config.project import ProjectConfig
from o16n.config.yamlfile import (
    describe,
    dotted,
    line_of,
    load_model_and_node,
    load_yaml,
    node_at,
    numeric,
)
from o16n.errors import ConfigError

PACK_FILE = "pack.yaml"
MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
SEVERITIES = ("warn", "fail")


@dataclass(frozen=True)
class Rule:
    spec: RuleSpec
    file: Path
    line: int | None
    program: celpy.Runner
    explain: celpy.Runner | None
    trees: tuple[tuple[str, int | None, Tree[Token]], ...]  # (key, line, tree) per expression
    index: int = 0  # its place in its file's `rules:` list, for messages
    note: celpy.Runner | None = None  # how a passing rule passed, when it says so

    @property
    def id(self) -> str:
        return self.spec.id

    def applies(self, stage: str, env: str | None) -> bool:
        if stage not in self.spec.stages:
            return False
        if stage == "pr" or self.spec.environments is None:
            return True
        return env in self.spec.environments

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else str(self.file)


@dataclass(frozen=True)
class Pack:
    name: str
    folder: Path
    vars: dict[str, Any]
    required_sections: tuple[str, ...]
    rules: tuple[Rule, ...]
    files: tuple[Path, ...] = field(default=())
    hash: str = ""  # of its files' texts (and the packs it extends): what the ledger records

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def builtin_packs() -> Path:
    """The packs shipped with o16n: in the wheel beside the package, or the checkout's policies/."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "policies", here.parent.parent / "policies"):
        if candidate.is_dir():
            return candidate
    raise ConfigError("o16n's policy packs are missing from this installation", file=here)


def _builtin_names() -> list[str]:
    return sorted(p.name for p in builtin_packs().iterdir() if (p / PACK_FILE).is_file())


def install(name: str, destination: Path) -> None:
    """Copy a built-in pack (and the packs it extends) into a project's policies/ folder."""
    source = builtin_packs()
    while True:
        folder = source / name
        if not (folder / PACK_FILE).is_file():
            raise ConfigError(f"no policy pack {name!r}", hint=f"choose one of {_builtin_names()}")
        shutil.copytree(folder, destination / name, dirs_exist_ok=True)
        parent = yaml.safe_load((folder / PACK_FILE).read_text(encoding="utf-8")).get("extends")
        if not parent:
            return
        name = parent


_ENV = celpy.Environment()


def _join(items: Any, separator: Any = "") -> celpy.celtypes.StringType:
    """`list.join(sep)` from CEL's strings extension, which cel-python 0.5 does not have."""
    return celpy.celtypes.StringType(str(separator).join(str(item) for item in items))


FUNCTIONS: dict[str, Any] = {"join": _join}


def load(folder: Path, _seen: tuple[str, ...] = ()) -> Pack:
    path = folder / PACK_FILE
    spec, node = load_model_and_node(path, PackSpec)
    if spec.name != folder.name:
        raise ConfigError(
            f"the pack is named {spec.name!r} but lives in folder {folder.name!r}",
            file=path,
            line=line_of(node, ["name"]),
            key="name",
            hint="make them the same",
        )
    rules: dict[str, Rule] = {}
    variables: dict[str, Any] = {}
    required: list[str] = []
    files = [path]
    if spec.extends:
        if spec.extends in (*_seen, spec.name):
            raise ConfigError(
                f"packs extend each other in a cycle: {' -> '.join((*_seen, spec.name))}",
                file=path,
                line=line_of(node, ["extends"]),
                key="extends",
            )
        parent_folder = folder.parent / spec.extends
        if not (parent_folder / PACK_FILE).is_file():
            raise ConfigError(
                f"extends {spec.extends!r}, which is not a pack beside this one",
                file=path,
                line=line_of(node, ["extends"]),
                key="extends",
                hint=f"add {parent_folder}/{PACK_FILE} or remove `extends`",
            )
        parent = load(parent_folder, (*_seen, spec.name))
        rules = {r.id: r for r in parent.rules}
        variables = dict(parent.vars)
        required = list(parent.required_sections)
        files = [*parent.files, path]
    variables = _deep_merge(variables, spec.vars)
    required += [s for s in spec.model_card.required if s not in required]
    seen_here: set[str] = set()
    for index, rule in enumerate(spec.rules):
        if rule.id in seen_here:
            raise ConfigError(
                f"rule id {rule.id!r} appears twice",
                file=path,
                line=line_of(node, ["rules", index, "id"]),
                key=f"rules[{index}].id",
                hint="rule ids are unique in a pack",
            )
        seen_here.add(rule.id)
        rules[rule.id] = _compile(rule, path, node, index)
    texts = {str(p.name): p.read_text(encoding="utf-8") for p in files}
    return Pack(
        spec.name,
        folder,
        variables,
        tuple(required),
        tuple(rules.values()),
        tuple(files),
        digest(texts),
    )


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _compile(rule: RuleSpec, path: Path, node: yaml.Node | None, index: int) -> Rule:
    programs: list[celpy.Runner | None] = []
    trees: list[tuple[str, int | None, Tree[Token]]] = []
    for key in ("condition", "explain", "note"):
        text = getattr(rule, key)
        if text is None:
            programs.append(None)
            continue
        location: list[str | int] = ["rules", index, key]
        try:
            tree = _ENV.compile(text)
        except CELParseError as exc:
            raise _syntax_error(exc, rule.id, key, text, path, node, location) from None
        trees.append((key, line_of(node, location), tree))
        programs.append(_ENV.program(tree, functions=FUNCTIONS))
    condition, explain, note = programs
    assert condition is not None
    line = line_of(node, ["rules", index, "condition"])
    return Rule(rule, path, line, condition, explain, tuple(trees), note=note, index=index)


def _syntax_error(
    exc: CELParseError,
    rule_id: str,
    key: str,
    text: str,
    path: Path,
    node: yaml.Node | None,
    location: list[str | int],
) -> ConfigError:
    row = getattr(exc, "line", None) or 1
    column = getattr(exc, "column", None) or 1
    value_node = node_at(node, location)
    line = line_of(node, location)
    block = getattr(value_node, "style", None) in ("|", ">")
    if line is not None and block:
        line += 1  # a block scalar's text starts on the line after the indicator
    if line is not None:
        line += row - 1
    source_line = text.splitlines()[row - 1] if text.splitlines() else text
    caret = " " * (column - 1) + "^"
    return ConfigError(
        f"rule {rule_id!r}: CEL syntax error in `{key}` at column {column}:\n"
        f"    {source_line}\n    {caret}",
        file=path,
        line=line,
        key=f"rules[{location[1]}].{key}",
        hint="see https://github.com/google/cel-spec/blob/master/doc/langdef.md",
    )


# ---- references: every fact a rule names must exist ----------------------------------------


@dataclass(frozen=True)
class Reference:
    root: str
    steps: tuple[str | None, ...]  # None: an index that is not a string literal
    optional_last: bool  # inside has(): the last step may be absent


def references(tree: Tree[Token]) -> list[Reference]:
    bound = set(_macro_variables(tree))
    optional = {id(t) for t in _has_arguments(tree)}
    found = []
    for member in tree.find_data("member"):
        chain = _chain(member)
        if chain is None or chain[0] in bound:
            continue
        root, steps = chain
        found.append(Reference(root, steps, id(member) in optional))
    return found


def _chain(member: Tree[Token]) -> tuple[str, tuple[str | None, ...]] | None:
    steps: list[str | None] = []
    node: Tree[Token] | Token = member
    while isinstance(node, Tree):
        child = node.children[0]
        if not isinstance(child, Tree):
            return None
        if child.data == "member_dot":
            node = child.children[0]
            steps.append(str(child.children[1]))
        elif child.data == "member_index":
            node = child.children[0]
            steps.append(_string_literal(child.children[1]))
        elif child.data == "primary":
            inner = child.children[0]
            if isinstance(inner, Tree) and inner.data == "ident":
                return str(inner.children[0]), tuple(reversed(steps))
            return None
        else:
            return None
    return None


def _string_literal(tree: object) -> str | None:
    if not isinstance(tree, Tree):
        return None
    literals = list(tree.find_data("literal"))
    idents = list(tree.find_data("ident"))
    if len(literals) == 1 and not idents:
        token = literals[0].children[0]
        text = str(token)
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
            return text[1:-1]
    return None


def _macro_variables(tree: Tree[Token]) -> Iterator[str]:
    for call in tree.find_data("member_dot_arg"):
        _, method, *rest = call.children
        if str(method) in MACROS and rest and isinstance(rest[0], Tree):
            first = rest[0].children[0] if rest[0].children else None
            if isinstance(first, Tree):
                for ident in first.find_data("ident"):
                    yield str(ident.children[0])
                    break


def _has_arguments(tree: Tree[Token]) -> Iterator[Tree[Token]]:
    for call in tree.find_data("ident_arg"):
        name, *rest = call.children
        if str(name) == "has" and rest and isinstance(rest[0], Tree):
            topdown = rest[0].iter_subtrees_topdown()  # type: ignore[no-untyped-call]
            members = [t for t in topdown if t.data == "member"]
            if members:
                yield members[0]  # the outermost member: the whole path


def check_references(pack: Pack, facts: Mapping[str, Any]) -> None:
    """Raise a ConfigError naming the rule and the missing fact, if any rule names one."""
    for rule in pack.rules:
        for key, line, tree in rule.trees:
            problem = next(filter(None, (_missing(ref, facts) for ref in references(tree))), None)
            if problem:
                raise ConfigError(
                    f"rule {rule.id!r} refers to {problem}",
                    file=rule.file,
                    line=line,
                    key=f"rules[{rule.index}].{key}",
                    hint="see the facts with `o16n facts`; guard optional ones with has(...)",
                )


def _missing(ref: Reference, facts: Mapping[str, Any]) -> str | None:
    if ref.root not in facts:
        return f"`{ref.root}`, which is not a fact (facts: {', '.join(sorted(facts))})"
    value: Any = facts[ref.root]
    path = ref.root
    steps = ref.steps[:-1] if ref.optional_last else ref.steps
    for step in steps:
        if step is None or not isinstance(value, Mapping):
            return None  # a computed index, a list or a value: checked when the rule runs
        if step not in value:
            known = ", ".join(sorted(map(str, value))) or "none"
            return f"`{path}.{step}`, which does not exist (`{path}` has: {known})"
        value, path = value[step], f"{path}.{step}"
    return None


def for_project(project: Path, config: ProjectConfig) -> Pack:
    """The pack o16n.yaml names, from the project's policies/, with its `policy_vars` applied."""
    import dataclasses

    from o16n.config.project import PROJECT_FILE

    folder = project / "policies" / config.policy_pack
    if not (folder / PACK_FILE).is_file():
        raise ConfigError(
            f"policy pack {config.policy_pack!r} not found at {folder / PACK_FILE}",
            file=project / PROJECT_FILE,
            line=_project_line(project / PROJECT_FILE, ["policy_pack"]),
            key="policy_pack",
            hint=f"copy one of o16n's packs ({', '.join(_builtin_names())}) from "
            f"{builtin_packs()} into policies/, or name a folder in policies/",
        )
    pack = load(folder)
    _check_policy_vars(pack.vars, config.policy_vars, project / PROJECT_FILE)
    return dataclasses.replace(pack, vars=_deep_merge(pack.vars, config.policy_vars))


def _check_policy_vars(defaults: Mapping[str, Any], values: Mapping[str, Any], path: Path) -> None:
    """Each of o16n.yaml's `policy_vars` is the kind of value the pack's default is (a number
    for a number, true/false for a boolean), and never a quoted number where no default says
    text: a floor of "0.9" would make its rule compare a number with text when it runs."""
    found = _var_problem(defaults, values, ("policy_vars",))
    if found is None:
        return
    location, message, hint = found
    line = _project_line(path, location)
    raise ConfigError(message, file=path, line=line, key=dotted(location), hint=hint)


def _project_line(path: Path, location: Sequence[str | int]) -> int | None:
    """The line of a key of o16n.yaml, read again only for an error (None: the defaults)."""
    return line_of(load_yaml(path)[1], location) if path.is_file() else None


def _var_problem(
    defaults: Mapping[str, Any], values: Mapping[str, Any], where: tuple[str, ...]
) -> tuple[tuple[str, ...], str, str] | None:
    for key, value in values.items():
        location = (*where, str(key))
        if defaults and key not in defaults:  # a misspelt var would be ignored: the rule unset
            known = ", ".join(sorted(str(k) for k in defaults))
            return location, "the pack has no such var", f"the pack's vars here: {known}"
        default = defaults.get(key)
        expected = _kind(default)
        if expected is not None and _kind(value) != expected:
            return location, f"must be {expected}, not {describe(value)}", _fix(value, default)
        if isinstance(value, str) and numeric(value) and not isinstance(default, str):
            return location, f"must be a number, not {describe(value)}", _fix(value, 0)
        if isinstance(value, Mapping):
            inner = _var_problem(default if isinstance(default, Mapping) else {}, value, location)
            if inner is not None:
                return inner
    return None


def _kind(value: Any) -> str | None:
    """What a pack's default asks for, in words; None: anything goes."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return None


def _fix(value: Any, default: Any) -> str:
    if isinstance(value, str) and numeric(value) and _kind(default) == "a number":
        return f"remove the quotes: {value.strip()} is a number only without them"
    return f"the pack's default is {default!r}"
