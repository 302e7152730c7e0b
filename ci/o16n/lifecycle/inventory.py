"""The model inventory: one row per model repository, read from its main branch.

Each source (a path or a git URL) is cloned into a temporary folder (offline for paths and
file:// URLs) and its o16n.yaml branch (`github.branch`, main by default) checked out, so what
is shown is what governance merged, not a working tree or a feature branch. A row says the
model, its owners and risk tier (model_card.yaml), the version each environment runs
(deploy/<env>/desired.yaml), its last validation and when it falls due (the ledger's verified
records, as the deploy gate reads them) and, with GitHub, the open monitor issues.

A source that cannot be read (no such path, a clone that fails, no o16n.yaml) is a row with its
error, not a stop: the others are still listed, and the command exits 2 at the end.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from o16n.adapters import git
from o16n.config import modelcard
from o16n.config.project import PROJECT_FILE, ProjectConfig, load_project
from o16n.errors import ConfigError, GitHubError, LedgerError, UsageError
from o16n.lifecycle import monitor, revalidation

MODEL_CARD = "model_card.yaml"
NOT_CHECKED = "not checked"
_GITHUB_SLUG = re.compile(r"github\.com[:/]+([^/\s]+)/([^/\s]+?)(?:\.git)?/?$")


@dataclass(frozen=True)
class Environment:
    name: str
    version: str  # "" when nothing is deployed there
    validated: str  # ISO time, "" when none verifies
    due: str  # ISO date, ""
    days_left: int | None
    expired: bool
    note: str  # the revalidation facts' reason


@dataclass(frozen=True)
class Row:
    source: str  # as given on the command line
    model: str = ""
    owners: tuple[str, ...] = ()
    risk_tier: str = ""
    revalidate_every: str = ""  # o16n.yaml's revalidation.every; "" when validations do not expire
    environments: tuple[Environment, ...] = ()
    monitor_issues: tuple[str, ...] | None = None  # "production #4"; None: not checked
    monitor_note: str = NOT_CHECKED
    error: str = ""  # why the source could not be read

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class Inventory:
    rows: tuple[Row, ...]
    today: str
    github: bool = False

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)


def inventory(
    sources: list[str], *, github: bool = False, today: dt.date | None = None
) -> Inventory:
    """One row per source, in the order given."""
    today = today or dt.datetime.now(dt.UTC).date()
    rows = tuple(_row(source, github, today) for source in sources)
    return Inventory(rows, today.isoformat(), github)


def _row(source: str, github: bool, today: dt.date) -> Row:
    with tempfile.TemporaryDirectory(prefix="o16n-inventory-") as tmp:
        try:
            clone = _clone(source, Path(tmp) / "repo")
            return _read(source, clone, github, today)
        except (ConfigError, LedgerError, UsageError) as exc:
            return Row(source, error=str(exc))


def _clone(source: str, into: Path) -> Path:
    """`source` cloned, its governed branch checked out; a ConfigError naming what failed."""
    if "://" not in source and not re.match(r"^[^/]+@[^:]+:", source):
        path = Path(source).expanduser()
        if not path.is_dir():
            raise ConfigError(f"{source}: no such directory", hint="give a path or a git URL")
        if not git.in_repository(path):
            raise ConfigError(f"{source}: not a git repository", hint="a model repository is")
        source = str(path.resolve())
    done = subprocess.run(
        ["git", "clone", "--quiet", source, str(into)],
        capture_output=True,
        text=True,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        timeout=300,
    )
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "git failed"
        raise ConfigError(f"{source}: cannot clone it ({reason})", hint="check the URL or path")
    if not (into / PROJECT_FILE).is_file():
        raise ConfigError(
            f"{source}: not a model repository (no {PROJECT_FILE} on its default branch)",
            hint="o16n's model repositories have one (o16n new)",
        )
    branch = load_project(into).github.branch
    current = git.run("rev-parse", "--abbrev-ref", "HEAD", project=into).output.strip()
    if current != branch:
        switched = git.run("checkout", "-q", "-B", branch, f"origin/{branch}", project=into)
        if not switched.ok:
            raise ConfigError(
                f"{source}: no branch {branch!r} (o16n.yaml github.branch)",
                hint="push it, or fix github.branch",
            )
    return into


def _read(source: str, clone: Path, github: bool, today: dt.date) -> Row:
    config = load_project(clone)
    owners, tier = _card(clone)
    environments = tuple(
        Environment(
            s.env,
            s.version,
            s.facts["validated"],
            s.facts["due"],
            s.facts["days_left"] if s.facts["applies"] else None,
            s.facts["expired"],
            s.facts["reason"],
        )
        for s in revalidation.standings(clone, today, config)
    )
    running = {e.name for e in environments}
    environments += tuple(
        Environment(env, "", "", "", None, False, "nothing deployed")
        for env in config.environments
        if env not in running
    )
    order = {env: i for i, env in enumerate(config.environments)}
    environments = tuple(sorted(environments, key=lambda e: order[e.name]))
    issues, note = _monitor_issues(source, clone, config) if github else (None, NOT_CHECKED)
    return Row(
        source,
        config.model,
        owners,
        tier,
        config.revalidation.every if config.revalidation else "",
        environments,
        issues,
        note,
    )


def _card(clone: Path) -> tuple[tuple[str, ...], str]:
    path = clone / MODEL_CARD
    if not path.is_file():
        return (), ""
    card = modelcard.load(path)
    owners = tuple(o.name or o.contact for o in card.model_details.owners if o.name or o.contact)
    return owners, card.model_details.risk_tier


def repository_slug(source: str, clone: Path) -> str | None:
    """owner/name on GitHub: from a GitHub URL, else from the source's `origin` remote."""
    found = _GITHUB_SLUG.search(source)
    if found is None:
        path = Path(source)
        remote = git.run("remote", "get-url", "origin", project=path) if path.is_dir() else None
        url = remote.output.strip() if remote is not None and remote.ok else ""
        found = _GITHUB_SLUG.search(url)
    return f"{found.group(1)}/{found.group(2)}" if found else None


def _monitor_issues(
    source: str, clone: Path, config: ProjectConfig
) -> tuple[tuple[str, ...] | None, str]:
    """The open o16n-monitor issues, one per environment at most; (None, why) when GitHub
    cannot say (no token, no GitHub remote, not reachable)."""
    slug = repository_slug(source, clone)
    if slug is None:
        return None, f"{NOT_CHECKED}: no GitHub repository in the URL or the origin remote"
    from o16n.adapters import github

    try:
        actions = github.Actions.from_env({**os.environ, "GITHUB_REPOSITORY": slug})
        client = github.connect(actions)
        found = []
        for env in config.environments:
            number = github.find_issue(
                client, actions, monitor.marker(config.model, env), monitor.LABEL
            )
            if number is not None:
                found.append(f"{env} #{number}")
    except (ConfigError, GitHubError) as exc:
        return None, f"{NOT_CHECKED}: {exc.message.splitlines()[0]}"
    except OSError as exc:  # a host that does not answer
        return None, f"{NOT_CHECKED}: {exc}"
    return tuple(found), f"{len(found)} open on {slug}"
