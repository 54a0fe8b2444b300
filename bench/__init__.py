"""lobbyd's benchmark suite: `python -m bench --profile quick|full` (see docs/performance.md)."""
