"""KServe target: the rendered manifests pass the real CRD schemas (KServe v0.20.0, Argo CD v3.5.1,
vendored in tests/schemas/crds), those schemas reject a broken manifest, storage URIs follow
DVC 3's layout, and names are ones Kubernetes, KServe and Knative accept."""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from o16n.config.project import KServeConfig
from o16n.errors import ConfigError
from o16n.serving import kserve
from tests.conftest import ROOT

CRDS = ROOT / "tests" / "schemas" / "crds"
SCHEMA_FILES = {
    "InferenceService": "inferenceservice.v1beta1.json",
    "Application": "application.v1alpha1.json",
}
MD5 = "3f2b9c0e7a1d4e5f8a6b7c8d9e0f1a2b"
SETTINGS = KServeConfig(
    namespace="models",
    storage="s3://acme-ml/dvcstore",
    repo_url="https://github.com/acme/churn.git",
    service_account="models-s3",
)
STATE = {
    "model": "churn",
    "version": "v1.2.0",
    "env": "staging",
    "commit": "9" * 40,
    "model_md5": MD5,
}
# The CRD schema leaves metadata to the API server; these are its rules (and KServe's
# `IsvcNameFmt`, pkg/apis/serving/v1beta1/inference_service_validation.go).
ISVC_NAME = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")

Document = dict[str, Any]


def _strict(schema: Any) -> Any:
    """The API server's strict field validation (kubectl's default `--validate=strict`): a field
    the schema does not declare is an error, unless the schema preserves unknown fields."""
    if not isinstance(schema, dict):
        return schema
    closed = dict(schema)
    if "properties" in closed:
        closed["properties"] = {k: _strict(v) for k, v in closed["properties"].items()}
        if "additionalProperties" not in closed and not closed.get(
            "x-kubernetes-preserve-unknown-fields"
        ):
            closed["additionalProperties"] = False
    for key in ("items", "additionalProperties", "not"):
        if isinstance(closed.get(key), dict):
            closed[key] = _strict(closed[key])
    for key in ("anyOf", "allOf", "oneOf"):
        if key in closed:
            closed[key] = [_strict(option) for option in closed[key]]
    return closed


@functools.cache
def _validator(kind: str, *, strict: bool = True) -> Draft7Validator:
    schema = json.loads((CRDS / SCHEMA_FILES[kind]).read_text(encoding="utf-8"))
    # int32/int64 formats are unknown to jsonschema and ignored; int-or-string fields are an
    # anyOf of integer and string in the CRD, which jsonschema checks as written.
    return Draft7Validator(_strict(schema) if strict else schema)


def _errors(document: Document, *, strict: bool = True) -> list[str]:
    found = _validator(document["kind"], strict=strict).iter_errors(document)
    return sorted(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in found)


def _render(**changes: Any) -> dict[str, Document]:
    state = {**STATE, "settings": SETTINGS, **changes}
    texts = kserve.manifests(**state)
    return {name: yaml.safe_load(text) for name, text in texts.items()}


def test_rendered_manifests_pass_the_crd_schemas() -> None:
    documents = _render()
    assert set(documents) == {"inferenceservice.yaml", "application.yaml"}
    for document in documents.values():
        assert _errors(document) == []


def test_the_inference_service_serves_the_dvc_object_with_mlserver() -> None:
    isvc = _render()["inferenceservice.yaml"]
    assert (isvc["apiVersion"], isvc["kind"]) == ("serving.kserve.io/v1beta1", "InferenceService")
    assert isvc["metadata"]["name"] == "churn-staging"
    assert isvc["metadata"]["namespace"] == "models"
    assert isvc["metadata"]["labels"] == {
        "app.kubernetes.io/name": "churn",
        "app.kubernetes.io/version": "v1.2.0",
        "o16n.dev/model": "churn",
        "o16n.dev/env": "staging",
    }
    assert isvc["metadata"]["annotations"] == {
        "o16n.dev/commit": "9" * 40,
        "o16n.dev/version": "v1.2.0",
    }
    predictor = isvc["spec"]["predictor"]
    assert predictor["serviceAccountName"] == "models-s3"
    model = predictor["model"]
    assert model["modelFormat"] == {"name": "sklearn"}
    assert model["runtime"] == "kserve-mlserver"
    assert model["protocolVersion"] == "v2"
    assert model["storageUri"] == f"s3://acme-ml/dvcstore/files/md5/3f/{MD5[2:]}"
    assert model["env"] == [
        {"name": "MLSERVER_MODEL_NAME", "value": "churn"},
        {"name": "MLSERVER_MODEL_URI", "value": f"/mnt/models/{MD5[2:]}"},
    ]
    assert model["resources"] == {
        "requests": {"cpu": "100m", "memory": "512Mi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }


def test_the_application_syncs_only_the_environment_inference_service() -> None:
    app = _render()["application.yaml"]
    assert (app["apiVersion"], app["kind"]) == ("argoproj.io/v1alpha1", "Application")
    assert app["metadata"]["name"] == "churn-staging"
    assert app["metadata"]["namespace"] == "argocd"
    assert app["spec"] == {
        "project": "default",
        "source": {
            "repoURL": "https://github.com/acme/churn.git",
            "targetRevision": "main",
            "path": "deploy/staging",
            "directory": {"include": "inferenceservice.yaml"},
        },
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "models"},
        "syncPolicy": {
            "automated": {"prune": True, "selfHeal": True},
            "syncOptions": ["CreateNamespace=true"],
        },
    }


def test_names_and_labels_follow_the_rules_the_schema_leaves_to_the_api_server() -> None:
    documents = _render(model="Churn_Model.v2", version="v1.2.0+build.7", env="Prod EU")
    for document in documents.values():
        metadata = document["metadata"]
        assert ISVC_NAME.fullmatch(metadata["name"])
        for value in metadata["labels"].values():
            assert len(value) <= 63 and LABEL_VALUE.fullmatch(value), value
    isvc = documents["inferenceservice.yaml"]
    assert isvc["metadata"]["labels"]["app.kubernetes.io/version"] == "v1.2.0-build.7"
    assert isvc["metadata"]["annotations"]["o16n.dev/version"] == "v1.2.0+build.7"


def test_without_a_service_account_the_predictor_names_none() -> None:
    settings = KServeConfig(storage="gs://acme-ml/dvc", repo_url="git@github.com:a/b.git")
    isvc = _render(settings=settings)["inferenceservice.yaml"]
    assert "serviceAccountName" not in isvc["spec"]["predictor"]
    assert _errors(isvc) == []


def test_each_file_has_the_header_and_round_trips_through_yaml() -> None:
    texts = kserve.manifests(**STATE, settings=SETTINGS)
    for text in texts.values():
        first, second, body = text.split("\n", 2)
        assert first.startswith("# written by `o16n deploy` (churn v1.2.0 in staging)")
        assert second.startswith("# rewrites it from deploy/staging/desired.yaml")
        loaded = yaml.safe_load(text)
        assert yaml.safe_dump(loaded, sort_keys=False) == body
        assert _errors(loaded) == []


def _set(path: str, value: Any) -> Callable[[Document], None]:
    *parents, last = path.split(".")

    def change(document: Document) -> None:
        node = document
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value

    return change


def _drop(path: str) -> Callable[[Document], None]:
    *parents, last = path.split(".")

    def change(document: Document) -> None:
        node = document
        for key in parents:
            node = node[key]
        del node[last]

    return change


MODEL = "spec.predictor.model"


@pytest.mark.parametrize(
    ("file", "change", "expected"),
    [
        (
            "inferenceservice.yaml",
            _set(f"{MODEL}.modelFormat", "sklearn"),
            f"{MODEL}.modelFormat: 'sklearn' is not of type 'object'",
        ),
        (
            "inferenceservice.yaml",
            _set(f"{MODEL}.modelFormat", {"version": "1"}),
            f"{MODEL}.modelFormat: 'name' is a required property",
        ),
        (
            "inferenceservice.yaml",
            _set(f"{MODEL}.resources.limits.cpu", "one core"),
            f"{MODEL}.resources.limits.cpu: 'one core' does not match",
        ),
        (
            "inferenceservice.yaml",
            _set(f"{MODEL}.env", [{"value": "churn"}]),
            f"{MODEL}.env.0: 'name' is a required property",
        ),
        (
            "inferenceservice.yaml",
            _drop("spec.predictor"),
            "spec: 'predictor' is a required property",
        ),
        (
            "inferenceservice.yaml",
            _set(f"{MODEL}.storageURI", "s3://acme-ml/model.joblib"),
            f"{MODEL}: Additional properties are not allowed ('storageURI' was unexpected)",
        ),
        (
            "application.yaml",
            _drop("spec.source.repoURL"),
            "spec.source: 'repoURL' is a required property",
        ),
        (
            "application.yaml",
            _drop("spec.project"),
            "spec: 'project' is a required property",
        ),
        (
            "application.yaml",
            _set("spec.syncPolicy.automated.prune", "true"),
            "spec.syncPolicy.automated.prune: 'true' is not of type 'boolean'",
        ),
        (
            "application.yaml",
            _set("spec.syncPolicy.syncOptions", "CreateNamespace=true"),
            "spec.syncPolicy.syncOptions: 'CreateNamespace=true' is not of type 'array'",
        ),
    ],
    ids=[
        "model-format-not-an-object",
        "model-format-without-name",
        "cpu-not-a-quantity",
        "env-without-name",
        "no-predictor",
        "storage-uri-misspelt",
        "source-without-repo-url",
        "no-project",
        "prune-not-a-boolean",
        "sync-options-not-a-list",
    ],
)
def test_the_crd_schemas_reject_a_broken_manifest(
    file: str, change: Callable[[Document], None], expected: str
) -> None:
    document = copy.deepcopy(_render()[file])
    change(document)
    errors = _errors(document)
    assert len(errors) == 1 and errors[0].startswith(expected), errors


def test_a_misspelt_field_passes_without_strict_field_validation() -> None:
    """Why `_strict`: the CRD declares no additionalProperties; the API server rejects unknown
    fields itself (kubectl's `--validate=strict`), and would otherwise drop them silently."""
    isvc = copy.deepcopy(_render()["inferenceservice.yaml"])
    isvc["spec"]["predictor"]["model"]["storageURI"] = "s3://acme-ml/model.joblib"
    assert _errors(isvc, strict=False) == []
    assert _errors(isvc) != []


def test_the_crd_accepts_any_protocol_version_so_o16n_pins_v2() -> None:
    isvc = copy.deepcopy(_render()["inferenceservice.yaml"])
    isvc["spec"]["predictor"]["model"]["protocolVersion"] = "v3"
    assert _errors(isvc) == []  # the schema says only "type: string"; the rendering test pins v2


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("s3://acme-ml/dvcstore", "s3://acme-ml/dvcstore"),
        ("s3://acme-ml/dvcstore/", "s3://acme-ml/dvcstore"),
        ("gs://acme-ml", "gs://acme-ml"),
        ("gs://acme-ml/", "gs://acme-ml"),
        (
            "https://acme.blob.core.windows.net/ml/dvcstore/",
            "https://acme.blob.core.windows.net/ml/dvcstore",
        ),
        ("https://dvc.acme.example/store", "https://dvc.acme.example/store"),
        ("http://minio.local:9000/dvc/", "http://minio.local:9000/dvc"),
    ],
)
def test_storage_uri_follows_the_dvc3_remote_layout(remote: str, expected: str) -> None:
    assert kserve.storage_uri(remote, MD5) == f"{expected}/files/md5/3f/{MD5[2:]}"


@pytest.mark.parametrize(
    ("md5", "message"),
    [
        (MD5.upper(), f"not a DVC md5: '{MD5.upper()}' (expected 32 lowercase hex digits)"),
        (MD5[:31], f"not a DVC md5: '{MD5[:31]}' (expected 32 lowercase hex digits)"),
        ("z" * 32, f"not a DVC md5: '{'z' * 32}' (expected 32 lowercase hex digits)"),
        ("", "not a DVC md5: '' (expected 32 lowercase hex digits)"),
        (f"{MD5}.dir", f"the model is a DVC directory ({MD5}.dir); KServe is given one file"),
    ],
    ids=["upper-case", "short", "not-hex", "empty", "directory"],
)
def test_a_bad_md5_is_refused(md5: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        kserve.storage_uri("s3://acme-ml/dvcstore", md5)
    assert caught.value.message == message


@pytest.mark.parametrize(
    "remote", ["/srv/dvcstore", "../dvcstore", "file:///srv/dvcstore", "C:\\dvcstore"]
)
def test_a_local_remote_is_refused_with_the_way_to_a_shared_one(remote: str) -> None:
    with pytest.raises(ConfigError) as caught:
        kserve.storage_uri(remote, MD5)
    assert caught.value.message == (
        f"o16n.yaml: serving.kserve.storage: {remote!r} is a local path, "
        "and the cluster cannot read a local path"
    )
    assert caught.value.hint is not None
    assert "`dvc remote add -d storage s3://bucket/dvcstore`" in caught.value.hint


@pytest.mark.parametrize(
    ("remote", "message"),
    [
        ("", "o16n.yaml: serving.kserve.storage: no storage set"),
        ("azure://ml/dvcstore", "o16n.yaml: serving.kserve.storage: KServe does not read"),
        ("ssh://host/dvc", "o16n.yaml: serving.kserve.storage: KServe's storage initializer"),
    ],
    ids=["empty", "azure-scheme", "ssh"],
)
def test_a_remote_kserve_cannot_read_is_refused(remote: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        kserve.storage_uri(remote, MD5)
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize(
    ("model", "env", "name"),
    [
        ("churn", "staging", "churn-staging"),
        ("churn_model", "prod", "churn-model-prod"),
        ("Churn", "PROD", "churn-prod"),
        ("_churn__v2_", "dev", "churn-v2-dev"),
        ("2024 churn", "prod", "m-2024-churn-prod"),
    ],
)
def test_names_are_made_safe_for_kubernetes(model: str, env: str, name: str) -> None:
    assert kserve.resource_name(model, env) == name


def test_a_long_name_is_cut_to_45_characters_and_stays_distinct() -> None:
    model = "customer_churn_propensity_gradient_boosting_model"
    staging = kserve.resource_name(model, "staging")
    production = kserve.resource_name(model, "production")
    assert len(staging) == len(production) == 45
    assert staging.startswith("customer-churn-propensity-gradient-boo-")
    assert staging != production
    assert ISVC_NAME.fullmatch(staging) and ISVC_NAME.fullmatch(production)


@pytest.mark.parametrize(
    ("model", "env", "message"),
    [
        ("___", "prod", "no usable Kubernetes name in the model name '___'"),
        ("churn", "", "no usable Kubernetes name in the environment name ''"),
        ("моделька", "prod", "no usable Kubernetes name in the model name 'моделька'"),
    ],
)
def test_a_name_with_nothing_usable_is_refused(model: str, env: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        kserve.resource_name(model, env)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            KServeConfig(storage="s3://acme-ml/dvcstore"),
            "o16n.yaml: serving.kserve.repo_url: no repository for Argo CD to sync from",
        ),
        (
            KServeConfig(repo_url="https://github.com/acme/churn.git"),
            "o16n.yaml: serving.kserve.storage: no storage set: "
            "the cluster downloads the model from the DVC remote",
        ),
        (
            KServeConfig(
                namespace="Models", storage="s3://a/b", repo_url="https://github.com/a/b.git"
            ),
            "o16n.yaml: serving.kserve.namespace: 'Models' is not a Kubernetes namespace name",
        ),
    ],
    ids=["no-repo-url", "no-storage", "bad-namespace"],
)
def test_incomplete_settings_name_the_key_in_o16n_yaml(
    settings: KServeConfig, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        kserve.manifests(**STATE, settings=settings)
    assert caught.value.message == message


@pytest.mark.slow
def test_deploy_with_the_kserve_target_commits_valid_manifests(bake: Any) -> None:
    from tests.acceptance.test_release import complete_the_card, trust_ci_key
    from tests.conftest import BIN, run

    project = bake(governance_owners="gov@example.com")
    config = project / "o16n.yaml"
    kserve_target = (
        "  target: kserve\n  kserve:\n    storage: s3://acme-ml/dvcstore\n"
        "    repo_url: https://github.com/acme/credit-risk-model.git\n"
    )
    text = config.read_text()
    assert "  target: local\n" in text  # the template's serving block
    config.write_text(text.replace("  target: local\n", kserve_target))
    run("git", "commit", "--quiet", "-am", "Serve on KServe", cwd=project)
    key = trust_ci_key(project, project.parent / "keys")
    complete_the_card(project)
    signed = {"O16N_SIGNING_KEY": str(key)}
    run(BIN / "o16n", "release", cwd=project, **signed)
    run(BIN / "o16n", "deploy", "--env", "staging", cwd=project, **signed)

    shown = run("git", "show", "--name-only", "--format=", "HEAD", cwd=project).stdout.split()
    assert {f"deploy/staging/{kserve.ISVC_FILE}", f"deploy/staging/{kserve.APP_FILE}"} <= set(shown)
    lock = yaml.safe_load((project / "dvc.lock").read_text())
    md5 = next(
        out["md5"]
        for stage in lock["stages"].values()
        for out in stage.get("outs", [])
        if out["path"] == "models/model.joblib"
    )
    folder = project / "deploy" / "staging"
    isvc = yaml.safe_load((folder / kserve.ISVC_FILE).read_text())
    app = yaml.safe_load((folder / kserve.APP_FILE).read_text())
    assert _errors(isvc) == [] and _errors(app) == []
    model = isvc["spec"]["predictor"]["model"]
    assert model["storageUri"] == f"s3://acme-ml/dvcstore/files/md5/{md5[:2]}/{md5[2:]}"
    assert app["spec"]["source"]["path"] == "deploy/staging"
    assert "target: kserve" in (folder / "desired.yaml").read_text()
