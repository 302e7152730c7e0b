"""What a pull request gets, as steps: lint, reproduction, tests, lock, metrics, health, KPIs, gate.

The pipeline runs before the tests, so they see the data it reads (a fresh clone has only
what `dvc pull` or the pipeline brings).

Every step runs even after one fails, so the report is complete; each returns a `StepResult`.
A failed step is a result (exit 1), not an exception; a missing tool is a `ToolError` (exit 2).
The `CheckReport` is data: the step results plus the health report, the KPIs and the gate's
judgement they came from; `o16n.report` renders it and the CLI writes the files.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from o16n.adapters import dvc, git, proc
from o16n.errors import ConfigError, ToolError

if TYPE_CHECKING:
    from o16n.health.findings import HealthReport
    from o16n.health.kpi import KPIResult
    from o16n.policy.run import Judged

    KPIs = tuple[KPIResult, KPIResult | None]  # this change's, the base's

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass(frozen=True)
class StepResult:
    name: str
    status: str
    summary: str
    details: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class MetricChange:
    file: str
    name: str
    old: float | None
    new: float | None

    @property
    def diff(self) -> float | None:
        return None if self.old is None or self.new is None else self.new - self.old


@dataclass(frozen=True)
class ParamChange:
    """A parameter that differs from the base (`dvc params diff`); values as DVC shows them."""

    file: str
    name: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class CheckReport:
    base: str
    steps: tuple[StepResult, ...]
    metrics: tuple[MetricChange, ...] = field(default=())
    params: tuple[ParamChange, ...] = field(default=())
    health: HealthReport | None = None  # when the health step ran
    kpis: KPIs | None = None  # when the kpi step ran
    gate: Judged | None = None  # when the gate step judged the change

    @property
    def passed(self) -> bool:
        return all(step.status != FAILED for step in self.steps)


@dataclass
class Context:
    project: Path
    base: str
    metrics: list[MetricChange] = field(default_factory=list)
    params: list[ParamChange] = field(default_factory=list)
    # results later steps reuse (the gate judges them) and the report shows
    health: HealthReport | None = None
    kpis: KPIs | None = None
    reproduced: bool | None = None
    gate: Judged | None = None


def _from(ran: proc.Ran, name: str, ok: str, failed: str) -> StepResult:
    if ran.ok:
        return StepResult(name, PASSED, ok)
    return StepResult(name, FAILED, failed, details=ran.tail(40))


def lint(ctx: Context) -> StepResult:
    _require("ruff", "lint")
    ran = proc.python_module(
        "ruff", "check", "--output-format", "concise", ".", project=ctx.project
    )
    return _from(ran, "lint", "ruff: no findings", "ruff found problems (`ruff check .`)")


def tests(ctx: Context) -> StepResult:
    _require("pytest", "tests")
    ran = proc.python_module("pytest", "-q", "-p", "no:cacheprovider", project=ctx.project)
    last = ran.output.strip().splitlines()[-1:] or ["no output"]
    return _from(ran, "tests", last[0].strip("= "), f"tests failed: {last[0].strip('= ')}")


def repro(ctx: Context) -> StepResult:
    ran = dvc.run("repro", project=ctx.project)
    ran_stages = [line for line in ran.output.splitlines() if line.startswith("Running stage")]
    summary = f"{len(ran_stages)} stage(s) ran, the rest were up to date"
    return _from(ran, "repro", summary, "`dvc repro` failed")


def lock(ctx: Context) -> StepResult:
    """Proof that the committed dvc.lock matches what the pipeline produces here."""
    changed = git.run("status", "--porcelain", "--", "dvc.lock", project=ctx.project)
    if changed.output.strip():
        return StepResult(
            "lock",
            FAILED,
            "dvc.lock is not current: the pipeline's inputs or outputs differ from the commit",
            details=git.run("diff", "--", "dvc.lock", project=ctx.project).tail(40)
            + "\nFix: run `make repro`, then commit dvc.lock, metrics.json and plots/.",
        )
    status = dvc.run_json("status", project=ctx.project)
    ctx.reproduced = not status
    if status:
        return StepResult("lock", FAILED, "`dvc status` is not clean", details=str(status))
    return StepResult("lock", PASSED, "dvc.lock matches; `dvc status` clean")


def metrics(ctx: Context) -> StepResult:
    if not git.revision_exists(ctx.base, ctx.project):
        return StepResult(
            "metrics",
            FAILED,
            f"base revision {ctx.base!r} not found",
            details="Fix: fetch it (actions/checkout with fetch-depth: 0) or pass --base REV.",
        )
    diff = dvc.run_json("metrics", "diff", "--all", ctx.base, project=ctx.project)
    ctx.metrics = parse_metrics_diff(diff)
    ctx.params = parse_params_diff(dvc.run_json("params", "diff", ctx.base, project=ctx.project))
    moved = [m for m in ctx.metrics if m.diff]
    summary = f"{len(ctx.metrics)} metric(s), {len(moved)} changed vs {ctx.base}"
    return StepResult("metrics", PASSED, summary + f"; {len(ctx.params)} param(s) changed")


def health(ctx: Context) -> StepResult:
    """health.yaml's triggers over the reference and current data it names."""
    if not (ctx.project / "health.yaml").is_file():
        return StepResult("health", SKIPPED, "no health.yaml")
    from o16n.config.health import resolve_config
    from o16n.health.checks import Inputs, evaluate

    config, reference, current = resolve_config(ctx.project, None, None, None)
    report = evaluate(config, Inputs(ctx.project, reference=reference, current=current))
    ctx.health = report
    fired = [
        f"{f.severity}: {f.trigger}: {f.message}"
        for f in report.by_severity()
        if f.severity != "ok"
    ]
    return StepResult(
        "health", FAILED if report.failed else PASSED, report.verdict, details="\n".join(fired)
    )


def kpi(ctx: Context) -> StepResult:
    """kpis.yaml: the model's value per 1,000 predictions, and the base revision's model's."""
    if not (ctx.project / "kpis.yaml").is_file():
        return StepResult("kpi", SKIPPED, "no kpis.yaml")
    from o16n.config.kpis import KPIConfig, unset_warning
    from o16n.config.yamlfile import load_model
    from o16n.health import kpi

    config = load_model(ctx.project / "kpis.yaml", KPIConfig)
    if not (ctx.project / config.predictions).is_file():
        return StepResult("kpi", FAILED, f"{config.predictions} not found", "Fix: run `dvc repro`.")
    current, baseline = kpi.current_and_baseline(ctx.project, config, ctx.base)
    ctx.kpis = (current, baseline)
    summary = f"{current.name} per 1,000 ({current.unit}): {kpi.describe(current)}"
    summary += f"; {ctx.base}: {kpi.describe(baseline)}"
    if current.unset:
        summary += f"; warning: {unset_warning(current.unset)}"
    return StepResult("kpi", PASSED, summary)


def gate(ctx: Context) -> StepResult:
    """The policy pack over this change's facts, at the pr stage (not recorded in the ledger:
    `o16n gate` records decisions)."""
    from o16n.policy.facts import Sources
    from o16n.policy.gate import PASS, VERDICT_WORD
    from o16n.policy.run import judge

    if not (ctx.project / "policies").is_dir():
        return StepResult("gate", SKIPPED, "no policies/ (install a pack: see README)")
    if not git.revision_exists(ctx.base, ctx.project):
        return StepResult("gate", FAILED, f"base revision {ctx.base!r} not found")
    sources = Sources(health=ctx.health, kpis=ctx.kpis, reproduced=ctx.reproduced)
    ctx.gate = judged = judge(ctx.project, stage="pr", base=ctx.base, sources=sources)
    decision = judged.decision
    problems = [o for o in decision.outcomes if o.outcome != PASS]
    details = "\n".join(
        f"{o.outcome}: {o.id}: {o.message}" + (f" ({o.detail})" if o.detail else "")
        for o in problems
    )
    summary = f"{judged.pack.name}: {VERDICT_WORD[decision.verdict]}"
    summary += f" ({len(decision.outcomes) - len(problems)}/{len(decision.outcomes)} rules passed)"
    for outcome in ("error", "fail", "waived", "warn"):  # the rules behind it, by name
        ids = [o.id for o in problems if o.outcome == outcome]
        summary += f"; {outcome}: {', '.join(ids)}" if ids else ""
    return StepResult("gate", PASSED if decision.passed else FAILED, summary, details=details)


def parse_metrics_diff(diff: object) -> list[MetricChange]:
    """`dvc metrics diff --json`: {file: {metric: {"old": x, "new": y, "diff": d}}}."""
    if not isinstance(diff, dict):
        raise ToolError(f"unexpected output of `dvc metrics diff`: {diff!r}")
    changes = []
    for file, by_name in sorted(diff.items()):
        for name, values in sorted(by_name.items()):
            changes.append(
                MetricChange(file, name, _number(values.get("old")), _number(values.get("new")))
            )
    return changes


def parse_params_diff(diff: object) -> list[ParamChange]:
    """`dvc params diff --json`: {file: {param: {"old": x, "new": y}}}, the changed ones."""
    if not isinstance(diff, dict):
        raise ToolError(f"unexpected output of `dvc params diff`: {diff!r}")
    return [
        ParamChange(file, name, _text(values.get("old")), _text(values.get("new")))
        for file, by_name in sorted(diff.items())
        for name, values in sorted(by_name.items())
    ]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _require(module: str, step: str) -> None:
    if not proc.has_module(module):
        raise ToolError(
            f"step {step!r} needs {module}, which is not installed beside o16n",
            hint="run `make setup` (it installs the project's dev tools)",
        )


STEPS: dict[str, Callable[[Context], StepResult]] = {
    "lint": lint,
    "repro": repro,
    "tests": tests,
    "lock": lock,
    "metrics": metrics,
    "health": health,
    "kpi": kpi,
    "gate": gate,
}


def run_check(project: Path, base: str, skip: frozenset[str] = frozenset()) -> CheckReport:
    if not git.is_repository(project):
        raise ConfigError(
            "not an o16n project: no .git or dvc.yaml here",
            file=project,
            hint="run o16n in the project's root, or pass --project DIR",
        )
    ctx = Context(project.resolve(), base)
    results = []
    for name, step in STEPS.items():
        if name in skip:
            results.append(StepResult(name, SKIPPED, "skipped (--skip)"))
            continue
        started = time.perf_counter()
        result = step(ctx)
        results.append(_timed(result, time.perf_counter() - started))
    return CheckReport(
        base,
        tuple(results),
        tuple(ctx.metrics),
        tuple(ctx.params),
        ctx.health,
        ctx.kpis,
        ctx.gate,
    )


def _timed(result: StepResult, seconds: float) -> StepResult:
    return StepResult(result.name, result.status, result.summary, result.details, round(seconds, 2))
