"""Benchmark release verification (figures, not pass/fail).

Measures, as the median of --runs runs: `verify_bundle` in process on a signed bundle whose
model file is --model-mb MB (one signature check, then a sha256 of every file: the model's
hash is nearly all of it), the check `o16n serve` makes of a desired state before it fetches
anything (signature and binding, no file read), and the `o16n verify` command as a process
(interpreter start and git included). Built in a temporary git repository with a real
ssh-keygen key and o16n's own release code. Aim: verification costs no more than reading the
model once (sha256 at disk speed); the pre-load check stays under a millisecond.

    python bench/bench_verify.py [--runs 5] [--model-mb 200] [-o build/bench/verify.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = """\
schema: '2.0'
stages:
  train:
    cmd: python -m model.train
    outs:
    - path: models/model.joblib
      md5: {md5}
      size: {size}
"""


def sh(cwd: Path, *command: str) -> None:
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)


def released(tmp: Path, megabytes: int) -> tuple[Path, Path, str]:
    """A git repository with a trusted ed25519 key on main and a model of `megabytes` MB in
    dvc.lock; (project, key, commit)."""
    project = tmp / "credit-risk-model"
    (project / "models").mkdir(parents=True)
    (project / "policies").mkdir()
    sh(tmp, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ci", "-f", str(tmp / "key"))
    public = " ".join((tmp / "key.pub").read_text().split()[:2])
    (project / "policies" / "allowed_signers").write_text(
        f'ci@example.com namespaces="o16n-release" {public}\n'
    )
    payload = os.urandom(megabytes * 1024 * 1024)
    (project / "models" / "model.joblib").write_bytes(payload)
    (project / "dvc.lock").write_text(
        LOCK.format(md5=hashlib.md5(payload).hexdigest(), size=len(payload))
    )
    (project / ".gitignore").write_text("models/\nreleases/\n")
    sh(project, "git", "init", "-q", "-b", "main")
    sh(project, "git", "add", ".")
    sh(project, "git", "-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-qm", "x")
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=project, check=True, capture_output=True, text=True
    ).stdout.strip()
    return project, tmp / "key", commit


def median_ms(runs: int, action: object) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model-mb", type=int, default=200)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)
    sys.path[:0] = [str(ROOT / "ci"), str(ROOT)]
    from o16n.adapters import signing
    from o16n.adapters.dvc import lineage
    from o16n.adapters.manifest import MANIFEST, SIGNATURE, Signed
    from o16n.lifecycle import release, verify
    from o16n.serving import desired

    with tempfile.TemporaryDirectory() as tmp:
        project, key_path, commit = released(Path(tmp), args.model_mb)
        key = signing.signing_key({signing.KEY_VARIABLE: str(key_path)})
        model, version = "credit-risk-model", "v1.0.0"
        reports = project / "reports"
        bundle = release.build(
            project, model, version, commit, project / "releases", None, reports, key
        )
        trusted = verify.trust(project)
        at = lineage.at_revision(project, commit)
        assert at is not None
        state = desired.Desired(
            model,
            version,
            commit,
            at.model,
            release=Signed((bundle / MANIFEST).read_bytes(), (bundle / SIGNATURE).read_text()),
        )
        assert verify.verify_bundle(project, bundle, trusted).ok
        assert desired.verify_release(state, trusted).ok
        env = {**os.environ, "PYTHONPATH": str(ROOT / "ci")}
        command = [sys.executable, "-m", "o16n", "verify", str(bundle)]
        figures = {
            "model_mb": args.model_mb,
            "verify_bundle_ms": median_ms(
                args.runs, lambda: verify.verify_bundle(project, bundle, trusted)
            ),
            "serve_precheck_ms": median_ms(
                args.runs * 20, lambda: desired.verify_release(state, trusted)
            ),
            "trust_from_git_ms": median_ms(args.runs, lambda: verify.trust(project)),
            "o16n_verify_process_ms": median_ms(
                args.runs,
                lambda: subprocess.run(
                    command, cwd=project, env=env, check=True, capture_output=True
                ),
            ),
        }
        seconds = figures["verify_bundle_ms"] / 1000
        figures["verify_mb_per_s"] = round(args.model_mb / seconds) if seconds else None
    text = json.dumps(figures, indent=2)
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
