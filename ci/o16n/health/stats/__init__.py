"""The health engine's statistics: mergeable profiles, drift tests and data-quality measures.

Profiles summarize a dataset once (at training time) in a small JSON file; the current data is
profiled on the reference's bins, and every drift and quality number comes from the two
profiles, so both sides stream through data larger than memory, chunk by chunk.

A profile's modules, each one job, each importing only those above it:

- `kinds`: a column's kind as a type (`ProfileKind`), and which kinds are summarized as numbers;
- `model`: the types (Profile, Column, Numeric, Categorical) and reading a histogram;
- `kernels`: the numpy arithmetic, on work arrays reused across a chunk's columns;
- `sources`: one column, from pandas or from Arrow buffers, as the profiler reads it;
- `columns`: one chunk (DataFrame or Arrow table) into a partial profile;
- `merge`: partial profiles added up, exactly;
- `codec`: the profile file (JSON), written and read back with its checks;
- `files`: a CSV or Parquet file streamed through all of the above, and the readers commands use.

`drift` and `quality` compare two profiles; `sketch` holds the mergeable sketches under them.
"""
