"""Bringing a user's own table into a generated project (`o16n data use`)."""
