"""waivers.yaml: who accepts which failing rule, why, and until when (the models only)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from o16n.config.yamlfile import Strict

FILE = "waivers.yaml"


class WaiverSpec(Strict):
    rule: str = Field(min_length=1, description="the id of the rule waived")
    reason: str = Field(min_length=10, description="why shipping anyway is acceptable")
    approved_by: str = Field(min_length=3, description="who accepts it: 'Name <e-mail>'")
    expires: dt.date = Field(description="last day the waiver applies (YYYY-MM-DD)")


class WaiversFile(Strict):
    version: Literal[1] = 1
    waivers: list[WaiverSpec] = Field(default_factory=list)
