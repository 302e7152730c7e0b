"""Flags that several commands share, declared once as argparse parent parsers (as DVC does).

A command lists the ones it takes in `PARENTS`; `o16n.cli.main` passes them to its subparser.
Paths given with --reports or -o are relative to --project: `project / path` keeps an absolute
path as it is.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from o16n.policy import PROVIDERS, STAGES


def _parent() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(add_help=False)


PROJECT = _parent()
PROJECT.add_argument("--project", type=Path, default=Path("."), help="project root (.)")

GITHUB = _parent()
GITHUB.add_argument(
    "--github", action="store_true", help="track it as a GitHub Deployment (in Actions)"
)

PUSH = _parent()
PUSH.add_argument(
    "--push",
    metavar="REMOTE",
    help="push the commit and the stage tag to REMOTE's github.branch (o16n.yaml), atomically; "
    "a merge that landed meanwhile is fetched and the deploy replayed onto it (5 tries)",
)

# What `o16n facts` and `o16n gate` judge: a stage, an environment, a base, review facts.
GATE = _parent()
GATE.add_argument("--stage", choices=STAGES, default="pr", help="stage (pr)")
GATE.add_argument("--env", help="deployment environment (deploy stage)")
GATE.add_argument("--base", help="revision to compare with (pr: main; deploy: the previous commit)")
GATE.add_argument(
    "--review",
    choices=PROVIDERS,
    default="auto",
    help="where review facts come from (auto: GitHub in a PR workflow, else git)",
)
GATE.add_argument("--today", type=dt.date.fromisoformat, help=argparse.SUPPRESS)


def reports(help_text: str) -> argparse.ArgumentParser:
    """--reports DIR (default reports/, under --project), with what the command writes there."""
    parent = _parent()
    parent.add_argument("--reports", type=Path, default=Path("reports"), help=help_text)
    return parent


def env(help_text: str, *, required: bool = True) -> argparse.ArgumentParser:
    parent = _parent()
    parent.add_argument("--env", required=required, help=help_text)
    return parent


def output_format(choices: tuple[str, ...], default: str) -> argparse.ArgumentParser:
    parent = _parent()
    parent.add_argument(
        "--format", choices=choices, default=default, help=f"output format ({default})"
    )
    return parent


# Where profiles are made (`o16n profile`, `health`, `monitor`); None: as the config says.
ENGINE = _parent()
ENGINE.add_argument(
    "--engine",
    choices=("local", "dask", "spark"),
    help="where profiles are made: local (default), dask or spark (o16n[dask], o16n[spark])",
)
ENGINE.add_argument(
    "--workers",
    type=int,
    metavar="N",
    help="processes: the local pool, the dask LocalCluster, spark local[N] (1)",
)
ENGINE.add_argument(
    "--scheduler", metavar="ADDRESS", help="dask: an existing scheduler (tcp://HOST:8786)"
)
ENGINE.add_argument(
    "--master", metavar="URL", help="spark: an existing master (spark://HOST:7077, yarn, k8s://)"
)
