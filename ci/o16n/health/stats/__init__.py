"""The health engine's statistics: mergeable profiles, drift tests and data-quality measures.

Profiles summarize a dataset once (at training time) in a small JSON file; the current data is
profiled on the reference's bins, and every drift and quality number comes from the two
profiles, so both sides stream through data larger than memory, chunk by chunk.
"""
