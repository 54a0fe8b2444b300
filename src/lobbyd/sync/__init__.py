"""Sync: HTTP and WebSocket access to each session's source of truth."""
