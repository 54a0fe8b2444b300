"""lobbyd: a session service for player-hosted multiplayer games."""

__version__ = "0.1.0"
