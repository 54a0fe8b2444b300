"""docs/grafana/lobbyd.json: valid, and every query names only metrics lobbyd exposes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import register
from tests.sessions.conftest import join, launch

DASHBOARD = Path(__file__).parents[2] / "docs" / "grafana" / "lobbyd.json"
#: Names inside PromQL that are functions, keywords or label names, not metrics.
PROMQL_WORDS = {
    "sum", "max", "rate", "by", "histogram_quantile", "le", "method", "route", "status",
    "outcome", "job", "label_values",
}  # fmt: skip


def expressions(dashboard: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def metric_names(expr: str) -> set[str]:
    without_labels = re.sub(r"\{[^}]*\}", "", expr)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_labels)
    words = set(re.findall(r"[a-zA-Z_][a-zA-Z0-9_]*", without_ranges))
    return {word for word in words if word not in PROMQL_WORDS}


def test_dashboard_has_the_panels_operators_need() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    titles = {panel["title"] for panel in dashboard["panels"]}
    for wanted in (
        "Request rate by route",
        "Error rate",
        "p50 latency by route",
        "p99 latency by route",
        "Sessions and sockets",
        "Joins by outcome",
    ):
        assert wanted in titles
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])


async def test_every_dashboard_query_names_an_exposed_metric(client: httpx.AsyncClient) -> None:
    host, guest = await register(client), await register(client)
    await launch(client, host)
    await join(client, guest, host.uuid, guest.uuid)  # so every labelled family has a sample
    exposed = set(
        re.findall(r"^([a-z_]+)(?:\{| )", (await client.get("/metrics")).text, re.MULTILINE)
    )
    for expr in expressions(json.loads(DASHBOARD.read_text())):
        for name in metric_names(expr):
            assert name in exposed, f"{name} in {expr!r} is not exposed"
