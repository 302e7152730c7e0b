"""The model's static site (`o16n site -o DIR`), rendered from `o16n.lifecycle.site.Site`.

`render` returns every file by its path under DIR: the pages, the monitor runs' reports and the
release manifests with their signatures (so every link of the site resolves inside DIR, and the
folder opens from a CI artifact offline). Pages use the reports' stylesheet
(`o16n.report.health.CSS`) with a few rules for the navigation and the lanes; no scripts, no
fonts, nothing fetched.
"""

from o16n.report.site.pages import render

__all__ = ["render"]
