"""SSH signatures: o16n's signing key, OpenSSH `allowed_signers` files, and the SSHSIG format.

o16n signs its ledger records and release manifests as `ssh-keygen -Y sign` does (the SSHSIG
format, OpenSSH's PROTOCOL.sshsig), with an ed25519 key, so anyone can check a signature with
`ssh-keygen -Y verify` too. Signing and checking run in process (the `cryptography` package):
a ledger of a thousand records is checked without a thousand `ssh-keygen` runs. Who may sign is
an `allowed_signers` file (ssh-keygen(1), ALLOWED SIGNERS): one line per key, the principals
(e-mails) it stands for, and options, of which `namespaces="..."` limits what it may sign.
"""

from __future__ import annotations

import base64
import datetime as dt
import fnmatch
import hashlib
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from o16n.errors import ConfigError

KEY_VARIABLE = "O16N_SIGNING_KEY"
ALLOWED_SIGNERS = "policies/allowed_signers"
LEDGER_NAMESPACE = "o16n-ledger"
RELEASE_NAMESPACE = "o16n-release"
KEY_HELP = (
    "create one with `ssh-keygen -t ed25519 -N '' -C o16n-ci -f o16n-signing`, set "
    f"{KEY_VARIABLE} to the private key's path (in CI: a repository secret holding the key), "
    f"and list the public key in {ALLOWED_SIGNERS}"
)
_MAGIC = b"SSHSIG"
_ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
_ARMOR_END = "-----END SSH SIGNATURE-----"
_KEY_TYPES = ("ssh-", "ecdsa-", "sk-")
_HASHES = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}


# ---- the signing key -------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    source: str  # where it was read: a path, or the variable that held it

    @property
    def public_blob(self) -> bytes:
        return public_blob(self.private.public_key())

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_blob)

    def public_line(self) -> str:
        """`ssh-ed25519 AAAA...`, as allowed_signers lists it."""
        return "ssh-ed25519 " + base64.b64encode(self.public_blob).decode("ascii")

    def sign(self, message: bytes, namespace: str) -> str:
        """An armored SSH signature of `message` for `namespace`, as `ssh-keygen -Y sign` makes."""
        digest = hashlib.sha512(message).digest()
        signed = _MAGIC + _string(namespace.encode()) + _string(b"") + _string(b"sha512")
        raw = self.private.sign(signed + _string(digest))
        blob = (
            _MAGIC
            + struct.pack(">I", 1)
            + _string(self.public_blob)
            + _string(namespace.encode())
            + _string(b"")
            + _string(b"sha512")
            + _string(_string(b"ssh-ed25519") + _string(raw))
        )
        text = base64.b64encode(blob).decode("ascii")
        lines = [text[i : i + 70] for i in range(0, len(text), 70)]
        return "\n".join([_ARMOR_BEGIN, *lines, _ARMOR_END]) + "\n"


def signing_key(environ: dict[str, str] | None = None) -> SigningKey | None:
    """The key `O16N_SIGNING_KEY` names (a path, or the key itself as a CI secret holds it);
    None when the variable is unset or empty. A key that cannot be used is a ConfigError."""
    value = (os.environ if environ is None else environ).get(KEY_VARIABLE, "").strip()
    if not value:
        return None
    if value.startswith("-----BEGIN"):
        return SigningKey(_private_key(value.encode(), f"${KEY_VARIABLE}"), f"${KEY_VARIABLE}")
    path = Path(value).expanduser()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{KEY_VARIABLE} names {path}, which does not exist", hint=KEY_HELP
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{KEY_VARIABLE} names {path}, which cannot be read: {exc.strerror}",
            hint="make the key readable by this user (chmod 600, owned by you)",
        ) from None
    return SigningKey(_private_key(data, str(path)), str(path))


def _private_key(data: bytes, source: str) -> Ed25519PrivateKey:
    where = f"{KEY_VARIABLE} ({source})"
    try:
        key = serialization.load_ssh_private_key(data, password=None)
    except TypeError:
        raise ConfigError(
            f"{where} is protected by a passphrase; o16n signs unattended",
            hint="use a key without a passphrase, kept as a secret: " + KEY_HELP,
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise ConfigError(
            f"{where} is not an OpenSSH private key",
            hint="the file starts with -----BEGIN OPENSSH PRIVATE KEY-----; " + KEY_HELP,
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(
            f"{where} is a {type(key).__name__.removeprefix('_')} key; o16n signs with ed25519",
            hint=KEY_HELP,
        )
    return key


def public_blob(key: Ed25519PublicKey) -> bytes:
    """The key in SSH wire format (what a `ssh-ed25519 AAAA...` line's base64 decodes to)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _string(b"ssh-ed25519") + _string(raw)


def fingerprint(blob: bytes) -> str:
    """`SHA256:...`, as `ssh-keygen -l` prints it."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


# ---- allowed_signers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    principals: tuple[str, ...]  # patterns, as written (e-mails, `*@example.com`)
    namespaces: tuple[str, ...] | None  # None: every namespace
    cert_authority: bool
    key_type: str
    blob: bytes
    line: int
    valid_after: dt.datetime | None = None  # the key counts only inside this window (UTC)
    valid_before: dt.datetime | None = None

    def valid(self, now: dt.datetime) -> bool:
        return (self.valid_after is None or now >= self.valid_after) and (
            self.valid_before is None or now < self.valid_before
        )

    def allows(self, namespace: str) -> bool:
        return self.namespaces is None or any(
            fnmatch.fnmatchcase(namespace, pattern) for pattern in self.namespaces
        )

    def stands_for(self, principal: str) -> bool:
        return any(
            fnmatch.fnmatchcase(principal.lower(), pattern.lower()) for pattern in self.principals
        )


@dataclass(frozen=True)
class AllowedSigners:
    signers: tuple[Signer, ...]
    source: str  # e.g. "main:policies/allowed_signers"
    text: str  # as read, for git (gpg.ssh.allowedSignersFile) and ssh-keygen

    def for_key(self, blob: bytes, namespace: str, now: dt.datetime | None = None) -> list[Signer]:
        """The lines that list this key for `namespace` and are valid `now` (as ssh-keygen
        checks a signature: at the time of checking)."""
        moment = now or dt.datetime.now(dt.UTC)
        return [
            s
            for s in self.signers
            if s.blob == blob and not s.cert_authority and s.allows(namespace) and s.valid(moment)
        ]

    def keys_of(self, principal: str) -> list[Signer]:
        return [s for s in self.signers if s.stands_for(principal)]


def parse_allowed_signers(text: str, source: str) -> AllowedSigners:
    """An allowed_signers file; a line that does not parse is a ConfigError naming it."""
    signers = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        signers.append(_signer(line, source, number))
    return AllowedSigners(tuple(signers), source, text)


def _signer(line: str, source: str, number: int) -> Signer:
    def bad(message: str) -> ConfigError:
        return ConfigError(
            message,
            file=source,
            line=number,
            hint="each line is `principals [options] key-type base64-key`, e.g. "
            '`ann@example.com namespaces="git" ssh-ed25519 AAAAC3Nz...` '
            "(the key as in the .pub file)",
        )

    fields = list(_fields(line))
    if len(fields) < 3:
        raise bad("an allowed signer needs principals, a key type and a key")
    principals, options = fields[0], ""
    rest = fields[1:]
    if not rest[0].startswith(_KEY_TYPES):
        options, rest = rest[0], rest[1:]
    if len(rest) < 2 or not rest[0].startswith(_KEY_TYPES):
        raise bad(f"no key type where one was expected (found {(rest or ['nothing'])[0]!r})")
    key_type, encoded = rest[0], rest[1]
    try:
        blob = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise bad("the key is not base64") from None
    try:
        declared = _read_string(blob, 0)[0].decode("ascii")
    except (ValueError, UnicodeDecodeError):
        raise bad("the key is not an SSH public key") from None
    if declared != key_type:
        raise bad(f"the key says it is {declared!r}, the line says {key_type!r}")
    namespaces: tuple[str, ...] | None = None
    authority = False
    window: dict[str, dt.datetime] = {}
    for option in _split_options(options):
        name, _, value = option.partition("=")
        name = name.lower()
        if name == "namespaces":
            namespaces = tuple(v.strip() for v in value.strip('"').split(",") if v.strip())
        elif name == "cert-authority":
            authority = True
        elif name in ("valid-after", "valid-before"):
            moment = _timestamp(value.strip('"'))
            if moment is None:
                raise bad(f"{name}={value}: not a time (YYYYMMDD or YYYYMMDDHHMM[SS], Z for UTC)")
            window[name] = moment
        else:
            raise bad(f"unknown option {name!r} (known: namespaces, cert-authority, valid-*)")
    names = tuple(p.strip() for p in principals.strip('"').split(",") if p.strip())
    if not names:
        raise bad("no principal (an e-mail) before the key")
    return Signer(
        names,
        namespaces,
        authority,
        key_type,
        blob,
        number,
        window.get("valid-after"),
        window.get("valid-before"),
    )


def _timestamp(text: str) -> dt.datetime | None:
    """ssh-keygen's time: YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, in local time unless it
    ends in Z (UTC); as an aware UTC datetime."""
    utc = text.endswith("Z")
    digits = text.removesuffix("Z")
    formats = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}
    if not digits.isdigit() or len(digits) not in formats:
        return None
    try:
        moment = dt.datetime.strptime(digits, formats[len(digits)])
    except ValueError:
        return None
    return moment.replace(tzinfo=dt.UTC) if utc else moment.astimezone(dt.UTC)


def _fields(line: str) -> Iterator[str]:
    """Space-separated fields, a double-quoted run kept whole (options may quote spaces)."""
    field: list[str] = []
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        if char.isspace() and not quoted:
            if field:
                yield "".join(field)
                field = []
            continue
        field.append(char)
    if field:
        yield "".join(field)


def _split_options(options: str) -> Iterator[str]:
    part: list[str] = []
    quoted = False
    for char in options:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            yield "".join(part)
            part = []
            continue
        part.append(char)
    if part:
        yield "".join(part)


# ---- checking a signature --------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A signature's verdict: `ok` with the principals of the key, or why not."""

    ok: bool
    reason: str
    fingerprint: str = ""
    principals: tuple[str, ...] = ()


def check(message: bytes, armored: str, namespace: str, trusted: AllowedSigners) -> Checked:
    """Whether `armored` is a good signature of `message` for `namespace`, by a key `trusted`
    lists for that namespace."""
    try:
        blob = _dearmor(armored)
        key, signed_namespace, hash_name, signature = _parse_signature(blob)
    except ValueError as exc:
        return Checked(False, f"not an SSH signature: {exc}")
    print_ = fingerprint(key)
    if signed_namespace != namespace:
        return Checked(
            False, f"signed for namespace {signed_namespace!r}, not {namespace!r}", print_
        )
    try:
        key_type, offset = _read_string(key, 0)
        raw_key = _read_string(key, offset)[0]
        sig_type, offset = _read_string(signature, 0)
        raw_sig = _read_string(signature, offset)[0]
    except ValueError as exc:
        return Checked(False, f"not an SSH signature: {exc}", print_)
    if key_type != b"ssh-ed25519" or sig_type != b"ssh-ed25519" or len(raw_key) != 32:
        return Checked(
            False,
            f"a {key_type.decode(errors='replace')} signature; o16n checks ed25519 only",
            print_,
        )
    if hash_name not in _HASHES:
        return Checked(False, f"unknown hash algorithm {hash_name!r}", print_)
    signed = (
        _MAGIC
        + _string(namespace.encode())
        + _string(b"")
        + _string(hash_name.encode())
        + _string(_HASHES[hash_name](message).digest())
    )
    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(raw_sig, signed)
    except InvalidSignature:
        return Checked(False, "bad signature: the signed content was changed", print_)
    listed = trusted.for_key(key, namespace)
    if not listed and any(
        s.blob == key and not s.cert_authority and s.allows(namespace) for s in trusted.signers
    ):
        return Checked(
            False,
            f"signed by key {print_}, outside the valid-after/valid-before window"
            f" {trusted.source} gives it",
            print_,
        )
    if not listed:
        return Checked(
            False,
            f"signed by key {print_}, which {trusted.source} does not list for {namespace}",
            print_,
        )
    principals = tuple(p for s in listed for p in s.principals)
    return Checked(True, "", print_, principals)


def _dearmor(armored: str) -> bytes:
    text = armored.strip()
    if not (text.startswith(_ARMOR_BEGIN) and text.endswith(_ARMOR_END)):
        raise ValueError("no BEGIN/END SSH SIGNATURE lines")
    body = "".join(text[len(_ARMOR_BEGIN) : -len(_ARMOR_END)].split())
    try:
        return base64.b64decode(body, validate=True)
    except ValueError:
        raise ValueError("the body is not base64") from None


def _parse_signature(blob: bytes) -> tuple[bytes, str, str, bytes]:
    if not blob.startswith(_MAGIC) or len(blob) < 10:
        raise ValueError("no SSHSIG preamble")
    (version,) = struct.unpack(">I", blob[6:10])
    if version != 1:
        raise ValueError(f"SSHSIG version {version}")
    key, offset = _read_string(blob, 10)
    namespace, offset = _read_string(blob, offset)
    _reserved, offset = _read_string(blob, offset)
    hash_name, offset = _read_string(blob, offset)
    signature, offset = _read_string(blob, offset)
    if offset != len(blob):
        raise ValueError("bytes after the signature")
    return (
        key,
        namespace.decode("utf-8", "replace"),
        hash_name.decode("ascii", "replace"),
        signature,
    )


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _read_string(data: bytes, offset: int) -> tuple[bytes, int]:
    if offset + 4 > len(data):
        raise ValueError("truncated")
    (length,) = struct.unpack(">I", data[offset : offset + 4])
    end = offset + 4 + length
    if end > len(data):
        raise ValueError("truncated")
    return data[offset + 4 : end], end


def allowed_signers_at(project: Path, revision: str | None) -> AllowedSigners | None:
    """policies/allowed_signers as committed at `revision` (as in the checkout when None);
    None when there is none there."""
    if revision is None:
        path = project / ALLOWED_SIGNERS
        if not path.is_file():
            return None
        return parse_allowed_signers(path.read_text(encoding="utf-8"), ALLOWED_SIGNERS)
    from o16n.adapters import git

    shown = git.run("show", f"{revision}:{ALLOWED_SIGNERS}", project=project)
    if not shown.ok:
        return None
    return parse_allowed_signers(shown.output, f"{revision}:{ALLOWED_SIGNERS}")
