"""waivers.yaml: who accepts which failing rule, why, and until when (the models only).

A health trigger at `fail` feeds the rule `health-no-fail`, which a waiver of another rule does
not cover. `triggers:` names the health triggers (their ids in health.yaml) a waiver also
covers there: `rule: no-regression, triggers: [no-regression]` accepts the worse model and the
health trigger that measured it; `rule: health-no-fail, triggers: [latency]` accepts that one
trigger and no other. health-no-fail is waived when every trigger that fired is covered.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from o16n.config.health import TRIGGER_ID
from o16n.config.yamlfile import Strict

FILE = "waivers.yaml"


class WaiverSpec(Strict):
    rule: str = Field(min_length=1, description="the id of the rule waived")
    reason: str = Field(min_length=10, description="why shipping anyway is acceptable")
    approved_by: str = Field(min_length=3, description="who accepts it: 'Name <e-mail>'")
    expires: dt.date = Field(
        description="last day the waiver applies (YYYY-MM-DD)",
        strict=False,  # quoted or not, YYYY-MM-DD is the date
    )
    triggers: list[Annotated[str, Field(pattern=TRIGGER_ID)]] = Field(
        default_factory=list,
        description="health trigger ids (health.yaml) this waiver also covers in the rule "
        "health-no-fail, which is waived when every trigger that fired is covered; with "
        "`rule: health-no-fail` the waiver covers these triggers only",
    )


class WaiversFile(Strict):
    version: Literal[1] = 1
    waivers: list[WaiverSpec] = Field(default_factory=list)
