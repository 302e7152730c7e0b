"""A stateful emulator of the GitHub REST API, built from recorded payloads, for tests."""

from .server import GitHubEmulator, Recorded
from .state import State

__all__ = ["GitHubEmulator", "Recorded", "State"]
