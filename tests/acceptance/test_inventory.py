"""`o16n inventory` over three generated model repositories (real cookiecutter, git, DVC): one
released and deployed to staging and production with revalidation set, one released and
deployed to staging, one never released; named as two paths and a file:// URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.acceptance.test_release import complete_the_card, trust_ci_key
from tests.acceptance.test_site import o16n
from tests.conftest import Bake

pytestmark = pytest.mark.slow


def set_card_tier(project: Path, tier: str) -> None:
    """Left uncommitted: the governed change `complete_the_card` has governance approve."""
    card = project / "model_card.yaml"
    card.write_text(card.read_text().replace('risk_tier: ""', f"risk_tier: {tier}"))


def test_one_table_across_three_generated_repositories(bake: Bake, tmp_path: Path) -> None:
    churn = bake(
        project_name="Churn Model",
        project_slug="churn-model",
        owner="acme",
        governance_owners="gov@example.com",
    )
    fraud = bake(
        project_name="Fraud Model",
        project_slug="fraud-model",
        owner="acme",
        governance_owners="gov@example.com",
    )
    draft = bake(project_name="Draft Model", project_slug="draft-model", owner="acme")
    settings = churn / "o16n.yaml"
    settings.write_text(settings.read_text() + "revalidation: {every: 180d, remind: 30d}\n")
    keys = {}
    for project, tier in ((churn, "high"), (fraud, "low")):
        keys[project] = trust_ci_key(project, tmp_path / f"keys-{project.name}")
        set_card_tier(project, tier)
        complete_the_card(project)  # governance approves the card, the tier, revalidation
    for project, envs in ((churn, ["staging", "production"]), (fraud, ["staging"])):
        o16n(project, "release", key=keys[project])
        for env in envs:
            o16n(project, "deploy", "--env", env, key=keys[project])

    sources = [str(churn), str(fraud), draft.as_uri()]
    found = json.loads(o16n(churn, "inventory", *sources, "--format", "json", key=keys[churn]))
    rows = {row["model"]: row for row in found["rows"]}
    assert set(rows) == {"churn-model", "fraud-model", "draft-model"}
    assert all(row["error"] == "" for row in rows.values()) and found["ok"]
    assert (rows["churn-model"]["risk_tier"], rows["fraud-model"]["risk_tier"]) == ("high", "low")
    running = {m: {e["name"]: e["version"] for e in r["environments"]} for m, r in rows.items()}
    assert running["churn-model"] == {"staging": "v1.0.0", "production": "v1.0.0"}
    assert running["fraud-model"] == {"staging": "v1.0.0", "production": ""}
    assert set(running["draft-model"].values()) <= {""}
    churn_envs = rows["churn-model"]["environments"]
    assert all(e["validated"] and e["due"] and not e["expired"] for e in churn_envs)
    assert rows["churn-model"]["revalidate_every"] == "180d"
    assert rows["fraud-model"]["revalidate_every"] == ""  # validations do not expire there
    page = tmp_path / "inventory.html"
    o16n(churn, "inventory", *sources, "-o", str(page), key=keys[churn])
    html = page.read_text()
    assert "<script" not in html and all(name in html for name in rows)
