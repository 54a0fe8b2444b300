"""The sync store: versioned documents with an ordered event log (memory or Redis)."""
