"""`o16n data use`: make a table the project's training data, in one step that either completes
or leaves the project exactly as it was.

The work happens in a copy of the project (its files, not its git history; the DVC cache is
shared, so nothing big is copied twice): the table becomes a DVC-tracked source (`dvc add`, or
`dvc import-url` for a URL), the sample stage goes, params.yaml's `data` section names the
target and the column kinds, the pipeline runs, the data contract and the settings that were the
sample's are rewritten from the new data and model, and the project's tests run. Only when all
of that passed are the changed files swapped into the project, the outputs checked out from the
cache and the change staged in git for the user to review and commit.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd

from o16n.adapters import dvc, files, git, proc
from o16n.errors import ConfigError, ToolError, UsageError
from o16n.lifecycle.data import settings
from o16n.lifecycle.data.table import TARGET, Columns, Target, find_target, kinds, read_table

SOURCE_DIR = "data/source"
SAMPLE_STAGE = "sample"
RAW = "data/raw/dataset.csv"
CONTRACT = "tests/data_contract.yaml"
# Files the swap never copies back: this machine's DVC settings and DVC's scratch space.
PRIVATE = (".dvc/config.local", ".dvc/tmp", ".dvc/cache")
URL_SCHEMES = ("http", "https", "s3", "gs", "gcs", "azure", "ssh", "hdfs", "webdav", "webdavs")


@dataclass(frozen=True)
class Used:
    origin: str  # what the user named
    source: str  # where the table now is, in the project
    rows: int  # rows in data/raw/dataset.csv (those with a target)
    target: Target
    columns: Columns
    metrics: dict[str, float]
    changed: tuple[str, ...]  # what changed, in words
    decide: tuple[str, ...]  # what a person must decide before this ships
    staged: tuple[str, ...]  # the paths staged in git


def use(
    project: Path,
    origin: str,
    target_column: str,
    positive: str | None = None,
    drop: Iterable[str] = (),
) -> Used:
    project = project.resolve()
    data_settings = _project_data(project)
    classification = "positive" in data_settings
    drop = list(dict.fromkeys(drop))
    url = _is_url(origin)
    if not url:  # read and judge the table before anything is copied or written
        path = Path(origin).expanduser().resolve()
        judged = _judge(
            read_table(path, origin), origin, target_column, positive, classification, drop
        )
    with tempfile.TemporaryDirectory(prefix="o16n-data-") as scratch:
        work = Path(scratch) / project.name
        copied = _copy_project(project, work)
        name = _source_name(origin)
        source = f"{SOURCE_DIR}/{name}"
        old_source = str(data_settings.get("source", ""))
        _retire(work, old_source, source)  # first: a table named like the old one replaces it
        if url:
            _import_url(work, origin, source)
            judged = _judge(
                read_table(work / source, origin),
                origin,
                target_column,
                positive,
                classification,
                drop,
            )
        else:
            (work / SOURCE_DIR).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, work / source)
            _dvc(work, "add", "--quiet", source)
        target, columns = judged
        _point_ingest_at(work, old_source, source)
        changed = [f"{source}: tracked by DVC ({source}.dvc)" + (f", from {origin}" if url else "")]
        changed += settings.write_params(work / "params.yaml", source, target, columns)
        _dvc(work, "repro", "--quiet")
        metrics = _metrics(work)
        raw = pd.read_csv(work / RAW)
        (work / CONTRACT).write_text(settings.contract_text(raw, target, columns, source))
        changed.append(f"{CONTRACT}: columns, kinds, ranges and missing shares of the new table")
        limits = settings.floors(metrics, classification)
        changed += _rewrite_settings(
            work, source, origin if url else "", raw, target, columns, limits, metrics
        )
        _run_tests(work, origin, columns)
        staged = _swap(work, project, copied, old_source if old_source != source else None)
    decide = _to_decide(target, columns, metrics, limits)
    if not _shared_remote(project):
        decide.append(
            "the DVC remote is a directory on this machine: CI cannot pull your table; "
            "configure a shared one (README, 'The DVC remote'), then `dvc push`"
        )
    return Used(
        origin, source, len(raw), target, columns, metrics, tuple(changed), tuple(decide), staged
    )


def _shared_remote(project: Path) -> bool:
    """Whether the committed DVC config names a remote (a local one is in config.local)."""
    config = project / ".dvc" / "config"
    return config.is_file() and "url =" in config.read_text()


def _project_data(project: Path) -> dict[str, object]:
    if not git.is_repository(project):
        raise ConfigError(
            "not an o16n project: no .git or dvc.yaml here",
            file=project,
            hint="run o16n in the project's root, or pass --project DIR",
        )
    params = project / "params.yaml"
    try:
        data = (settings.load(params) or {}).get("data")
    except FileNotFoundError:
        raise ConfigError("no params.yaml", file=params) from None
    if not isinstance(data, dict) or "numeric" not in data:
        raise ConfigError(
            "no `data` section: this project was generated before `o16n data use` existed",
            file=params,
            hint="update it from the template (`cruft update`), or follow its README's "
            "'Bring your own data' by hand",
        )
    return dict(data)


def _judge(
    frame: pd.DataFrame,
    shown: str,
    column: str,
    positive: str | None,
    classification: bool,
    drop: list[str],
) -> tuple[Target, Columns]:
    target = find_target(frame, column, positive, classification, shown)
    return target, kinds(frame, target, drop)


def _is_url(origin: str) -> bool:
    parsed = urlparse(origin)
    return parsed.scheme.lower() in URL_SCHEMES and bool(parsed.netloc or parsed.path)


def _source_name(origin: str) -> str:
    name = Path(urlparse(origin).path if _is_url(origin) else origin).name
    if not name or name in (".", ".."):
        raise UsageError(f"{origin}: no file name in it", hint="name a file: .../table.csv")
    return name


def _copy_project(project: Path, work: Path) -> dict[str, str]:
    """The project's files (tracked, and untracked ones git does not ignore) but its DVC
    outputs, and its DVC settings with the cache pointed back at the project's; returns each
    copied file's sha256, to tell later what changed."""
    listed = git.run(
        "ls-files", "-z", "--cached", "--others", "--exclude-standard", project=project
    )
    if not listed.ok:
        raise ToolError(f"`git ls-files` failed in {project}:\n{listed.tail()}")
    copied = {}
    for rel in filter(None, listed.output.split("\0")):
        where = project / rel
        if not where.is_file() or _is_bulk_data(rel):
            continue
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(where, work / rel)
        copied[rel] = files.file_digest(where)
    local = project / ".dvc" / "config.local"
    if local.is_file():
        shutil.copy2(local, work / ".dvc" / "config.local")
    cache = dvc.run("cache", "dir", project=project)
    if not cache.ok:
        raise ToolError(f"`dvc cache dir` failed in {project}:\n{cache.tail()}")
    ready = git.run("init", "--quiet", project=work)
    if not ready.ok:
        raise ToolError(f"`git init` failed in a scratch copy:\n{ready.tail()}")
    _dvc(work, "cache", "dir", "--local", cache.output.strip().splitlines()[-1])
    return copied


def _is_bulk_data(rel: str) -> bool:
    """Untracked data that is not git's to copy (production batches dropped in data/)."""
    return rel.startswith(("data/", "models/")) and not rel.endswith((".dvc", ".gitignore"))


def _dvc(work: Path, *args: str) -> proc.Ran:
    ran = dvc.run(*args, project=work)
    if not ran.ok:
        raise ToolError(
            f"`dvc {' '.join(args)}` failed; the project is unchanged:\n{ran.tail(25)}",
            hint="fix the cause above and run `o16n data use` again",
        )
    return ran


def _import_url(work: Path, url: str, source: str) -> None:
    (work / SOURCE_DIR).mkdir(parents=True, exist_ok=True)
    ran = dvc.run("import-url", url, source, project=work)
    if not ran.ok:
        raise ConfigError(
            f"cannot import it with `dvc import-url`; the project is unchanged:\n{ran.tail(8)}",
            file=url,
            hint="check the URL and that this machine reaches it (credentials for s3://, "
            "gs://, azure://: DVC's remote settings), or download it and give the file",
        )
    # The imported version is pinned: `dvc update` fetches a newer one, on purpose.
    _dvc(work, "freeze", f"{source}.dvc")


def _retire(work: Path, old: str, new: str) -> None:
    """Take the previous source out: the sample stage and its module, or the last table."""
    pipeline = settings.load(work / "dvc.yaml")
    stages = pipeline.get("stages") or {}
    if SAMPLE_STAGE in stages:
        _dvc(work, "remove", SAMPLE_STAGE)
        for module in (work / "src").glob(f"*/{SAMPLE_STAGE}.py"):
            module.unlink()
    elif old and old != new and (work / f"{old}.dvc").is_file():
        _dvc(work, "remove", f"{old}.dvc")
    if old and old != new:
        (work / old).unlink(missing_ok=True)


def _point_ingest_at(work: Path, old: str, new: str) -> None:
    pipeline = settings.load(work / "dvc.yaml")
    ingest = (pipeline.get("stages") or {}).get("ingest")
    if ingest is None:
        raise ConfigError(
            "no `ingest` stage: `o16n data use` feeds the table to it",
            file="dvc.yaml",
            hint="put back the template's ingest stage (python -m <package>.ingest)",
        )
    deps = ingest.setdefault("deps", [])
    if old in deps:
        deps[deps.index(old)] = new
    elif new not in deps:
        deps.append(new)
    settings.dump(work / "dvc.yaml", pipeline)


def _metrics(work: Path) -> dict[str, float]:
    try:
        loaded = json.loads((work / "metrics.json").read_text())
    except (OSError, ValueError) as exc:
        raise ToolError(f"the pipeline ran but metrics.json is unreadable: {exc}") from None
    return {k: float(v) for k, v in loaded.items() if isinstance(v, int | float)}


def _rewrite_settings(
    work: Path,
    source: str,
    link: str,
    raw: pd.DataFrame,
    target: Target,
    columns: Columns,
    limits: dict[str, dict[str, float]],
    metrics: dict[str, float],
) -> list[str]:
    changed = settings.write_o16n(work / "o16n.yaml", limits)
    if (work / "health.yaml").is_file():
        missing = float(raw.drop(columns=TARGET).isna().mean().max())
        changed += settings.write_health(work / "health.yaml", metrics, missing)
    if (work / "kpis.yaml").is_file():
        changed += settings.write_kpis(work / "kpis.yaml", target)
    if (work / "model_card.yaml").is_file():
        test_size = float(
            (settings.load(work / "params.yaml").get("prepare") or {}).get("test_size", 0.25)
        )
        changed += settings.write_model_card(
            work / "model_card.yaml", source, link, len(raw), target, columns, test_size
        )
    return changed


def _run_tests(work: Path, origin: str, columns: Columns) -> None:
    if not proc.has_module("pytest"):
        raise ToolError(
            "the project's tests need pytest, which is not installed beside o16n; "
            "the project is unchanged",
            hint="run `make setup` (it installs the project's dev tools)",
        )
    ran = proc.python_module("pytest", "-q", "-p", "no:cacheprovider", "-x", project=work)
    if not ran.ok:
        leaks = "".join(
            f"\n  note: {leak.column} gives the target away ({leak.reason}): --drop it if it "
            "is known only after the outcome"
            for leak in columns.leaks
        )
        raise ConfigError(
            "the project's tests fail with this table as the data; the project is unchanged:\n"
            + ran.tail(30)
            + leaks,
            file=origin,
            hint="test_train's smoke test failing means the model does not learn the target "
            "from these columns (leave out what does not help with --drop, or improve "
            "train.py); a test of your own may assume the old data: adapt it",
        )


def _swap(
    work: Path, project: Path, copied: dict[str, str], old_source: str | None
) -> tuple[str, ...]:
    """Copy what changed in the scratch copy into the project, remove what it removed, check
    the DVC outputs out of the shared cache, and stage the change in git."""
    listed = git.run("ls-files", "-z", "--others", "--exclude-standard", project=work)
    now = {rel for rel in listed.output.split("\0") if rel and not rel.startswith(PRIVATE)}
    now = {rel for rel in now if not _is_bulk_data(rel)}
    written = [rel for rel in sorted(now) if copied.get(rel) != files.file_digest(work / rel)]
    removed = sorted(set(copied) - now)
    for rel in written:
        with files.replaced(project / rel) as (out, _):
            out.write((work / rel).read_bytes())
    for rel in removed:
        (project / rel).unlink(missing_ok=True)
    if old_source:
        (project / old_source).unlink(missing_ok=True)
    ran = dvc.run("checkout", "--force", "--quiet", project=project)
    if not ran.ok:
        raise ToolError(f"`dvc checkout` failed after the swap:\n{ran.tail()}")
    staged = tuple(written + removed)
    git.run("add", "--all", "--", *staged, project=project)
    return staged


def _to_decide(
    target: Target, columns: Columns, metrics: dict[str, float], limits: dict[str, dict[str, float]]
) -> list[str]:
    decide = [
        "kpis.yaml: what each outcome is worth (set to 0 until a person sets them)",
        "model_card.yaml: the intended use (considerations.use_cases), the sensitive columns "
        "(model_parameters.data.*.sensitive), limitations and oversight "
        "(`o16n modelcard --check` lists what is missing)",
        "o16n.yaml: the metric floors are the new model's own less a margin: set what the "
        "model must reach for its use",
    ]
    for leak in columns.leaks:
        decide.append(
            f"{leak.column} gives the target away ({leak.reason}): if it is known only after "
            f"the outcome it leaks; run again with --drop {leak.column}"
        )
    for metric in limits.get("metric_floors", {}):
        chance = settings.CHANCE.get(metric)
        if chance is not None and metrics.get(metric, chance) <= chance + 0.05:
            decide.append(
                f"{metric} = {metrics[metric]:.3f}: the model does little better than chance; "
                "look for better columns before relying on it"
            )
    if target.rare:
        decide.append(
            f"the positive class is rare ({target.positive_share:.1%}): params.yaml "
            "train.class_weight is `balanced`; look at recall and precision, not accuracy"
        )
    return decide
