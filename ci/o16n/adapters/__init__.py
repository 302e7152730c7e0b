"""The edges: processes (proc), git, DVC, GTO, files, GitHub. Everything above gets plain data."""
