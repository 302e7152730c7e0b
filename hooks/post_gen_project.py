"""Turn the rendered files into a working repository.

Steps: record the template and answers (.cruft.json), `git init` on main, `dvc init`, configure
the DVC remote, run the pipeline once, `dvc push` (local remote), and make the first commit, so a
fresh repository has a clean `git status` and `dvc status`.

If a step fails, this says which and why and exits non-zero; cookiecutter (and cruft) then delete
the generated directory, so no half-initialized repository is left behind.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

# The answers in prompt order (a list of pairs keeps the order that `cruft` writes).
CONTEXT = dict(json.loads(r"""{{ cookiecutter.items() | list | tojson }}"""))
PROJECT = Path.cwd()
PYTHON = sys.executable
NEEDS = {
    "dvc": "dvc",
    "sklearn": "scikit-learn",
    "pandas": "pandas",
    "yaml": "pyyaml",
    "o16n": "o16n",
}
# Keys that describe this machine, not the project: kept out of .cruft.json.
MACHINE_KEYS = ("_output_dir", "_repo_dir")
REQUIREMENTS = "requirements-o16n.txt"  # o16n.lifecycle.source.REQUIREMENTS_FILE
SCHEMA_COMMENT = "# yaml-language-server: $schema="


class StepFailed(Exception):
    pass


def run(step: str, *command: str) -> str:
    env = {
        **os.environ,
        # The stages run `python -m <package>.<stage>`: the Python running this hook, with the
        # generated package importable before anything is installed.
        "PATH": os.pathsep.join([str(Path(PYTHON).parent), os.environ.get("PATH", "")]),
        "PYTHONPATH": os.pathsep.join(filter(None, ["src", os.environ.get("PYTHONPATH")])),
        "DVC_NO_ANALYTICS": "1",
    }
    try:
        done = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise StepFailed(
            f"step '{step}': `{command[0]}` is not installed. Fix: install it."
        ) from None
    if done.returncode != 0:
        output = (done.stderr or done.stdout).strip().splitlines()[-15:]
        raise StepFailed(f"step '{step}' failed (`{' '.join(command)}`):\n  " + "\n  ".join(output))
    return done.stdout.strip()


def template_dir() -> Path | None:
    """The template on disk, or None. Cookiecutter and cruft both run hooks while their own
    process is inside the template directory; cruft does not set `_repo_dir`."""
    repo_dir = CONTEXT.get("_repo_dir")
    if repo_dir and os.path.isabs(repo_dir):
        return Path(repo_dir)
    parent_cwd = Path(f"/proc/{os.getppid()}/cwd")
    if parent_cwd.exists():
        return parent_cwd.resolve()
    return Path(os.environ.get("PWD", "."), repo_dir) if repo_dir else None


def template_commit(where: Path | None) -> str | None:
    if where is None:
        return None
    try:
        done = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True, text=True
        )
    except FileNotFoundError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def template_source() -> tuple[str, str | None, Path | None]:
    """The template as cruft records it (a local path made absolute), its commit, its folder."""
    where = template_dir()
    if "_commit" in CONTEXT:  # `cruft create`: write exactly what cruft writes after this hook
        return CONTEXT["_template"], CONTEXT["_commit"], where
    template = CONTEXT["_template"]
    if "://" not in template and ":" not in template.split("/")[0] and where is not None:
        template = str(where)  # a local path: absolute, so cruft finds it from anywhere
    return template, template_commit(where), where


def cruft_state(template: str, commit: str | None) -> dict[str, object]:
    if "_commit" in CONTEXT:
        context = CONTEXT
    else:
        context = {k: v for k, v in CONTEXT.items() if k not in MACHINE_KEYS}
    return {
        "template": template,
        "commit": commit,
        "checkout": CONTEXT.get("_checkout"),
        "context": {"cookiecutter": context},
        "directory": None,
    }


def warn(message: str) -> None:
    print(f"warning: post_gen_project: {message}", file=sys.stderr)


def install_spec(template: str, commit: str | None, where: Path | None) -> tuple[str, str]:
    """Where the project installs o16n from, and why: the `_o16n_spec` answer if given, else
    where the template came from (o16n.lifecycle.source). Never stops generation."""
    explicit = str(CONTEXT.get("_o16n_spec") or "").strip()
    if explicit and ("\n" in explicit or explicit.startswith("-")):
        warn(f"_o16n_spec {explicit!r} is not one requirement line; it is ignored. Fix: give a "
             "path, `o16n @ git+URL@COMMIT` or `o16n==VERSION`.")  # fmt: skip
    elif explicit:
        return explicit, "the answer _o16n_spec"
    try:
        from o16n.lifecycle.source import derive
    except ImportError:
        warn(
            "the o16n running this hook is too old to work out where the template came from; "
            f"{REQUIREMENTS} says `o16n`, which no index has. Fix: upgrade o16n, or write where "
            "to install it from (a path or `o16n @ git+URL@COMMIT`) into it."
        )
        return "o16n", "a default"
    if "_commit" in CONTEXT and os.path.isabs(template):
        # `cruft create` records a file:// URL as the clone's path, and generates from the
        # recorded commit of it, not from its working tree: install that commit.
        template = Path(template).as_uri()
    try:
        found = derive(template, where, commit)
    except Exception as exc:  # a bug there must not cost the user the generated project
        warn(
            f"could not work out where o16n comes from ({type(exc).__name__}: {exc}); "
            f"{REQUIREMENTS} says o16n=={o16n_version()}. Fix: write the path or "
            "`o16n @ git+URL@COMMIT` into it, and report the error to o16n."
        )
        return f"o16n=={o16n_version()}", "a fallback"
    for warning in found.warnings:
        warn(warning)
    return found.spec, found.origin


def o16n_version() -> str:
    """The running o16n's version: the last resort, an index release."""
    from o16n import __version__

    return __version__


def write_requirements(spec: str, origin: str) -> None:
    (PROJECT / REQUIREMENTS).write_text(
        "# Where `make setup` installs o16n from, and so CI too (pr.yml, deploy.yml and\n"
        f"# monitor.yml run `make setup`). Worked out at generation from {origin}.\n"
        "# Change it here (and commit: CI reads it), or for one run:\n"
        "# `make setup O16N_SPEC='o16n @ git+URL@COMMIT'`.\n"
        f"{spec}\n"
    )


def write_schemas() -> None:
    """The JSON Schemas the `# yaml-language-server: $schema=` comments point at."""
    try:
        from o16n.config.schemas import PROJECT_DIR, write_to
    except ImportError:
        warn("this o16n has no schemas to copy; editors will not validate the YAML files")
        return
    write_to(PROJECT / PROJECT_DIR)
    # The packs' comments point into o16n's source tree; in the project they are two levels down.
    for pack in (PROJECT / "policies").glob("*/pack.yaml"):
        lines = pack.read_text(encoding="utf-8").splitlines(keepends=True)
        if lines and lines[0].startswith(SCHEMA_COMMENT):
            lines[0] = f"{SCHEMA_COMMENT}../../{PROJECT_DIR}/policy_pack.schema.json\n"
            pack.write_text("".join(lines), encoding="utf-8")


def local_remote() -> Path:
    url = CONTEXT["dvc_remote_url"].strip()
    if url:
        return Path(url).expanduser()
    home = os.environ.get("O16N_REMOTE_HOME") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "o16n", "remotes"
    )
    return Path(home) / CONTEXT["project_slug"]


def configure_remote() -> str:
    if CONTEXT["dvc_remote"] != "local":
        run(
            "dvc remote",
            PYTHON,
            "-m",
            "dvc",
            "remote",
            "add",
            "-d",
            "storage",
            CONTEXT["dvc_remote_url"].strip(),
        )
        return f"remote {CONTEXT['dvc_remote_url'].strip()} (push once your credentials work)"
    remote = local_remote().resolve()
    if remote == PROJECT or PROJECT in remote.parents:
        raise StepFailed(
            f"step 'dvc remote': {remote} is inside the repository. "
            "Fix: give dvc_remote_url a directory outside it."
        )
    remote.mkdir(parents=True, exist_ok=True)
    # --local: the path is this machine's, so it goes in .dvc/config.local, not in git.
    run("dvc remote", PYTHON, "-m", "dvc", "remote", "add", "--local", "-d", "storage", str(remote))
    return f"local remote {remote}"


def install_policies() -> None:
    """Copy the chosen policy pack (and the packs it extends) into policies/."""
    from o16n.errors import O16nError
    from o16n.policy.pack import install

    try:
        install(CONTEXT["policy_pack"], PROJECT / "policies")
    except O16nError as exc:
        raise StepFailed(f"step 'policies': {exc}") from None


def git_identity() -> None:
    """Commit as the user; a machine with no git identity gets a neutral one, said aloud."""
    if has_git_config("user.name") and has_git_config("user.email"):
        return
    print(
        "note: git has no user.name/user.email here; the first commit is by 'o16n template'. "
        "Set them and run `git commit --amend --reset-author` to take it over."
    )
    os.environ.setdefault("GIT_AUTHOR_NAME", "o16n template")
    os.environ.setdefault("GIT_AUTHOR_EMAIL", "o16n-template@users.noreply.github.com")
    os.environ.setdefault("GIT_COMMITTER_NAME", os.environ["GIT_AUTHOR_NAME"])
    os.environ.setdefault("GIT_COMMITTER_EMAIL", os.environ["GIT_AUTHOR_EMAIL"])


def has_git_config(key: str) -> bool:
    return (
        subprocess.run(["git", "config", "--get", key], cwd=PROJECT, capture_output=True).returncode
        == 0
    )


def main() -> None:
    missing = [dist for module, dist in NEEDS.items() if importlib.util.find_spec(module) is None]
    if missing:
        raise StepFailed(
            f"step 'check tools': {', '.join(missing)} not installed in {PYTHON}. "
            "Fix: `pip install o16n` (it brings them) in the environment that runs cookiecutter."
        )
    if CONTEXT["license"] == "Proprietary":
        (PROJECT / "LICENSE").unlink()
    template, commit, where = template_source()
    (PROJECT / ".cruft.json").write_text(
        json.dumps(
            cruft_state(template, commit), ensure_ascii=False, indent=2, separators=(",", ": ")
        )
        + "\n"
    )
    write_requirements(*install_spec(template, commit, where))
    install_policies()
    write_schemas()
    run("git init", "git", "init", "--quiet", "--initial-branch=main")
    run("dvc init", PYTHON, "-m", "dvc", "init", "--quiet")
    run("dvc config", PYTHON, "-m", "dvc", "config", "core.analytics", "false")
    where = configure_remote()
    run("dvc repro", PYTHON, "-m", "dvc", "repro", "--quiet")
    if CONTEXT["dvc_remote"] == "local":
        run("dvc push", PYTHON, "-m", "dvc", "push", "--quiet")
    git_identity()
    run("git add", "git", "add", "--all")
    run(
        "git commit",
        "git",
        "commit",
        "--quiet",
        "-m",
        f"Generate {CONTEXT['project_name']} from the o16n template",
    )
    print(
        f"{CONTEXT['project_slug']}: pipeline reproduced, data and model tracked by DVC ({where}), "
        "first commit on main. Next: `make setup`, then `make check`."
    )


if __name__ == "__main__":
    try:
        main()
    except StepFailed as failure:
        print(f"error: post_gen_project: {failure}", file=sys.stderr)
        sys.exit(1)
