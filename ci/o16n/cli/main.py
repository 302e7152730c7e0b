"""The command line: parse, dispatch, exit code. Each command is `o16n.cli.commands.<name>`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from o16n import __version__
from o16n.cli.console import make_console
from o16n.cli.errorhandler import error_handler
from o16n.errors import EXIT_USAGE

# name -> one-line help; the module o16n.cli.commands.<name> holds add_arguments() and run(),
# and lists the shared flags it takes (o16n.cli.options) in PARENTS.
COMMANDS: dict[str, str] = {
    "new": "generate a model repository from the bundled template",
    "data": "bring your own table: `o16n data use FILE --target COLUMN`",
    "check": "run what a pull request gets: reproduction, tests, metrics, health, KPIs, gate",
    "profile": "summarize a dataset as a reference profile (JSON) for health checks",
    "health": "evaluate health triggers (data quality, drift, performance, ...) and report",
    "kpi": "the model's value in business units (kpis.yaml), against the baseline model",
    "facts": "print the facts document that policy rules evaluate (JSON)",
    "gate": "evaluate the policy pack for a stage, record the decision in the ledger",
    "approve": "approve this branch with an SSH-signed commit that the gate can authenticate",
    "github": "post the report to the pull request and set the gate status; protect main",
    "logs": "download a CI run's logs and report artifacts (for a PR, a run or a release)",
    "modelcard": "render MODEL_CARD.md from model_card.yaml and what the pipeline knows",
    "release": "register the next version (a GTO tag) and build the signed release bundle",
    "verify": "check a release bundle: its signature by a trusted key, every file's sha256",
    "deploy": "gate, then write and commit the environment's desired state (deploy/ENV)",
    "rollback": "put the environment's previous desired state back, as a recorded commit",
    "serve": "serve the environment's desired version with MLServer, following git",
    "predict": "send rows to a served model over the V2 protocol and print the predictions",
    "ledger": "verify the decision ledger (chain, history, signatures, lineage) or show it",
    "history": "what ran in an environment at a moment, who approved it, verified",
    "evidence": "one zip for an auditor, indexed by EU AI Act Annex IV and SR 11-7",
    "timeline": "the model's history as Markdown or HTML: versions, data, metrics, verdicts",
    "site": "the model's static site: versions, environments, monitoring, decisions, logs",
    "schemas": "the JSON Schemas of o16n's YAML files; --write copies them into the project",
    "monitor": "score the newest production batch with the deployed model, check its health",
    "inventory": "one table across model repositories: owners, risk, versions, revalidation",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n  hint: run `{self.prog} --help`\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Every command's parser; with `only`, that command's flags alone (the others are listed
    by name and help): importing every command's module to build its flags costs more than
    most commands' own work at start-up."""
    parser = _Parser(
        prog="o16n",
        description="o16n: operationalization as code. CI for model repositories.",
    )
    parser.add_argument("--version", action="version", version=f"o16n {__version__}")
    parser.add_argument("--no-color", action="store_true", help="plain output (as NO_COLOR=1)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, help_text in COMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, help=help_text, description=help_text)
            continue
        module = _command_module(name)
        command = sub.add_parser(
            name, help=help_text, description=help_text, parents=getattr(module, "PARENTS", [])
        )
        module.add_arguments(command)
    return parser


def _command_module(name: str) -> ModuleType:
    return importlib.import_module(f"o16n.cli.commands.{name.replace('-', '_')}")


def chosen(argv: Sequence[str]) -> str | None:
    """The command named on the command line: the first word that is no option (o16n's own
    options take no value), when it is one of COMMANDS."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(chosen(words))
    args = parser.parse_args(words)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    console = make_console(no_color=args.no_color)
    module = _command_module(args.command)
    if getattr(module, "BATCH", False):  # before the command loads numpy and Arrow
        from o16n.health.engines import memory

        memory.for_batch()
    result = [EXIT_USAGE]
    with error_handler(make_console(stderr=True, no_color=args.no_color), result):
        result[0] = module.run(args, console)
    return result[0]
