"""Typed models of o16n's YAML files, loaded with errors that name file, line and key."""
