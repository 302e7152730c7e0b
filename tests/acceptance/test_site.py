"""`o16n site` on a generated project run as the demo runs it: two versions released and
signed, staging and production, a promotion, a rollback, and a monitor run on a drifted
batch; the site built from all that, checked page by page and painted by Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.acceptance.test_release import complete_the_card, retrain, trust_ci_key
from tests.conftest import BIN, ROOT, Bake, run
from tests.site_checks import PAGES, check_screenshots, check_site

pytestmark = pytest.mark.slow
MODEL = "credit-risk-model"
PACKAGE = "credit_risk_model"


def o16n(project: Path, *args: str, key: Path, expect: int = 0) -> str:
    """This checkout's o16n (the venv's is installed from another one), as CI runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "o16n", "--no-color", *args],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "ci"), "O16N_SIGNING_KEY": str(key)},
    )
    assert done.returncode == expect, done.stdout + done.stderr
    return done.stdout


def test_the_site_of_a_model_with_two_versions_a_rollback_and_drift(
    bake: Bake, tmp_path: Path
) -> None:
    project = bake(owner="acme", governance_owners="gov@example.com")
    key = trust_ci_key(project, tmp_path / "keys")
    complete_the_card(project)
    o16n(project, "release", key=key)
    o16n(project, "deploy", "--env", "staging", key=key)
    o16n(project, "deploy", "--env", "production", "--from", "staging", key=key)
    retrain(project, "0.5")
    o16n(project, "release", key=key)
    o16n(project, "deploy", "--env", "staging", key=key)
    o16n(project, "deploy", "--env", "production", "--from", "staging", key=key)
    o16n(project, "rollback", "--env", "production", key=key)

    (project / ".venv").mkdir()
    (project / ".venv" / "bin").symlink_to(BIN)  # what `make setup` makes
    run(BIN / "python", "-m", f"{PACKAGE}.batch", "--shift", cwd=project,
        PYTHONPATH=str(project / "src"))  # fmt: skip
    o16n(project, "monitor", key=key, expect=1)  # the shifted batch fails a drift trigger
    (kept,) = (project / "reports" / "monitor" / "runs").glob("*.json")

    out = tmp_path / "site"
    said = o16n(project, "site", "-o", str(out), key=key)
    assert "2 versions" in said and "1 monitor runs" in said and "does not verify" not in said
    check_site(out, ("staging", "production"))

    overview = (out / "index.html").read_text()
    production = overview.split("<h2>production</h2>", 1)[1].split("</section>", 1)[0]
    assert "v1.0.0" in production and "by rollback" in production
    assert 'href="decisions.html#seq-' in production and "baseline" in production
    assert "verified" in production
    versions = (out / "versions.html").read_text()
    assert "<b>v1.0.0</b>" in versions and "<b>v1.1.0</b>" in versions
    assert "params: train.C 1.0 → 0.5" in versions
    assert versions.count(" verified") == 2  # both bundles' signatures, by the trusted key
    assert (out / "releases" / f"{MODEL}@v1.1.0" / "manifest.json.sig").is_file()
    lanes = (out / "environments.html").read_text()
    assert all(f">{a}<" in lanes for a in ("deploy", "promote", "rollback"))
    monitoring = (out / "monitoring.html").read_text()
    assert 'fill="#f04438"' in monitoring  # a drifted column in the heatmap
    assert (out / "monitor" / f"{kept.stem}.html").is_file()
    history = (out / "history-production.html").read_text()
    assert "rollback v1.0.0 (was v1.1.0)" in history and "promote v1.1.0 from staging" in history
    assert "records verified at build time" in overview
    check_screenshots(out, tmp_path, (*PAGES, "history-production.html"))
