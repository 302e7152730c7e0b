"""Monitoring: the newest batch of production data, scored by the model an environment runs and
checked against that version's reference profile; in Actions, one GitHub issue while it fires.

The stages, each a function: pick the batch → read the deployed version (deploy/<env>) → fetch
its model and profile by DVC hash (`.o16n/monitor/<version>/`) → score the batch with the
project's scoring module → profile the scored batch's input columns → the data triggers of
health.yaml → a `Monitored` result. Then, in Actions, `retrain` dispatches the retraining
workflow when a `fail` trigger fired, and `publish` opens or updates the issue. The reports and
the issue's text are rendered by `o16n.report.monitor`: this module returns data and posts text
it is given.

Production batches carry no label: the label column (o16n.yaml `serving.label`) leaves the
comparison on both sides, and so do the columns the reference does not have (the predictions,
ids). Triggers that need labels or the pipeline (metrics, regression, latency, ...) are listed
as not checked.

The issue: one per model and environment, labelled `o16n-monitor` and found again by a hidden
marker in its body (as the PR comment is). A run where a trigger fired replaces its body with
the newest report and comments; a healthy batch is noted on it. o16n never closes it: a person
does, once the cause is understood, and the next firing opens a new one.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from o16n.adapters import proc
from o16n.adapters.dvc import artifacts
from o16n.config.health import HealthConfig
from o16n.config.project import ProjectConfig
from o16n.errors import ConfigError, ToolError
from o16n.health.checks.inputs import Inputs
from o16n.health.findings import FAIL, OK, HealthReport
from o16n.health.stats import locations
from o16n.health.stats.files import CHUNK_ROWS
from o16n.health.stats.model import Profile
from o16n.serving.desired import Desired, artifact_md5, current, desired_rel

if TYPE_CHECKING:
    from o16n.adapters.github import Actions, GitHubError
    from o16n.health.engines import Engine

SUFFIXES = (".csv", ".parquet", ".pq")
CACHE = Path(".o16n") / "monitor"  # fetched artifacts per version, scored batches
RUNS = Path("monitor") / "runs"  # under the reports folder: every run's JSON and HTML report
LABEL = "o16n-monitor"  # the issue's label; the marker in its body is what finds it
# The checks that read only the data; the others need labels, metrics files or the pipeline.
DATA_CHECKS = frozenset(
    {
        "schema",
        "missing_share",
        "infinite_values",
        "out_of_range",
        "unseen_categories",
        "duplicate_rows",
        "constant_columns",
        "row_count",
        "column_drift",
        "dataset_drift",
    }
)


@dataclass(frozen=True)
class Monitored:
    """One monitoring run, as data: what was scored with what, and the health report."""

    model: str
    version: str
    commit: str
    env: str
    batch: str  # as given or found, relative to the project when inside it
    scored: str
    reference: str  # the deployed version's profile, fetched
    rows: int
    predictions: dict[str, float]  # mean of each column the scoring added
    not_checked: tuple[str, ...]  # trigger ids left out: they need labels or the pipeline
    report: HealthReport

    @property
    def fired(self) -> bool:
        return self.report.severity != OK

    @property
    def failed(self) -> bool:
        return self.report.severity == FAIL


# ---- the batch -------------------------------------------------------------------------------


def newest_batch(project: Path, batches: str) -> Path | str:
    """The newest batch in `batches` (o16n.yaml monitoring.batches): the last by name (name
    batches by date: 2024-05-01.csv), then by modification time. Hidden files are not batches.
    A URL (s3://bucket/batches/) lists the bucket: its newest entry by name, a file or a
    folder of parts."""
    if locations.is_url(batches):
        return locations.newest(batches)
    folder, key = project / batches, "monitoring.batches"
    if not folder.is_dir():
        raise ConfigError(
            "the batch folder does not exist",
            file=batches,
            key=key,
            hint="put production batches (CSV or Parquet) there, `make batch` for a sample, "
            "or pass --batch FILE",
        )
    found = [
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
    ]
    if not found:
        raise ConfigError(
            "no batch in the folder (no .csv, .parquet or .pq file)",
            file=batches,
            key=key,
            hint="`make batch` writes a sample one; in CI, `dvc pull` the folder first",
        )
    return max(found, key=lambda p: (p.name, p.stat().st_mtime_ns))


def local_batch(project: Path, batch: Path | str) -> Path:
    """The batch as one local file the scoring module can read: a local file as it is; a
    folder or glob of parts, or a URL, written part by part into the cache (CACHE/batches)."""
    from o16n.health.stats.files import local_file

    single = local_file(batch)
    if single is not None:
        return single
    plain = not locations.is_url(batch) and not locations.has_glob(batch)
    if plain and not Path(batch).exists():
        raise ConfigError("batch not found", file=batch, hint="check the path (--batch)")
    from o16n.health.stats.parts import write_one_file

    parts = locations.expand(batch)
    if parts.single_file is not None:
        return parts.single_file
    name = os.fspath(batch).rstrip("/").rsplit("/", 1)[-1].split("*", 1)[0] or "batch"
    try:
        with locations.remote_errors(os.fspath(batch)):
            return write_one_file(parts, project / CACHE / "batches" / Path(name).stem)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the batch: {exc}", file=batch) from None


def batch_columns(path: Path, project: Path) -> list[str]:
    """The batch's columns; a batch that is missing, unreadable or has no rows is refused."""
    where = shown(path, project)
    if not path.is_file():
        raise ConfigError("batch not found", file=where, hint="check the path (--batch)")
    if path.suffix.lower() not in SUFFIXES:
        raise ConfigError("a batch is a CSV or Parquet file (.csv, .parquet, .pq)", file=where)
    try:
        columns, rows = _peek(path)
    except (OSError, ValueError) as exc:  # pandas' and Arrow's errors, UnicodeDecodeError
        raise ConfigError(
            f"cannot read the batch: {type(exc).__name__}: {exc}",
            file=where,
            hint="a CSV file with a header row, or a Parquet file",
        ) from None
    if rows == 0:
        raise ConfigError(
            "the batch has no rows",
            file=where,
            hint="remove it or replace it with the real batch; --batch FILE picks another",
        )
    return columns


def _peek(path: Path) -> tuple[list[str], int]:
    """Columns and whether there are rows (a count for Parquet, at most 1 for CSV)."""
    if path.suffix.lower() == ".csv":
        import pandas as pd

        head = pd.read_csv(path, nrows=1)
        return [str(c) for c in head.columns], len(head)
    import pyarrow.parquet as pq

    metadata = pq.ParquetFile(path).metadata
    return list(metadata.schema.names), int(metadata.num_rows)


def shown(path: Path, project: Path) -> str:
    """`path` relative to the project when inside it (reports and issues name it so)."""
    try:
        return str(path.resolve().relative_to(project.resolve()))
    except ValueError:
        return str(path)


# ---- the deployed version and its artifacts --------------------------------------------------


def deployed(project: Path, env: str) -> Desired:
    desired = current(project, env)
    if desired is None:
        where = desired_rel(env)
        raise ConfigError(
            f"nothing is deployed to {env}: no desired state",
            file=where,
            hint=f"deploy a version first (`o16n deploy --env {env}`), or pick another "
            "environment (--env, o16n.yaml monitoring.env)",
        )
    return desired


def fetch(project: Path, env: str, desired: Desired, rel: str, setting: str) -> Path:
    """The deployed version's `rel`, by the md5 its desired state names, under CACHE/<version>."""
    md5 = artifact_md5(desired, env, rel, setting)
    destination = project / CACHE / desired.version / rel
    return artifacts.fetch(project, rel, md5, desired.commit, destination)


# ---- scoring ---------------------------------------------------------------------------------


def score_module(project: Path, module: str | None) -> str:
    """`--score MODULE`, else the project's `src/<package>/score.py` as `<package>.score`."""
    if module:
        return module
    found = sorted((project / "src").glob("*/score.py"))
    if len(found) != 1:
        raise ConfigError(
            "no scoring module: expected one src/<package>/score.py"
            + (f", found {len(found)}" if found else ""),
            file=project / "src",
            hint="add one (the template's takes MODEL BATCH -o OUT), or pass --score MODULE",
        )
    return f"{found[0].parent.name}.score"


def score(project: Path, module: str, model: Path, batch: Path, out: Path) -> None:
    """Run `python -m MODULE MODEL BATCH -o OUT` in the project; OUT is whole or absent."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.stem}.partial{out.suffix}")
    ran = proc.python_module(module, str(model), str(batch), "-o", str(partial), project=project)
    if not ran.ok or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise ToolError(
            f"scoring {shown(batch, project)} failed (`python -m {module}`, exit "
            f"{ran.returncode}):\n{ran.tail(15)}",
            hint="fix the batch or the scoring module, then run again",
        )
    partial.replace(out)


# ---- health ----------------------------------------------------------------------------------


def monitoring_triggers(config: HealthConfig, label: str) -> tuple[HealthConfig, tuple[str, ...]]:
    """health.yaml's data triggers, without the label in their column lists; and the ids of
    the others, which need labels, metrics files or the pipeline."""
    kept, left = [], []
    for trigger in config.triggers:
        if trigger.check not in DATA_CHECKS:
            left.append(trigger.id)
            continue
        update: dict[str, Any] = {}
        for field in ("columns", "exclude"):
            value = getattr(trigger, field, None)
            if isinstance(value, list) and label in value:
                update[field] = [c for c in value if c != label]
        kept.append(trigger.model_copy(update=update))
    if not kept:
        raise ConfigError(
            "no data trigger to monitor with (schema, missing_share, column_drift, ...)",
            file=config.source,
            key="triggers",
            hint="add data quality and drift triggers to health.yaml, or pass --config FILE",
        )
    return config.model_copy(update={"triggers": kept}), tuple(left)


def without(profile: Profile, columns: Sequence[str]) -> Profile:
    kept = {k: v for k, v in profile.columns.items() if k not in columns}
    return dataclasses.replace(profile, columns=kept)


def profile_batch(
    path: Path,
    like: Profile,
    present: Sequence[str],
    rows: int = CHUNK_ROWS,
    engine: Engine | None = None,
) -> Profile:
    """The batch's columns (`present`) that `like` has, profiled on its bins (the other columns,
    with no bins to share, are not read), here or on `engine`."""
    from o16n.health.stats.files import profile_file

    found = set(present)
    columns = [c for c in like.columns if c in found]
    if engine is not None and not engine.default:
        from o16n.health.engines import profile_parts

        return profile_parts([path], engine, like=like, columns=columns)
    try:
        result = profile_file(path, like, rows, columns=columns)
    except ValueError:  # no chunk at all
        result = None
    if result is None or result.rows == 0:
        raise ConfigError("the scored batch has no rows", file=path)
    return result


def prediction_means(path: Path, columns: Sequence[str]) -> dict[str, float]:
    """The mean of each numeric column the scoring added (a shift in them is worth a look)."""
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    from o16n.health.stats.files import chunks

    for frame in chunks(path, columns=columns) if columns else ():
        numeric = frame.select_dtypes("number")
        for name in numeric.columns:
            sums[name] = sums.get(name, 0.0) + float(numeric[name].sum())
            counts[name] = counts.get(name, 0) + int(numeric[name].count())
    return {str(name): sums[name] / counts[name] for name in sums if counts[name]}


@dataclass
class BatchInputs(Inputs):
    """What the checks read, with both profiles made here: the label and the columns the
    reference lacks are out of the comparison."""

    profiles: tuple[Profile, Profile] | None = None

    def reference_profile(self) -> Profile:
        assert self.profiles is not None
        return self.profiles[0]

    def current_profile(self) -> Profile:
        assert self.profiles is not None
        return self.profiles[1]


# ---- the whole run ---------------------------------------------------------------------------


def check(
    project: Path,
    settings: ProjectConfig,
    health: HealthConfig,
    env: str,
    batch: Path | str,
    module: str | None = None,
    engine: Engine | None = None,
) -> Monitored:
    """Score `batch` (a file, a folder or glob of parts, a URL) with what `env` runs and check
    its health against that version's profile."""
    from o16n.health.checks import evaluate
    from o16n.health.stats.files import load_profile

    config, not_checked = monitoring_triggers(health, settings.serving.label)
    source = batch
    batch = local_batch(project, batch)
    columns = batch_columns(batch, project)
    desired = deployed(project, env)
    model = fetch(project, env, desired, settings.serving.model_file, "serving.model_file")
    profile_path = fetch(project, env, desired, settings.serving.profile, "serving.profile")
    scored = project / CACHE / "scored" / batch.name
    score(project, score_module(project, module), model, batch, scored)

    label = [settings.serving.label]
    reference = without(load_profile(profile_path), label)
    scored_columns = _peek(scored)[0]
    current = without(profile_batch(scored, reference, scored_columns, engine=engine), label)
    inputs = BatchInputs(project, shown(profile_path, project), shown(scored, project))
    inputs.profiles = (reference, current)
    added = [c for c in scored_columns if c not in columns]
    return Monitored(
        model=desired.model,
        version=desired.version,
        commit=desired.commit,
        env=env,
        batch=str(source) if locations.is_url(source) else shown(Path(source), project),
        scored=shown(scored, project),
        reference=shown(profile_path, project),
        rows=current.rows,
        predictions=prediction_means(scored, added),
        not_checked=not_checked,
        report=evaluate(config, inputs),
    )


# ---- the issue and retraining ----------------------------------------------------------------


def run_name(m: Monitored, when: datetime) -> str:
    """The kept run's file stem: its UTC time first, so names sort by time, then the batch."""
    batch = m.batch.rstrip("/").rsplit("/", 1)[-1].split("*", 1)[0] or "batch"
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in Path(batch).stem)
    return f"{when.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}-{m.env}-{safe[:60]}"


def marker(model: str, env: str) -> str:
    """The hidden line that tells o16n's issue for this model and environment from others."""
    return f"<!-- o16n-monitor: {model} {env} -->"


def title(model: str, env: str) -> str:
    return f"o16n monitor: {model} {env} health"


@dataclass(frozen=True)
class Retraining:
    """The retraining dispatch, as data: which workflow on which branch, or why GitHub refused.
    A refusal is held, not raised, so the issue can say so before the run fails."""

    workflow: str | None = None  # None: nothing dispatched (no `fail` fired, or none is set)
    branch: str = ""
    refused: GitHubError | None = None

    @property
    def dispatched(self) -> bool:
        return self.workflow is not None and self.refused is None


@dataclass(frozen=True)
class IssueText:
    """The issue's texts, rendered by the caller (`o16n.report.monitor.issue_text`): this module
    decides what to post where, not how it reads."""

    body: str  # the report: opens the issue, or replaces its body, when a trigger fired
    rerun: str  # the comment on the open issue that a firing run updated
    healthy: str  # the comment on the open issue when the batch is healthy


def retrain(m: Monitored, settings: ProjectConfig, actions: Actions) -> Retraining:
    """Dispatch the retraining workflow (o16n.yaml monitoring.retrain_workflow) with the batch,
    when a `fail` trigger fired and one is named."""
    workflow, branch = settings.monitoring.retrain_workflow, settings.github.branch
    if not (m.failed and workflow):
        return Retraining()
    from o16n.adapters import github

    client = github.connect(actions)
    try:
        github.dispatch_workflow(client, actions, workflow, branch, {"batch": m.batch})
    except github.GitHubError as exc:  # the issue still says so; then the run fails
        return Retraining(workflow, branch, refused=exc)
    return Retraining(workflow, branch)


def publish(
    m: Monitored, actions: Actions, text: IssueText, retraining: Retraining = Retraining()
) -> list[str]:
    """Open or update the issue when a trigger fired; a healthy batch is noted on the open issue.
    `retraining` is what `retrain` did before (`text` says so); its refusal is raised once the
    issue is written. Returns what was done, a line each."""
    from o16n.adapters import github

    said = [_issue(m, github.connect(actions), actions, text)]
    if retraining.refused is not None:
        raise retraining.refused
    if retraining.dispatched:
        said.append(f"retraining dispatched: {retraining.workflow} on {retraining.branch}")
    return [line for line in said if line]


def _issue(m: Monitored, client: Any, actions: Actions, text: IssueText) -> str:
    from o16n.adapters import github

    found = marker(m.model, m.env)
    if m.fired:
        number, created = github.upsert_issue(
            client, actions, title(m.model, m.env), text.body, found, LABEL
        )
        if created:
            return f"issue #{number} opened"
        github.comment_on_issue(client, actions, number, text.rerun)
        return f"issue #{number} updated"
    number_or_none = github.find_issue(client, actions, found, LABEL)
    if number_or_none is None:
        return ""
    github.comment_on_issue(client, actions, number_or_none, text.healthy)
    return f"issue #{number_or_none}: noted that the latest batch is healthy (left open)"


def monitoring_config(project: Path, config: Path | None) -> HealthConfig:
    """--config, else the project's health.yaml, else the default data triggers."""
    from o16n.config.health import default_config, load_health

    path = config if config is not None else project / "health.yaml"
    if config is None and not path.is_file():
        defaults = default_config()
        # Rows relative to the training set say little about one batch: leave that one out.
        triggers = [t for t in defaults.triggers if t.check != "row_count"]
        return defaults.model_copy(update={"triggers": triggers})
    return load_health(path)
