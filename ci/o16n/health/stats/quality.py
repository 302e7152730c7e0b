"""Data quality of the current data against the reference, from the two profiles.

Each measure is a plain number with a message; the health triggers apply thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

from o16n.health.stats.model import Categorical, Numeric, Profile


@dataclass(frozen=True)
class Measure:
    value: float
    message: str
    column: str | None = None


def schema(reference: Profile, current: Profile) -> list[Measure]:
    """One measure (value 1) per missing column, extra column or change of kind."""
    found = []
    for name, kind in reference.schema.items():
        if name not in current.schema:
            found.append(Measure(1, f"column {name!r} ({kind}) is missing", name))
        elif current.schema[name] != kind:
            found.append(
                Measure(1, f"column {name!r} changed from {kind} to {current.schema[name]}", name)
            )
    for name, kind in current.schema.items():
        if name not in reference.schema:
            found.append(Measure(1, f"column {name!r} ({kind}) is not in the reference", name))
    return found


def missing_share(current: Profile, name: str) -> Measure:
    s = current.columns[name].summary
    share = s.missing / current.rows if current.rows else 0.0
    return Measure(share, f"{share:.2%} of {name!r} missing ({s.missing} of {current.rows})", name)


def out_of_range_share(reference: Profile, current: Profile, name: str) -> Measure | None:
    ref, cur = reference.columns[name].summary, current.columns[name].summary
    if not isinstance(ref, Numeric) or not isinstance(cur, Numeric):
        return None
    outside = cur.below + cur.above
    share = outside / cur.count if cur.count else 0.0
    return Measure(
        share,
        f"{share:.2%} of {name!r} outside the reference range "
        f"[{ref.min:.6g}, {ref.max:.6g}] ({outside} values)",
        name,
    )


def unseen_share(reference: Profile, current: Profile, name: str) -> Measure | None:
    """Rows whose category the reference never had. When the reference folded rare categories
    into `other`, a category outside its named ones may be one of those: not counted."""
    ref, cur = reference.columns[name].summary, current.columns[name].summary
    if not isinstance(ref, Categorical) or not isinstance(cur, Categorical) or ref.other:
        return None
    unseen = {k: v for k, v in cur.counts.items() if k not in ref.counts}
    rows = sum(unseen.values()) + (cur.other if unseen or cur.other else 0)
    share = rows / current.rows if current.rows else 0.0
    examples = ", ".join(repr(k) for k in list(unseen)[:5])
    return Measure(
        share,
        f"{share:.2%} of rows have a {name!r} the reference never had"
        + (f" ({examples})" if examples else ""),
        name,
    )


def duplicate_share(current: Profile) -> Measure:
    share = current.duplicate_rows / current.rows if current.rows else 0.0
    return Measure(share, f"{share:.2%} of rows repeat an earlier row ({current.duplicate_rows})")


def became_constant(reference: Profile, current: Profile, name: str) -> Measure:
    was, now = reference.columns[name].summary.distinct, current.columns[name].summary.distinct
    constant = now <= 1 < was
    return Measure(
        float(constant), f"{name!r} has {now} distinct value(s); the reference had {was}", name
    )


def row_ratio(reference: Profile, current: Profile) -> Measure:
    ratio = current.rows / reference.rows if reference.rows else float("nan")
    return Measure(ratio, f"{current.rows} rows, {ratio:.2f}x the reference's {reference.rows}")
