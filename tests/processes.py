"""Real processes for tests: `lobbyd serve` and a private PostgreSQL server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis.asyncio as aioredis

from tests.backends import unavailable

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), Path("/usr/bin"))


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A running `lobbyd serve`."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """What the server printed so far."""
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def lobbyd_serve(
    env: dict[str, str], *args: str, cwd: Path | None = None, timeout: float = 120.0
) -> Iterator[Server]:
    """Start `lobbyd serve` on a free port and wait until it answers; stop it afterwards.

    The wait is generous: on a loaded two-core machine, spawning two workers that each import
    the app took over 30 s."""
    port = free_port()
    workdir = cwd or Path(tempfile.mkdtemp(prefix="lobbyd-e2e-"))
    log = workdir / f"serve-{port}.log"
    full_env = {**os.environ, **env}
    command = [sys.executable, "-m", "lobbyd", "serve", "--port", str(port), *args]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=workdir, env=full_env, stdout=sink, stderr=sink)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_ready(server, timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _wait_ready(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"lobbyd exited early:\n{server.output()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(server.url + "/openapi.json", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"lobbyd did not become ready:\n{server.output()}")


class PrivatePostgres:
    """A PostgreSQL server of the test's own (initdb in a temp dir), to stop and restart."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="lobbyd-pg-"))
        self.data = self.dir / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_postgres, *command], check=True, capture_output=True, timeout=60)

    def init(self) -> PrivatePostgres:
        """Create the cluster."""
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        return self

    def start(self) -> None:
        """Start (or restart) the server on its port."""
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.dir / "server.log")  # not a pipe: the server would hold it open
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", log, "-o", options, "-w", "start"
        )

    def stop(self) -> None:
        """Stop it at once, dropping every connection."""
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def remove(self) -> None:
        """Stop if running and delete the cluster."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """A redis-server of the test's own on a free port, in its own directory. `persistent`
    keeps its data across a restart (append-only file), as a production Redis would."""

    def __init__(self, directory: Path, *, persistent: bool = False) -> None:
        self.directory = directory
        self.persistent = persistent
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the server (loading what it kept, if persistent) and wait until it answers."""
        keep = ("--appendonly", "yes", "--appendfsync", "always") if self.persistent else ()
        self.process = await asyncio.create_subprocess_exec(
            "redis-server",
            *("--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
            *(keep or ("--appendonly", "no")),
            *("--dir", str(self.directory)),
            stdout=asyncio.subprocess.DEVNULL,
        )
        client = aioredis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        try:
            while True:
                try:
                    await client.ping()
                    return
                except (aioredis.RedisError, OSError):
                    assert time.monotonic() < deadline, "redis-server did not start"
                    await asyncio.sleep(0.02)
        finally:
            await client.aclose()

    async def stop(self) -> None:
        """Stop the server (SIGTERM: a persistent one flushes its append-only file first)."""
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


@contextlib.asynccontextmanager
async def private_redis(
    directory: Path, *, persistent: bool = False
) -> AsyncIterator[PrivateRedis]:
    """A running PrivateRedis, stopped afterwards (skipped or failed, as CI says, without one)."""
    if shutil.which("redis-server") is None:
        unavailable("redis-server", "not installed")
    server = PrivateRedis(directory, persistent=persistent)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
