"""`o16n history`: what ran in an environment at a moment (default now): version, commit, data
and model hashes, who approved it and how, the gate decision and the waivers in force.
Reconstructed from git and the ledger alone and verified; exit 1 when a state shown does not
verify (it is shown, marked), 0 otherwise."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK

PARENTS = [options.PROJECT]
FORMATS = ("text", "json", "html")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env",
        action="append",
        help="an environment of o16n.yaml (repeat for several; default: all of them)",
    )
    parser.add_argument(
        "--at",
        metavar="DATETIME",
        help="the moment, ISO 8601 (2026-11-24, 2026-11-24T10:00, ...Z or +01:00); no zone "
        "means UTC, a date alone its end; default: now",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (text)")
    parser.add_argument("-o", "--output", type=Path, help="write here instead of stdout")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters.files import write_text_atomic
    from o16n.config.project import load_project, require_environment
    from o16n.lifecycle import history
    from o16n.report.history import Moment, to_html, to_json, to_plain, to_text

    config = load_project(args.project)
    envs = args.env or list(config.environments)
    for env in envs:
        require_environment(config, env)
    when = history.parse_moment(args.at) if args.at else datetime.now(UTC)
    states = history.deployments(args.project)
    moments = [
        Moment(
            env,
            when,
            history.at(args.project, env, when, states=states),
            next((s for s in states if s.env == env), None),
        )
        for env in envs
    ]
    if args.format == "text" and args.output is None:
        to_text(moments, console)
    else:
        text = (
            json.dumps(to_json(moments), indent=2, sort_keys=True) + "\n"
            if args.format == "json"
            else to_html(moments)
            if args.format == "html"
            else to_plain(moments)
        )
        if args.output is not None:
            write_text_atomic(args.project / args.output, text)
        else:
            console.file.write(text)
    shown = [m.state for m in moments if m.state is not None]
    return EXIT_OK if all(s.verified for s in shown) else EXIT_FAILED
