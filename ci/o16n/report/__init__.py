"""Reporters: turn results (data) into terminal text, JSON, Markdown and HTML. One module per
result type (check, decision, health, monitor, timeline, modelcard), each with a `RENDERERS` table
from format name to renderer where it writes several; `markup` holds the pieces they share (the
one table-cell escaper, tables, numbers, the HTML page). Only `o16n.cli` imports this package."""
