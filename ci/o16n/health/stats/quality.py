"""Data quality of the current data against the reference, from the two profiles.

Each measure is a plain number with a message; the health triggers apply thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

from o16n.health.stats.model import Categorical, Numeric, Profile
from o16n.numbers import number


@dataclass(frozen=True)
class Measure:
    value: float
    message: str
    column: str | None = None


def schema(reference: Profile, current: Profile) -> list[Measure]:
    """One measure (value 1) per missing column, extra column or change of kind."""
    found = []
    before, after = reference.schema, current.schema  # built once: a property, not a field
    for name, kind in before.items():
        if name not in after:
            found.append(Measure(1, f"column {name!r} ({kind}) is missing", name))
        elif after[name] != kind:
            found.append(Measure(1, f"column {name!r} changed from {kind} to {after[name]}", name))
    for name, kind in after.items():
        if name not in before:
            found.append(Measure(1, f"column {name!r} ({kind}) is not in the reference", name))
    return found


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _against(
    what: str, current: float, reference: float, counted: str, relative: bool, column: str | None
) -> Measure:
    """A share of the current data, alone or as its excess over the reference's share (the
    value then graded): data that is 20% missing in training is not worse at 19.5%."""
    if not relative:
        return Measure(current, f"{current:.2%} {what} ({counted})", column)
    excess = current - reference
    message = (
        f"{current:.2%} {what} ({counted}), {reference:.2%} in the reference "
        f"({excess * 100:+.2f} points)"
    )
    return Measure(excess, message, column)


def missing_share(
    reference: Profile, current: Profile, name: str, relative: bool = True
) -> Measure:
    return _count_share(reference, current, name, "missing", relative)


def infinite_share(
    reference: Profile, current: Profile, name: str, relative: bool = True
) -> Measure | None:
    """+inf and -inf: no model scores them and no statistic includes them, so they are
    counted as what they are, a data problem."""
    ref, cur = reference.columns[name].summary, current.columns[name].summary
    if not isinstance(ref, Numeric) or not isinstance(cur, Numeric):
        return None
    return _count_share(reference, current, name, "infinite", relative)


def _count_share(
    reference: Profile, current: Profile, name: str, count: str, relative: bool
) -> Measure:
    """The share of the rows whose value is `count` (a summary's counter: missing, infinite)."""
    ref, cur = reference.columns[name].summary, current.columns[name].summary
    found = getattr(cur, count)
    return _against(
        f"of {name!r} {count}",
        _share(found, current.rows),
        _share(getattr(ref, count), reference.rows),
        f"{found} of {current.rows}",
        relative,
        name,
    )


def out_of_range_share(reference: Profile, current: Profile, name: str) -> Measure | None:
    """Values outside the reference's finite [min, max]; infinities are outside every range."""
    ref, cur = reference.columns[name].summary, current.columns[name].summary
    if not isinstance(ref, Numeric) or not isinstance(cur, Numeric):
        return None
    outside = cur.below + cur.above + cur.infinite
    share = _share(outside, cur.count + cur.infinite)
    infinite = f", {cur.infinite} of them infinite" if cur.infinite else ""
    counted = f"{outside} value{'' if outside == 1 else 's'}{infinite}"
    if ref.count == 0:  # every value is outside a reference with none
        return Measure(
            share, f"{share:.2%} of {name!r}: the reference has no values ({counted})", name
        )
    return Measure(
        share,
        f"{share:.2%} of {name!r} outside the reference range "
        f"[{number(ref.min)}, {number(ref.max)}] ({counted})",
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


def duplicate_share(reference: Profile, current: Profile, relative: bool = True) -> Measure:
    """Rows that repeat an earlier row; against the reference's share by default, since data
    with few columns repeats naturally."""
    return _against(
        "of rows repeat an earlier row",
        _share(current.duplicate_rows, current.rows),
        _share(reference.duplicate_rows, reference.rows),
        f"{current.duplicate_rows} of {current.rows}",
        relative,
        None,
    )


def became_constant(reference: Profile, current: Profile, name: str) -> Measure:
    was, now = reference.columns[name].summary.distinct, current.columns[name].summary.distinct
    constant = now <= 1 < was
    return Measure(
        float(constant), f"{name!r} has {now} distinct value(s); the reference had {was}", name
    )


def row_ratio(reference: Profile, current: Profile) -> Measure:
    ratio = current.rows / reference.rows if reference.rows else float("nan")
    message = f"{current.rows:,} rows, {number(ratio)}× the reference's {reference.rows:,}"
    return Measure(ratio, message)
