"""Deprecated: the Python client is its own distribution now, `lobbyd-client` (`lobbyd_client`).

`lobbyd.client` re-exports it for code written before the move and warns; import
`lobbyd_client` instead (`pip install lobbyd-client`, or `pip install -e clients/python` from a
checkout). The server itself never imports the client.
"""

from __future__ import annotations

import warnings

try:
    from lobbyd_client import *  # noqa: F403
    from lobbyd_client import __all__ as __all__
except ImportError as missing:  # pragma: no cover - only without the client installed
    raise ImportError(
        "lobbyd.client moved to the lobbyd-client distribution: pip install lobbyd-client, "
        "then import lobbyd_client"
    ) from missing

warnings.warn(
    "lobbyd.client is deprecated: import lobbyd_client (the lobbyd-client distribution)",
    DeprecationWarning,
    stacklevel=2,
)
