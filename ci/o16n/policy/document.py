"""The shape of the facts document, as types: what every policy rule may name.

Every key is always present (`kpis.configured: false` when there are none), so a rule that names
a key not here is a config error when the pack loads. Values are plain JSON data; CEL sees the
document as it is printed by `o16n facts`.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class O16nFacts(TypedDict):
    version: str


class ModelFacts(TypedDict):
    name: str
    version: str | None  # set once the registry (a version tag) knows this commit
    environments: list[str]


class BaselineFacts(TypedDict):
    available: bool
    revision: str
    commit: str
    metrics: dict[str, float]


class DataFacts(TypedDict):
    """Whether the data the model learns from changed since the base (o16n.config.dataschema):
    its target, positive class, input columns or their kinds. Then its metrics and KPI do not
    compare with the base model's, and merging makes it the new baseline."""

    changed: bool
    changes: list[str]  # in words: "target: survived -> sex", "columns added: x, y"
    basis: str  # what was compared: "params.yaml data", "reference profile", or "" (nothing)


class HealthFacts(TypedDict):
    ran: bool
    verdict: str  # ok | warn | fail, or none when health did not run
    counts: dict[str, int]
    fail: list[str]  # the ids of the triggers at that severity
    warn: list[str]
    checks: list[str]
    drifted_columns: list[str]
    dataset_drift_share: float | None


class KPIFacts(TypedDict):
    configured: bool
    name: str
    unit: str
    value_per_1000: float | None
    threshold: float | None
    best_value_per_1000: float | None
    best_threshold: float | None
    baseline_available: bool
    baseline_value_per_1000: float | None
    values_set: bool  # false while every value in kpis.yaml is 0: nothing to judge
    warning: str  # why the KPI is not judged (its values are not set), or ""


class LineageFacts(TypedDict):
    outs: dict[str, str]  # DVC-tracked path -> md5
    data: dict[str, str]
    model: dict[str, str]
    params_hash: str
    reproduced: NotRequired[bool]  # set by assemble; lineage.as_facts() has the rest


class ChangesFacts(TypedDict):
    files: list[str]
    count: int


class OwnedFile(TypedDict):
    path: str
    owners: list[str]
    approved: bool


class OwnershipFacts(TypedDict):
    codeowners: str
    files: list[OwnedFile]
    unapproved_files: list[str]
    governance: list[str]  # the owners of policies/ in CODEOWNERS
    governance_members: list[str]
    governance_approved: bool
    governed_files: list[str]  # changed paths CODEOWNERS gives to a governance owner


class NotCounted(TypedDict):
    """An approval that does not count, and why (unsigned, self-approval, stale...)."""

    who: str
    commit: str  # the commit (git) or the review's commit (GitHub)
    reason: str


class UnapprovedStep(TypedDict):
    """A commit of main's history since the previous version that changed what governance owns
    with no governance approval (stage deploy)."""

    commit: str
    files: list[str]


class ReviewFacts(OwnershipFacts):
    provider: str  # git | github
    author: str
    authors: list[str]  # everyone who authored or signed the change's commits
    approvers: list[str]  # approvals that count: authenticated, independent, current
    approvals: int
    self_approved: bool
    not_counted: list[NotCounted]
    trust: str  # where the keys that authenticate approvals were read (git), or ""
    unapproved_history: list[UnapprovedStep]  # deploy: earlier unapproved governed steps


class PullRequestReviewFacts(ReviewFacts):
    """The GitHub provider's review facts: the pull request's, beyond what git can say."""

    number: int
    stale_approvals: list[str]
    read_only_approvals: list[str]
    changes_requested: list[str]
    environment_approvers: list[str]  # deploy: reviewers of this run's environment, counted
    labels: list[str]
    head_sha: str
    base: str


class WaiverRecord(TypedDict):
    """A waiver as decision records keep it."""

    rule: str
    reason: str
    approved_by: str
    expires: str  # YYYY-MM-DD
    triggers: NotRequired[list[str]]  # health triggers it covers in health-no-fail, when any


class WaiverFacts(WaiverRecord):  # `triggers` always present here (empty: the rule alone)
    active: bool  # not expired
    days_left: int
    governance_approved: bool  # approved_by is a governance owner
    on_base: bool  # already on the base branch (at stage deploy: in the commit, on main)
    applies: bool  # the gate turns its rule's failure into a warning
    why_not: str  # when it does not apply: expired, self-approved, not approved...


class PackFacts(TypedDict):
    name: str
    hash: str


class ModelCardFacts(TypedDict):
    present: bool
    complete: bool
    required: list[str]
    missing: list[str]
    sections: dict[str, bool]


class GovernanceSettings(TypedDict):
    pack: str
    pack_hash: str
    vars: dict[str, Any]
    waivers: list[WaiverRecord]
    teams: dict[str, list[str]]
    codeowners: list[str]  # CODEOWNERS' entries: "pattern owner..."
    revalidation: dict[str, str] | None  # o16n.yaml's {every, remind}; None: unset
    signers: list[str]  # "principals SHA256:fingerprint" per allowed_signers key


class GovernanceFacts(TypedDict):
    """The rules in force and the ones this change proposes (the same when it proposes none)."""

    rules_from: str  # the commit (short) whose governance files judge the change, or "checkout"
    commit: str
    in_force: GovernanceSettings
    proposed: GovernanceSettings
    changed: list[str]  # the settings that differ: pack, vars, waivers, teams, signers...


class RevalidationFacts(TypedDict):
    """o16n.yaml's `revalidation` and the version's last validation (o16n.policy.revalidation)."""

    configured: bool
    every: str  # as written: 180d ("" when not configured)
    every_days: int
    remind_days: int
    applies: bool  # configured, with a version and an environment to judge
    version: str
    validated: str  # when (ISO UTC), "" when none is recorded
    validated_by: str  # "deploy #12" or "revalidate #30"
    due: str  # ISO date: the last day the validation holds
    days_left: int  # negative: overdue
    expired: bool
    reminder: bool  # due within `remind`
    unverified: list[str]  # records of this version not counted, and why
    reason: str  # in words


class Facts(TypedDict):
    o16n: O16nFacts
    stage: str
    env: str | None
    today: str
    model: ModelFacts
    commit: str
    metrics: dict[str, float]
    baseline: BaselineFacts
    params: dict[str, Any]
    params_diff: dict[str, dict[str, Any]]
    data: DataFacts
    health: HealthFacts
    kpis: KPIFacts
    lineage: LineageFacts
    changes: ChangesFacts
    review: ReviewFacts
    waivers: list[WaiverFacts]
    pack: PackFacts
    vars: dict[str, Any]
    governance: GovernanceFacts
    revalidation: RevalidationFacts
    model_card: NotRequired[ModelCardFacts]  # set last: its completeness reads the rest
