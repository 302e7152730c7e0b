"""`o16n deploy --env ENV`: the environment's deploy gate, then the desired state in
deploy/ENV/ (desired.yaml; for the kserve target also the manifests), the decision in the
ledger, one commit, and the GTO stage tag. Exit 1 when the gate refuses (the refusal is
recorded; the desired state is unchanged). With --github, a GitHub Deployment follows it:
pending (the gate), in_progress (the desired state), then success; failure (refused) or error."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from o16n.errors import EXIT_FAILED, EXIT_OK, UsageError

if TYPE_CHECKING:
    from o16n.adapters.gto import Version

Report = Callable[[str, str], None]  # (deployment state, description)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", required=True, help="the environment (o16n.yaml environments)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--version", help="the version to deploy (default: the latest)")
    which.add_argument("--from", dest="source", help="promote what this environment runs")
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="decision.{json,md}")
    parser.add_argument(
        "--github", action="store_true", help="track it as a GitHub Deployment (in Actions)"
    )
    parser.add_argument("--project", type=Path, default=Path("."), help="project root (.)")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n import policy
    from o16n.adapters import gto
    from o16n.adapters.files import write_text_atomic
    from o16n.config import project as project_config
    from o16n.lifecycle import deploy, ledger
    from o16n.policy import gate
    from o16n.report import decision as report

    project = args.project.resolve()
    config = project_config.load(project)
    model = config.model
    project_config.require_environment(config, args.env)
    with deploy.serialized(project, lambda text: console.print(f"[warn]{text}[/]")):
        version = _version(project, model, args)
        payload = {"model": model, "version": version.name, "target": config.serving.target}
        with tracked(args.github, args.env, version.commit, payload) as track:
            desired = deploy.desired_for(project, model, version, config.serving.target)
            pack, facts = policy.prepare(
                project, stage="deploy", env=args.env, base=policy.default_base(project, "deploy")
            )
            if facts["lineage"]["model"] != desired.artifact:
                raise UsageError(
                    f"the checkout's model is not {model}@{version.name}'s: the gate can only "
                    "judge the model it sees",
                    hint=f"check out {version.commit[:12]} (or a later commit with the same model)",
                )
            facts["model"]["version"] = version.name
            decision = gate.evaluate(pack, facts)
            record = gate.record(decision, facts, gate.actor(project))
            record["action"] = "deploy" if decision.passed else "refused"
            reports = args.reports if args.reports.is_absolute() else project / args.reports
            write_text_atomic(reports / "decision.md", report.to_markdown(decision, pack.name))
            report.to_text(decision, pack.name, console)
            record = ledger.append(project, record)
            paths = [str(ledger.LEDGER)]
            if decision.passed:
                track("in_progress", f"the gate passed: committing {version.name} as desired")
                paths += deploy.write(project, args.env, desired, config.serving)
                verb = f"deploy {model} {version.name} to {args.env}"
            else:
                verb = f"record the refused deploy of {model} {version.name} to {args.env}"
            commit = deploy.commit_state(project, f"[skip ci] {verb}", paths)
            if not decision.passed:
                failed = ", ".join(o.id for o in decision.failing)
                track("failure", f"refused by the deploy gate: {failed}")
                console.print(f"[fail]refused[/]: recorded as #{record['seq']} ({commit[:12]})")
                return EXIT_FAILED
            tag = gto.assign(project, model, args.env, version.name, f"o16n {verb}")
            track("success", f"{version.name} is the desired state ({commit[:12]})")
            console.print(
                f"{verb}: desired state committed ({commit[:12]}), {tag}", highlight=False
            )
    return EXIT_OK


def _version(project: Path, model: str, args: argparse.Namespace) -> Version:
    from o16n.adapters import gto
    from o16n.serving.desired import current

    name = args.version
    if args.source is not None:
        running = current(project, args.source)
        if running is None:
            raise UsageError(f"--from {args.source}: nothing is deployed there yet")
        name = running.version
    found = gto.versions(project, model)
    if name:
        version = next((v for v in found if v.name == name), None)
    else:
        version = found[-1] if found else None
    if version is None:
        raise UsageError(
            f"no version {name!r} of {model}" if name else f"{model} has no version yet",
            hint="run `o16n release` first",
        )
    return version


@contextlib.contextmanager
def tracked(enabled: bool, env: str, commit: str, payload: dict[str, Any]) -> Iterator[Report]:
    """A GitHub Deployment of `commit` to `env` when enabled (--github), else nothing; yields
    `track(state, description)`. An error on the way marks the deployment `error` first."""
    if not enabled:
        yield lambda state, description: None
        return
    from o16n.adapters import github

    actions = github.Actions.from_env()
    deployment = github.Deployment.start(
        github.connect(actions),
        actions,
        commit=commit,
        env=env,
        payload=payload,
        description=f"o16n deploy {payload['model']} {payload['version']}",
    )
    try:
        yield deployment.status
    except Exception as exc:
        with contextlib.suppress(github.GitHubError):
            deployment.status("error", f"o16n deploy failed: {exc}".splitlines()[0])
        raise
