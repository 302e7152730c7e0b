"""Governance as code: facts about a change (facts), policy packs over them in CEL (pack),
review facts and approvals (review), waivers, the gate's decision (gate), and the one flow that
puts them together for every command that judges a change (run)."""

STAGES = ("pr", "deploy", "revalidate")  # its pull request, each deploy, periodically
PROVIDERS = ("auto", "git", "github")  # where review facts come from
