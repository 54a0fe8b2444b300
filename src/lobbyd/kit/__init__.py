"""Domain-free helpers: clock, ids, etags, addresses, rate limits."""
