"""SSH signatures made and checked in process, interchangeable with ssh-keygen's."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from o16n.adapters import signing
from o16n.errors import ConfigError
from tests.signing import allowed_signers, make_key

NS = signing.LEDGER_NAMESPACE


@pytest.fixture
def key(tmp_path: Path) -> Path:
    return make_key(tmp_path / "keys", "ci")


def trusted(entries: list[tuple[str, Path, str | None]]) -> signing.AllowedSigners:
    return signing.parse_allowed_signers(allowed_signers(entries), "policies/allowed_signers")


def load(key: Path) -> signing.SigningKey:
    found = signing.signing_key({signing.KEY_VARIABLE: str(key)})
    assert found is not None
    return found


def test_a_signature_checks_with_the_listed_key_and_names_its_principal(key: Path) -> None:
    signature = load(key).sign(b"record", NS)
    checked = signing.check(b"record", signature, NS, trusted([("ci@example.com", key, None)]))
    assert checked.ok and checked.principals == ("ci@example.com",)
    assert checked.fingerprint == load(key).fingerprint


def test_changed_content_another_namespace_and_an_unlisted_key_do_not_check(
    key: Path, tmp_path: Path
) -> None:
    other = make_key(tmp_path / "keys", "other")
    signature = load(key).sign(b"record", NS)
    listed = trusted([("ci@example.com", key, None)])
    assert "bad signature" in signing.check(b"recorD", signature, NS, listed).reason
    assert "namespace" in signing.check(b"record", signature, "git", listed).reason
    unlisted = signing.check(b"record", signature, NS, trusted([("x@example.com", other, None)]))
    assert not unlisted.ok and "does not list" in unlisted.reason
    limited = trusted([("ci@example.com", key, "git")])
    assert not signing.check(b"record", signature, NS, limited).ok
    assert not signing.check(b"record", "garbage", NS, listed).ok


def test_ssh_keygen_verifies_ours_and_we_verify_ssh_keygen_s(key: Path, tmp_path: Path) -> None:
    allowed = tmp_path / "allowed"
    allowed.write_text(allowed_signers([("ci@example.com", key, None)]))
    message = tmp_path / "message"
    message.write_bytes(b"a manifest\n")
    (tmp_path / "ours.sig").write_text(load(key).sign(b"a manifest\n", NS))
    with message.open("rb") as stdin:
        verified = subprocess.run(
            [
                "ssh-keygen",
                "-Y",
                "verify",
                "-f",
                allowed,
                "-I",
                "ci@example.com",
                "-n",
                NS,
                "-s",
                tmp_path / "ours.sig",
            ],
            stdin=stdin,
            capture_output=True,
            text=True,
        )
    assert verified.returncode == 0, verified.stderr
    subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", key, "-n", NS, message], check=True)
    theirs = Path(f"{message}.sig").read_text()
    listed = trusted([("ci@example.com", key, None)])
    assert signing.check(b"a manifest\n", theirs, NS, listed).ok


def test_bad_allowed_signers_lines_name_the_file_and_line(key: Path) -> None:
    good = allowed_signers([("ci@example.com", key, None)])
    for bad in (
        "ci@example.com",
        "ci@example.com ssh-ed25519 !!!",
        "ci@x frob=1 " + good.split(" ", 1)[1],
    ):
        with pytest.raises(ConfigError) as caught:
            signing.parse_allowed_signers("# trust\n" + bad + "\n", "main:policies/allowed_signers")
        assert "main:policies/allowed_signers:2" in str(caught.value)


def test_a_missing_unreadable_or_wrong_key_is_a_clear_error(key: Path, tmp_path: Path) -> None:
    assert signing.signing_key({}) is None
    for value, words in (
        (str(tmp_path / "nope"), "does not exist"),
        (f"{key}.pub", "not an OpenSSH private key"),
    ):
        with pytest.raises(ConfigError) as caught:
            signing.signing_key({signing.KEY_VARIABLE: value})
        assert words in str(caught.value) and signing.KEY_VARIABLE in str(caught.value)
    rsa = tmp_path / "rsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", rsa], check=True)
    with pytest.raises(ConfigError, match="ed25519"):
        signing.signing_key({signing.KEY_VARIABLE: str(rsa)})
    locked = tmp_path / "locked"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "secret", "-f", locked], check=True)
    with pytest.raises(ConfigError, match="passphrase"):
        signing.signing_key({signing.KEY_VARIABLE: str(locked)})
    text = key.read_text()
    assert signing.signing_key({signing.KEY_VARIABLE: text}) is not None


def test_a_key_counts_only_inside_its_validity_window(key: Path) -> None:
    line = allowed_signers([("ci@example.com", key, None)]).strip()
    principal, rest = line.split(" ", 1)
    signature = load(key).sign(b"record", NS)
    for window, ok in (
        ('valid-after="20200101"', True),
        ('valid-before="20200101Z"', False),
        ('valid-after="20990101000000Z"', False),
    ):
        trusted = signing.parse_allowed_signers(f"{principal} {window} {rest}\n", "allowed")
        checked = signing.check(b"record", signature, NS, trusted)
        assert checked.ok is ok, checked.reason
        assert ok or "valid-after/valid-before window" in checked.reason
    with pytest.raises(ConfigError, match="not a time"):
        signing.parse_allowed_signers(f'{principal} valid-after="soon" {rest}\n', "allowed")
