"""Where a generated project installs o16n from (o16n.lifecycle.source): every kind of source,
and the ones that must not reach a committed requirements file as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from o16n import __version__
from o16n.lifecycle import source
from tests.conftest import ROOT

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "o16n"\n')
    return tmp_path


@pytest.fixture
def template_only(tmp_path: Path) -> Path:
    (tmp_path / "cookiecutter.json").write_text("{}")
    return tmp_path


@pytest.mark.parametrize(
    ("template", "spec"),
    [
        ("https://github.com/acme/o16n.git", "o16n @ git+https://github.com/acme/o16n.git@"),
        ("gh:acme/o16n", "o16n @ git+https://github.com/acme/o16n.git@"),
        ("gl:acme/o16n", "o16n @ git+https://gitlab.com/acme/o16n.git@"),
        ("git@github.com:acme/o16n.git", "o16n @ git+ssh://git@github.com/acme/o16n.git@"),
        ("ssh://git@host/o16n.git", "o16n @ git+ssh://git@host/o16n.git@"),
        ("git+https://host/o16n", "o16n @ git+https://host/o16n@"),
        ("file:///srv/o16n.git", "o16n @ git+file:///srv/o16n.git@"),
    ],
)
def test_a_git_url_is_pinned_to_the_commit(template: str, spec: str, checkout: Path) -> None:
    found = source.derive(template, checkout, COMMIT)
    assert found.spec == spec + COMMIT
    assert found.local == template.startswith("file:")
    assert all("on this machine only" in w for w in found.warnings) and (
        bool(found.warnings) == found.local
    )


def test_credentials_in_the_url_stay_out_of_the_spec(checkout: Path) -> None:
    found = source.derive("https://me:ghp_secret@github.com/acme/o16n.git", checkout, COMMIT)
    assert found.spec == f"o16n @ git+https://github.com/acme/o16n.git@{COMMIT}"
    assert "ghp_secret" not in found.spec + "".join(found.warnings)
    assert any("credentials" in w for w in found.warnings)


def test_an_unknown_commit_installs_unpinned_and_says_so(checkout: Path) -> None:
    found = source.derive("https://host/o16n.git", checkout, None)
    assert found.spec == "o16n @ git+https://host/o16n.git"
    assert any("not pinned" in w for w in found.warnings)


def test_a_local_checkout_is_its_path_with_a_warning_for_ci(checkout: Path) -> None:
    found = source.derive(str(checkout), checkout, COMMIT)
    assert (found.spec, found.local) == (str(checkout.resolve()), True)
    assert "CI cannot install it. Fix: " in found.warnings[0]


def test_a_template_only_source_falls_back_to_the_running_o16n(template_only: Path) -> None:
    # The tests run o16n from this checkout: that is where the project installs it from.
    assert source.derive(str(template_only), template_only, None).spec == str(ROOT)
    git = source.derive("https://host/template-only.git", template_only, COMMIT)
    assert git.spec == str(ROOT)


def test_pip_records_a_git_install() -> None:
    found = source.from_direct_url(
        {"url": "https://github.com/acme/o16n", "vcs_info": {"vcs": "git", "commit_id": COMMIT}}
    )
    assert (found.spec, found.local) == (f"o16n @ git+https://github.com/acme/o16n@{COMMIT}", False)


def test_pip_records_a_directory_install(checkout: Path) -> None:
    found = source.from_direct_url({"url": checkout.as_uri(), "dir_info": {"editable": True}})
    assert (found.spec, found.local) == (str(checkout), True)


def test_pip_records_a_wheel_from_a_file_or_a_url() -> None:
    wheel = "file:///tmp/dist/o16n-0.1.0-py3-none-any.whl"
    local = source.from_direct_url({"url": wheel, "archive_info": {}})
    assert (local.spec, local.local) == (f"o16n @ {wheel}", True)
    remote = source.from_direct_url(
        {"url": "https://u:p@files.example/o16n-0.1.0.whl", "archive_info": {}}
    )
    assert (remote.spec, remote.local) == ("o16n @ https://files.example/o16n-0.1.0.whl", False)


def test_an_unsupported_vcs_falls_back_to_the_release_with_a_warning() -> None:
    found = source.from_direct_url({"url": "https://h/o16n", "vcs_info": {"vcs": "hg"}})
    assert found.spec == f"o16n=={__version__}"
    assert "hg" in found.warnings[0]


@pytest.mark.parametrize("record", [{"url": "file:///x"}, {"vcs_info": {}}])
def test_an_unreadable_record_is_an_error_the_caller_turns_into_a_warning(
    record: dict[str, object],
) -> None:
    with pytest.raises((ValueError, KeyError)):
        source.from_direct_url(record)


def test_the_installed_distribution_is_read_without_crashing() -> None:
    found = source.from_distribution()  # this venv: an editable install of a checkout
    assert found.spec and "\n" not in found.spec


@pytest.mark.parametrize(
    "spec", ["/tmp/evil\n--index-url https://attacker.example", "--index-url=https://x", "a\x00b"]
)
def test_a_spec_that_is_not_one_requirement_line_is_refused(spec: str) -> None:
    found = source.checked(source.InstallSpec(spec, "a test"))
    assert found.spec == f"o16n=={__version__}"
    assert "not a single-line requirement" in found.warnings[0]


def test_a_checkout_path_with_a_newline_never_reaches_the_file(tmp_path: Path) -> None:
    evil = tmp_path / "o16n\n--extra-index-url=attacker"
    evil.mkdir()
    (evil / "pyproject.toml").write_text('[project]\nname = "o16n"\n')
    assert source.derive(str(evil), evil, None).spec == f"o16n=={__version__}"


def test_a_broken_pyproject_is_not_a_checkout(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\n")
    assert source.package_root(tmp_path) is None
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\n')
    assert source.package_root(tmp_path) is None
