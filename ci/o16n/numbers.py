"""The one way o16n prints a number, for reports and for the messages of every layer (a
health finding, a gate line, a timeline entry), so 46503.4965 never reads as itself in one place
and as 46,500 in the next."""

from __future__ import annotations

import math
import numbers

DASH = "—"  # a number that is not there (None, NaN)
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
DIGITS = 4  # significant digits a report shows; the JSON report has every number in full


def number(value: object, unit: str = "", *, sign: bool = False) -> str:
    """The one way a report prints a number: 46503.4965 -> 46,500; -979021.0 -> -979,000;
    0.95614 -> 0.9561; 1.8e-05 -> 1.8×10⁻⁵; 42 (an int, a count) -> 42 in full; None, NaN -> —.

    At most `DIGITS` significant digits (an int is a count and is exact), thousands separators,
    no e-notation (readers are not all programmers), `unit` after a space. `sign` marks a
    difference: +0.01, -2, and 0 without a sign. Anything that is not a number is shown as text.
    """
    text = _number(value, sign)
    return f"{text} {unit}" if unit and text != DASH else text


def _number(value: object, sign: bool) -> str:
    if value is None:
        return DASH
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value)
    plus = "+" if sign else ""
    if isinstance(value, numbers.Integral):
        return "0" if value == 0 else f"{int(value):{plus},}"
    x = float(value)
    if math.isnan(x):
        return DASH
    if math.isinf(x):
        return ("-" if x < 0 else plus) + "∞"
    if x == 0:
        return "0"
    exponent = math.floor(math.log10(abs(float(f"{x:.{DIGITS - 1}e}"))))  # after rounding
    if not -4 <= exponent < 15:
        mantissa, power = f"{x:{plus}.{DIGITS - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}×10{str(int(power)).translate(SUPERSCRIPT)}"
    places = DIGITS - 1 - exponent
    rounded = round(x, places)  # places < 0 rounds to tens, hundreds: 46503.5 -> 46500
    text = f"{rounded:{plus},.{max(places, 0)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
