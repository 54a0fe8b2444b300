"""Authentication: tokens, scopes, principals, and per-address throttling."""
