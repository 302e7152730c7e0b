"""`o16n verify releases/<model>@<version>`: check a release bundle before trusting it.

It verifies when `manifest.json.sig` is a good SSH signature (namespace `o16n-release`) of
`manifest.json` by a key that policies/allowed_signers lists for releases, as committed on the
protected branch (--trust-ref; o16n.yaml github.branch, main) and not as in the checkout; every
file the manifest lists is there with its sha256; no other file is there; and the manifest is
of the version the folder and its git tag name. Exit 0: verified, with the signer's principal
and key fingerprint. Exit 1: not verified, with each problem (unsigned, a key not trusted, a
bad signature, a signature for another namespace, a file whose hash differs, a file added or
missing). Exit 2: bad input (no such folder, not a bundle, a --trust-ref that names no commit,
an allowed_signers that does not parse).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK

PARENTS = [options.PROJECT]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "bundle",
        type=Path,
        help="the release bundle folder (releases/<model>@<version>; from the current directory)",
    )
    parser.add_argument(
        "--trust-ref",
        help="the branch whose policies/allowed_signers says who may sign releases "
        "(o16n.yaml github.branch: main)",
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.lifecycle import verify
    from o16n.report.release import verdict_to_text

    project = args.project.resolve()
    bundle = args.bundle if args.bundle.is_absolute() else Path.cwd() / args.bundle
    trusted = verify.trust(project, args.trust_ref)
    verdict = verify.verify_bundle(project, bundle, trusted)
    verdict_to_text(verdict, str(args.bundle), trusted, console)
    return EXIT_OK if verdict.ok else EXIT_FAILED
