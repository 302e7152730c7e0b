"""Reject bad answers before anything is written.

Cookiecutter runs this after the prompts and before rendering; a non-zero exit stops generation.
Each message names the answer, what is wrong, and how to fix it.
"""

from __future__ import annotations

import json
import keyword
import re
import sys

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
PACKAGE = re.compile(r"^[a-z_][a-z0-9_]*$")
GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
CODE_OWNER = re.compile(
    r"^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9_.-]+)?$|^[^@\s]+@[^@\s]+\.[^@\s]+$"
)
REMOTE_SCHEMES = {"s3": "s3://", "gcs": "gs://", "azure": "azure://", "ssh": "ssh://"}
# Packages the generated project imports; a package of the same name would shadow them.
TAKEN = {"o16n", "dvc", "sklearn", "pandas", "numpy", "yaml", "joblib", "tests", "src"}


def problems(a: dict[str, str]) -> list[str]:
    found: list[str] = []
    if not a["project_name"].strip():
        found.append("project_name is empty. Fix: give the project a human-readable name.")
    if not SLUG.match(a["project_slug"]):
        found.append(
            f"project_slug {a['project_slug']!r} is not a valid slug. Fix: use lowercase "
            "letters, digits and single hyphens, starting with a letter (e.g. 'churn-model')."
        )
    package = a["package_name"]
    if not PACKAGE.match(package) or keyword.iskeyword(package):
        found.append(
            f"package_name {package!r} is not a valid Python identifier. Fix: use lowercase "
            "letters, digits and underscores, not starting with a digit (e.g. 'churn_model')."
        )
    elif package in TAKEN or package in sys.stdlib_module_names:
        found.append(
            f"package_name {package!r} would shadow the module of the same name. "
            f"Fix: choose a more specific name (e.g. '{package}_model')."
        )
    if not GITHUB_LOGIN.match(a["owner"]):
        found.append(
            f"owner {a['owner']!r} is not a GitHub user or organization name. Fix: use letters, "
            "digits and single hyphens, at most 39 characters (e.g. 'acme-ml')."
        )
    owners = a["governance_owners"].split()
    bad_owners = [o for o in owners if not CODE_OWNER.match(o)]
    if not owners or bad_owners:
        found.append(
            f"governance_owners {a['governance_owners']!r} is not a list of code owners. "
            "Fix: give one or more of @user, @org/team or an e-mail, separated by spaces."
        )
    found += remote_problems(a["dvc_remote"], a["dvc_remote_url"].strip())
    return found


def remote_problems(kind: str, url: str) -> list[str]:
    if kind == "local":
        if url and not (url.startswith("/") or url.startswith("~")):
            return [
                f"dvc_remote_url {url!r} is relative. Fix: give an absolute directory outside "
                "the repository, or leave it empty for the default location."
            ]
        return []
    scheme = REMOTE_SCHEMES[kind]
    if not url:
        return [
            f"dvc_remote_url is empty but dvc_remote is {kind!r}. "
            f"Fix: give the remote's URL (e.g. '{scheme}my-bucket/{ANSWERS['project_slug']}'), "
            "or choose dvc_remote 'local'."
        ]
    if not url.startswith(scheme) or len(url) <= len(scheme):
        return [
            f"dvc_remote_url {url!r} does not match dvc_remote {kind!r}. "
            f"Fix: use a URL that starts with {scheme!r} followed by a bucket or host and path."
        ]
    return []


if __name__ == "__main__":
    errors = problems(ANSWERS)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    sys.exit(1 if errors else 0)
