"""Sessions: launch, join, who is welcome, and the session lifecycle."""
