"""Starting lobbyd (every configuration) and the yardstick app."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.procs import Proc, Processes, StartFailed, free_port
from bench.scenarios.base import route
from bench.settings import ServerSpec

REPO = Path(__file__).resolve().parent.parent


def lobbyd_env(
    database_url: str, jwt_secret: str, redis_url: str | None, redis_prefix: str
) -> dict[str, str]:
    """Settings for a benchmarked lobbyd: limits off, sessions that never time out."""
    env = {
        "LOBBYD_DATABASE_URL": database_url,
        "LOBBYD_JWT_SECRET": jwt_secret,
        "LOBBYD_REGISTER_RATE": "0",
        "LOBBYD_LOGIN_RATE": "0",
        # Sessions launched before a timed run must still be alive when it ends.
        "LOBBYD_SESSION_TIMEOUT": "86400",
        "LOBBYD_RESERVATION_TIMEOUT": "86400",
        # The friends-list scaling runs add friends to hosts that already have 10,000.
        "LOBBYD_MAX_FRIENDS": "100000",
        "LOBBYD_MAX_BANLIST": "100000",
        # The signals run sends as fast as the relay goes, far past the default 50 a second.
        "LOBBYD_SIGNAL_RATE": "100000",
        "PYTHONUNBUFFERED": "1",
    }
    if redis_url:
        env["LOBBYD_REDIS_URL"] = redis_url
        env["LOBBYD_REDIS_PREFIX"] = redis_prefix
    return env


def migrate(env: dict[str, str], log: Path) -> None:
    """`lobbyd migrate` against the configuration's database."""
    with log.open("ab") as out:
        done = subprocess.run(
            [sys.executable, "-m", "lobbyd", "migrate"],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=120,
            check=False,
        )
    if done.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise StartFailed(f"lobbyd migrate failed ({done.returncode}):\n{tail}")


def start_lobbyd(
    procs: Processes, spec: ServerSpec, env: dict[str, str], label: str | None = None
) -> Proc:
    """`lobbyd serve` in the given configuration, listening on a free port."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "lobbyd",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(spec.workers),
        "--server",
        spec.server,
    ]
    proc = procs.start(f"lobbyd-{label or spec.slug}", argv, env=env, cwd=REPO, port=port)
    procs.wait_listening(proc)
    wait_http(proc, "/openapi.json")
    return proc


def wait_http(proc: Proc, path: str, timeout: float = 30.0) -> httpx.Response:
    """Wait until every worker would answer: the path returns 200 several times in a row."""
    assert proc.port is not None
    deadline = time.monotonic() + timeout
    ok = 0
    last = ""
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise StartFailed(f"{proc.name} exited:\n{proc.log_tail()}")
        try:
            reply = httpx.get(f"http://127.0.0.1:{proc.port}{path}", timeout=5)
        except httpx.HTTPError as exc:
            last = str(exc)
        else:
            if reply.status_code == 200:
                ok += 1
                if ok >= 5:
                    return reply
                continue
            last = f"{reply.status_code} {reply.text[:200]}"
        ok = 0
        time.sleep(0.2)
    raise StartFailed(f"{proc.name} did not answer {path}: {last}\n{proc.log_tail()}")


def routes_of(proc: Proc) -> set[tuple[str, str]]:
    """The (method, path) pairs lobbyd's /openapi.json lists."""
    reply = wait_http(proc, "/openapi.json")
    found: set[tuple[str, str]] = set()
    for path, item in reply.json().get("paths", {}).items():
        for method in item:
            if method.lower() in {"get", "post", "put", "patch", "delete"}:
                found.add(route(method, path))
    return found


def start_yardstick(procs: Processes) -> Proc:
    """FastAPI hello world on uvicorn with 2 workers."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.yardstick:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = procs.start("yardstick", argv, cwd=REPO, port=port)
    procs.wait_listening(proc)
    wait_http(proc, "/")
    return proc
