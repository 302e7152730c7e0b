"""KServe target: the desired state as an InferenceService, and the Argo CD Application that syncs
it from git.

`o16n deploy` writes both files next to `deploy/<env>/desired.yaml`. Argo CD applies only
`inferenceservice.yaml` from that folder; the Application is applied once (by hand or by an
app-of-apps), so it never manages itself. The model is not copied: KServe's storage initializer
downloads it from the DVC remote by its content address.

What the cluster does with these fields, read in kserve/kserve v0.20.0 and SeldonIO/MLServer 1.7.1:

- The storage initializer downloads `storageUri` into /mnt/models (`DefaultModelLocalMountPath`,
  pkg/constants/constants.go). When the URI names a single object it keeps the object's last path
  segment as the file name: S3 `obj.key.rsplit("/", 1)[-1]` on an exact key match, GCS
  `os.path.basename(bucket_path)`, Azure blob `os.path.basename(prefix)`, HTTP(S)
  `os.path.basename(url.path)` (python/storage/kserve_storage/kserve_storage.py). The DVC object
  `files/md5/ab/cdef...` therefore lands at /mnt/models/cdef... (the last 30 hex digits).
- For an MLServer runtime KServe sets MLSERVER_MODEL_NAME to the InferenceService name and
  MLSERVER_MODEL_URI to /mnt/models, each only when the predictor does not set it already
  (`SetMlServerDefaults`, pkg/apis/serving/v1beta1/inference_service_defaults.go, via
  `utils.AppendEnvVarIfNotExists`), so the values below win.
- MLServer, finding no model-settings.json under /mnt/models, builds the model from the
  MLSERVER_MODEL_* variables (mlserver/repository/repository.py; MLSERVER_MODEL_URI is
  `ModelParameters.uri` in mlserver/settings.py). Its sklearn runtime joblib-loads that URI when
  it is a file; for a folder it looks only for model.joblib, model.pickle or model.pkl
  (runtimes/sklearn/mlserver_sklearn/sklearn.py, mlserver/utils.py `get_model_uri`). A file named
  by its hash is found only if MLSERVER_MODEL_URI points at it.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import yaml

from o16n.config.project import KServeConfig
from o16n.errors import ConfigError

ISVC_FILE = "inferenceservice.yaml"
APP_FILE = "application.yaml"
CONFIG_FILE = "o16n.yaml"
MODEL_DIR = "/mnt/models"  # where KServe's storage initializer puts the download
RUNTIME = "kserve-mlserver"  # named, so KServe does not pick kserve-sklearnserver by priority
MAX_NAME = 45
# Defaults for a small scikit-learn pipeline in MLServer; they replace the kserve-mlserver
# runtime's own (1 CPU, 2Gi requested), which reserve more than such a model needs.
# o16n.yaml has no key for them yet.
RESOURCES = {
    "requests": {"cpu": "100m", "memory": "512Mi"},
    "limits": {"cpu": "1", "memory": "1Gi"},
}
# Schemes KServe's default storage initializer downloads (`SupportedStorageURIPrefixList` in
# kserve pkg/controller/v1beta1/inferenceservice/utils/utils.go; Azure blob is an https URL).
SCHEMES = ("s3", "gs", "https", "http", "hdfs", "webhdfs")

MD5 = re.compile(r"[0-9a-f]{32}")
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


def storage_uri(remote: str, md5: str) -> str:
    """Where DVC 3 keeps an object in a remote: `<remote>/files/md5/<2 hex>/<30 hex>`.

    That is `Remote.odb` in dvc/data_cloud.py (DVC 3.x). Outputs still hashed by DVC 2
    (`md5-dos2unix`, no `hash: md5` in dvc.lock) sit at `<remote>/<2 hex>/<30 hex>` instead;
    `dvc cache migrate --dvc-files` and a push move them to the DVC 3 layout.
    """
    _check_md5(md5)
    base = remote.strip().rstrip("/")
    _check_remote(base)
    return f"{base}/files/md5/{md5[:2]}/{md5[2:]}"


def manifests(
    *, model: str, version: str, env: str, commit: str, model_md5: str, settings: KServeConfig
) -> dict[str, str]:
    """The two files `o16n deploy` writes to `deploy/<env>/`, as YAML text by file name."""
    name = resource_name(model, env)
    isvc = _inference_service(name, model, version, env, commit, model_md5, settings)
    app = _application(name, model, env, settings)
    header = _header(model, version, env)
    return {ISVC_FILE: header + _dump(isvc), APP_FILE: header + _dump(app)}


def resource_name(model: str, env: str) -> str:
    """`<model>-<env>` as a DNS-1035 label KServe accepts (`IsvcNameFmt`), at most 45 characters.

    Lower case; every run of other characters than a-z and 0-9 becomes one '-'; a name that would
    start with a digit gets an `m-` prefix (a DNS-1035 label starts with a letter).
    Knative and KServe derive longer names from it that must fit 63 characters: the Knative
    Service `<name>-predictor`, its revisions `<name>-predictor-00001`, and, under some domain
    templates, a host label that adds the namespace (knative/serving#3236, kserve/kserve#4807);
    45 leaves room for them. A name cut short ends in a hash of the full one, so two long names
    stay apart.
    """
    parts = [_slug(model, "model"), _slug(env, "environment")]
    name = "-".join(parts)
    if not name[0].isalpha():
        name = f"m-{name}"
    if len(name) > MAX_NAME:
        digest = hashlib.sha256(f"{model}\0{env}".encode()).hexdigest()[:6]
        name = f"{name[: MAX_NAME - 7].rstrip('-')}-{digest}"
    return name


def _slug(value: str, what: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    if not slug:
        raise ConfigError(
            f"no usable Kubernetes name in the {what} name {value!r}",
            hint="names need at least one letter or digit (a-z, 0-9)",
        )
    return slug


def _label(value: str) -> str:
    """A Kubernetes label value: 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", value)[:63].strip("-_.")


def _check_md5(md5: str) -> None:
    if MD5.fullmatch(md5):
        return
    if md5.endswith(".dir"):
        raise ConfigError(
            f"the model is a DVC directory ({md5}); KServe is given one file",
            hint="point serving.model_file at the joblib file the pipeline writes",
        )
    raise ConfigError(
        f"not a DVC md5: {md5!r} (expected 32 lowercase hex digits)",
        hint="take it from the model's `md5:` in dvc.lock",
    )


def _check_remote(remote: str) -> None:
    key = "serving.kserve.storage"
    if not remote:
        raise ConfigError(
            "no storage set: the cluster downloads the model from the DVC remote",
            file=CONFIG_FILE,
            key=key,
            hint="set it to the URL of the project's shared DVC remote (`dvc remote list`)",
        )
    found = SCHEME.match(remote)
    scheme = found.group(1).lower() if found else ""
    if scheme in ("", "file"):
        raise ConfigError(
            f"{remote!r} is a local path, and the cluster cannot read a local path",
            file=CONFIG_FILE,
            key=key,
            hint="set a shared remote (`dvc remote add -d storage s3://bucket/dvcstore`, "
            "`dvc push`) and put its URL here",
        )
    if scheme == "azure":
        raise ConfigError(
            f"KServe does not read {remote!r}: it reads Azure blobs by their https URL",
            file=CONFIG_FILE,
            key=key,
            hint="write https://<account>.blob.core.windows.net/<container>/<path>",
        )
    if scheme not in SCHEMES:
        raise ConfigError(
            f"KServe's storage initializer cannot download {scheme}:// URLs ({remote!r})",
            file=CONFIG_FILE,
            key=key,
            hint=f"use a DVC remote it reads: {', '.join(s + '://' for s in SCHEMES)}",
        )


def _check_namespace(value: str, key: str) -> None:
    if not DNS_LABEL.fullmatch(value):
        raise ConfigError(
            f"{value!r} is not a Kubernetes namespace name",
            file=CONFIG_FILE,
            key=key,
            hint="lowercase letters, digits and '-', at most 63 characters",
        )


def _inference_service(
    name: str,
    model: str,
    version: str,
    env: str,
    commit: str,
    md5: str,
    settings: KServeConfig,
) -> dict[str, Any]:
    _check_namespace(settings.namespace, "serving.kserve.namespace")
    uri = storage_uri(settings.storage, md5)
    predictor: dict[str, Any] = {}
    if settings.service_account:
        predictor["serviceAccountName"] = settings.service_account
    predictor["model"] = {
        "modelFormat": {"name": "sklearn"},
        "runtime": RUNTIME,
        "protocolVersion": "v2",
        "storageUri": uri,
        "env": [
            # /v2/models/<model>/infer, the same path as `o16n serve`
            {"name": "MLSERVER_MODEL_NAME", "value": model},
            # the download is named by its hash, not model.joblib: see the module docstring
            {"name": "MLSERVER_MODEL_URI", "value": f"{MODEL_DIR}/{md5[2:]}"},
        ],
        "resources": {kind: dict(values) for kind, values in RESOURCES.items()},
    }
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {
            "name": name,
            "namespace": settings.namespace,
            "labels": _labels(model, version, env),
            "annotations": {"o16n.dev/commit": commit, "o16n.dev/version": version},
        },
        "spec": {"predictor": predictor},
    }


def _labels(model: str, version: str, env: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": _label(model),
        "app.kubernetes.io/version": _label(version),
        "o16n.dev/model": _label(model),
        "o16n.dev/env": _label(env),
    }


def _application(name: str, model: str, env: str, settings: KServeConfig) -> dict[str, Any]:
    if not settings.repo_url.strip():
        raise ConfigError(
            "no repository for Argo CD to sync from",
            file=CONFIG_FILE,
            key="serving.kserve.repo_url",
            hint="set it to this repository's git URL (`git remote get-url origin`)",
        )
    _check_namespace(settings.argocd_namespace, "serving.kserve.argocd_namespace")
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": name,
            "namespace": settings.argocd_namespace,
            "labels": {"o16n.dev/model": _label(model), "o16n.dev/env": _label(env)},
        },
        "spec": {
            "project": settings.argocd_project,
            "source": {
                "repoURL": settings.repo_url.strip(),
                "targetRevision": settings.revision or "main",  # o16n.yaml: github.branch
                "path": f"deploy/{env}",
                # only the InferenceService: desired.yaml is not a Kubernetes object, and the
                # Application must not manage itself
                "directory": {"include": ISVC_FILE},
            },
            "destination": {"server": settings.destination_server, "namespace": settings.namespace},
            "syncPolicy": {
                "automated": {"prune": True, "selfHeal": True},
                "syncOptions": ["CreateNamespace=true"],
            },
        },
    }


def _header(model: str, version: str, env: str) -> str:
    return (
        f"# written by `o16n deploy` ({model} {version} in {env}); do not edit: the next deploy\n"
        f"# rewrites it from deploy/{env}/desired.yaml and serving.kserve in o16n.yaml.\n"
    )


def _dump(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, default_flow_style=False)
