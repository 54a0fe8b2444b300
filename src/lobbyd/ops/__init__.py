"""Operating lobbyd: Prometheus metrics (the instruments, their ASGI middleware, and the
multiprocess bookkeeping that lets one scrape cover every worker)."""
