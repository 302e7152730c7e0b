"""policy.waivers: waivers.yaml loaded against the pack's rules, and the facts the gate judges."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from o16n.errors import ConfigError
from o16n.policy import waivers

RULES = ["no-regression", "metric-floors", "health-ok"]
EXPIRES = dt.date(2026, 12, 31)
ONE = """\
version: 1
waivers:
  - rule: no-regression
    reason: recall traded for precision, agreed with risk
    approved_by: Gov Person <Gov@Example.com>
    expires: 2026-12-31
"""


def write(project: Path, text: str) -> Path:
    path = project / "waivers.yaml"
    path.write_text(text)
    return path


def load_one(project: Path, text: str = ONE) -> waivers.Waiver:
    write(project, text)
    (waiver,) = waivers.load(project, RULES)
    return waiver


def test_no_waivers_file_no_waivers(tmp_path: Path) -> None:
    assert waivers.load(tmp_path, RULES) == []


def test_a_waiver_is_loaded_with_the_line_of_its_rule(tmp_path: Path) -> None:
    waiver = load_one(tmp_path)
    assert waiver.rule == "no-regression"
    assert waiver.line == 3
    assert waiver.record() == {
        "rule": "no-regression",
        "reason": "recall traded for precision, agreed with risk",
        "approved_by": "Gov Person <Gov@Example.com>",
        "expires": "2026-12-31",
    }


def test_an_empty_waivers_list_is_fine(tmp_path: Path) -> None:
    write(tmp_path, "version: 1\nwaivers: []\n")
    assert waivers.load(tmp_path, RULES) == []


def test_a_waiver_for_a_rule_the_pack_lacks_names_file_line_and_key(tmp_path: Path) -> None:
    second = "  - rule: no-regresion\n    reason: a typo in the rule id\n"
    second += "    approved_by: Gov <gov@example.com>\n    expires: 2026-12-31\n"
    path = write(tmp_path, ONE + second)
    with pytest.raises(ConfigError) as caught:
        waivers.load(tmp_path, RULES)
    error = caught.value
    assert (error.file, error.line, error.key) == (path, 7, "waivers[1].rule")
    assert str(error).startswith(
        f"{path}:7: waivers[1].rule: waives rule 'no-regresion', "
        "which the policy pack does not have"
    )
    assert error.hint == "rule ids: health-ok, metric-floors, no-regression"


def test_malformed_yaml_is_a_config_error_with_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nwaivers:\n  - rule: [no-regression\n")
    with pytest.raises(ConfigError, match="invalid YAML") as caught:
        waivers.load(tmp_path, RULES)
    assert caught.value.file == path
    assert caught.value.line is not None and caught.value.line >= 3


def test_a_short_reason_is_refused_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, ONE.replace("recall traded for precision, agreed with risk", "because"))
    with pytest.raises(ConfigError, match="at least 10 characters") as caught:
        waivers.load(tmp_path, RULES)
    assert (caught.value.file, caught.value.line, caught.value.key) == (
        path,
        4,
        "waivers[0].reason",
    )


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("", "the file is empty", None),
        (ONE + "    approved_on: 2026-11-01\n", "Extra inputs are not permitted", 7),
        (ONE.replace("version: 1", "version: 2"), "Input should be 1", 1),
        (ONE.replace("2026-12-31", "soon"), "Input should be a valid date", 6),
        (ONE + "    rule: metric-floors\n", "duplicate key", 7),
    ],
    ids=["empty", "unknown-key", "version", "bad-date", "duplicate-key"],
)
def test_an_invalid_waivers_file_is_a_config_error(
    tmp_path: Path, text: str, message: str, line: int | None
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        waivers.load(tmp_path, RULES)
    assert (caught.value.file, caught.value.line) == (path, line)


def test_a_waiver_is_active_up_to_and_including_its_expiry_day(tmp_path: Path) -> None:
    waiver = load_one(tmp_path)
    assert waiver.active(dt.date(2026, 1, 1))
    assert waiver.active(EXPIRES)
    assert not waiver.active(EXPIRES + dt.timedelta(days=1))


def vouching(
    governance: set[str] = frozenset(),  # type: ignore[assignment]
    *,
    on_base: tuple[waivers.WaiverSpec, ...] | None = None,
    approvers: set[str] = frozenset(),  # type: ignore[assignment]
    authors: set[str] = frozenset(),  # type: ignore[assignment]
) -> waivers.Vouching:
    """Who vouches for the change; by default stage deploy (every waiver is on main)."""
    return waivers.Vouching(
        on_base, frozenset(approvers), frozenset(authors), frozenset(governance)
    )


def test_facts_count_the_days_left(tmp_path: Path) -> None:
    waiver = load_one(tmp_path)
    days = {
        day: waivers.facts([waiver], day, vouching())[0]
        for day in (dt.date(2026, 12, 21), EXPIRES, dt.date(2027, 1, 1))
    }
    assert [(f["active"], f["days_left"], f["applies"]) for f in days.values()] == [
        (True, 10, True),
        (True, 0, True),
        (False, -1, False),
    ]
    assert days[dt.date(2027, 1, 1)]["why_not"] == "expired on 2026-12-31"


def test_facts_keep_the_record_and_add_the_judgement(tmp_path: Path) -> None:
    waiver = load_one(tmp_path)
    (fact,) = waivers.facts([waiver], EXPIRES, vouching({"gov@example.com"}))
    assert fact == {
        **waiver.record(),
        "triggers": [],
        "active": True,
        "days_left": 0,
        "governance_approved": True,
        "on_base": True,
        "applies": True,
        "why_not": "",
    }


@pytest.mark.parametrize(
    ("approved_by", "approved"),
    [
        ("Gov Person <Gov@Example.com>", True),  # the e-mail, in any case
        ("GOV@EXAMPLE.COM", True),  # a bare e-mail
        ("Other Person <other@example.com>", False),
        ("Gov Person", False),  # a name is not an e-mail
    ],
)
def test_governance_approval_is_by_the_approvers_e_mail_in_any_case(
    tmp_path: Path, approved_by: str, approved: bool
) -> None:
    waiver = load_one(tmp_path, ONE.replace("Gov Person <Gov@Example.com>", approved_by))
    governance = {"gov@example.com", "lead@example.com"}
    (fact,) = waivers.facts([waiver], EXPIRES, vouching(governance))
    assert fact["governance_approved"] is approved


def test_no_governance_members_no_governance_approval(tmp_path: Path) -> None:
    (fact,) = waivers.facts([load_one(tmp_path)], EXPIRES, vouching())
    assert fact["governance_approved"] is False


def test_a_waiver_the_change_adds_applies_only_with_its_approvers_authenticated_approval(
    tmp_path: Path,
) -> None:
    waiver = load_one(tmp_path)
    governance = {"gov@example.com"}
    added = vouching(governance, on_base=())
    (unapproved,) = waivers.facts([waiver], EXPIRES, added)
    assert not unapproved["applies"] and not unapproved["on_base"]
    assert "without an authenticated approval from Gov Person" in unapproved["why_not"]
    approved = vouching(governance, on_base=(), approvers={"gov@example.com"})
    assert waivers.facts([waiver], EXPIRES, approved)[0]["applies"]
    on_base = vouching(governance, on_base=(waiver.spec,))
    assert waivers.facts([waiver], EXPIRES, on_base)[0]["applies"]


def test_a_waiver_by_someone_outside_governance_or_naming_the_author_never_applies(
    tmp_path: Path,
) -> None:
    waiver = load_one(tmp_path)
    outsider = vouching({"lead@example.com"}, on_base=(), approvers={"gov@example.com"})
    (fact,) = waivers.facts([waiver], EXPIRES, outsider)
    assert not fact["applies"] and "not a governance owner" in fact["why_not"]
    author = vouching(
        {"gov@example.com"},
        on_base=(waiver.spec,),
        approvers={"gov@example.com"},
        authors={"gov@example.com"},
    )
    (fact,) = waivers.facts([waiver], EXPIRES, author)
    assert not fact["applies"] and "an author of this change" in fact["why_not"]


def test_facts_keep_the_files_order(tmp_path: Path) -> None:
    second = "  - rule: health-ok\n    reason: drift expected after the migration\n"
    second += "    approved_by: Lead <lead@example.com>\n    expires: 2027-01-15\n"
    write(tmp_path, ONE + second)
    loaded = waivers.load(tmp_path, RULES)
    facts = waivers.facts(loaded, EXPIRES, vouching({"lead@example.com"}))
    assert [(f["rule"], f["governance_approved"]) for f in facts] == [
        ("no-regression", False),
        ("health-ok", True),
    ]
    assert [w.line for w in loaded] == [3, 7]


def test_a_quoted_expiry_date_is_still_the_date(tmp_path: Path) -> None:
    """Strict numbers do not make `expires: "2026-12-31"` text: YYYY-MM-DD is the date."""
    waiver = load_one(tmp_path, ONE.replace("2026-12-31", '"2026-12-31"'))
    assert waiver.spec.expires.isoformat() == "2026-12-31"
