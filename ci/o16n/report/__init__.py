"""Reporters: turn results (data) into text, JSON and Markdown."""
