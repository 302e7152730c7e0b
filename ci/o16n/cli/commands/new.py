"""`o16n new`: generate a model repository from the template bundled with o16n."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from o16n.errors import EXIT_OK, O16nError, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("answers", nargs="*", metavar="KEY=VALUE", help="answers to the prompts")
    parser.add_argument("--no-input", action="store_true", help="take defaults, do not prompt")
    parser.add_argument(
        "-o", "--output-dir", type=Path, default=Path("."), help="where to generate"
    )
    parser.add_argument("--template", help="another copy of the template (a path or a git URL)")


def parse_answers(pairs: list[str], known: list[str]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"answer {pair!r} is not KEY=VALUE", hint="e.g. model_kind=regression")
        if key not in known:
            raise UsageError(
                f"unknown answer {key!r}", hint=f"the template asks for: {', '.join(known)}"
            )
        answers[key] = value
    return answers


def run(args: argparse.Namespace, console: Console) -> int:
    from cookiecutter.exceptions import CookiecutterException, FailedHookException
    from cookiecutter.main import cookiecutter

    from o16n.lifecycle.new import template_dir, template_keys

    bundled = template_dir()
    template = args.template or str(bundled)
    answers = parse_answers(args.answers, [*template_keys(bundled), "_o16n_spec"])
    # The hook works out where the project installs o16n from (o16n.lifecycle.source): this
    # checkout, or what pip recorded when it installed this o16n; `_o16n_spec=...` overrides it.
    try:
        project = cookiecutter(
            template, no_input=args.no_input, extra_context=answers, output_dir=str(args.output_dir)
        )
    except FailedHookException as exc:
        raise O16nError(
            f"generation stopped ({exc}); nothing was left in {args.output_dir}",
            hint="the message above says which answer or step failed and how to fix it",
        ) from None
    except CookiecutterException as exc:
        raise UsageError(f"cannot generate from {template}: {exc}") from None
    console.print(f"[ok]generated[/] {project}")
    return EXIT_OK
