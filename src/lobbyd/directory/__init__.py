"""Directory: per-player sessions, invites, reservations, queries, platform sessions."""
