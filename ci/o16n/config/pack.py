"""pack.yaml: a policy pack's vars, the model card sections it requires, and its rules (CEL).

The models only; `o16n.policy.pack` compiles the conditions and resolves `extends`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from o16n.config.yamlfile import Strict


class RuleSpec(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="unique, kebab-case")
    description: str = Field(min_length=1)
    stages: list[Literal["pr", "deploy", "revalidate"]] = Field(min_length=1)
    environments: list[str] | None = Field(
        None,
        description="deploy and revalidate stages only: the environments the rule applies "
        "to (all if unset)",
    )
    condition: str = Field(min_length=1, description="CEL; the rule passes when it is true")
    explain: str | None = Field(
        None, description="CEL; evaluated when the rule fails, shown after the message"
    )
    note: str | None = Field(
        None,
        description="CEL; evaluated when the rule passes: a non-empty text says how it passed "
        "(e.g. that it did not compare: the data changed), shown as a note of the decision",
    )
    severity: Literal["warn", "fail"]
    message: str = Field(min_length=1, description="what is wrong and how to fix it")


class ModelCardRequirement(Strict):
    required: list[str] = Field(default_factory=list, description="model card sections")


class PackSpec(Strict):
    version: Literal[1] = 1
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    extends: str | None = Field(None, description="a sibling pack this one builds on")
    vars: dict[str, Any] = Field(default_factory=dict, description="values rules read as vars.*")
    model_card: ModelCardRequirement = ModelCardRequirement()
    rules: list[RuleSpec] = Field(default_factory=list)
