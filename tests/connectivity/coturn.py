"""A private coturn (`turnserver` from Debian's coturn package) on free ports, for tests."""

from __future__ import annotations

import contextlib
import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.backends import unavailable
from tests.processes import free_port

SECRET = "coturn-test-secret-" + "s" * 24
REALM = "lobbyd.test"


def binary(name: str) -> str:
    """The path of a coturn program; skipped outside CI (failed under CI) when missing."""
    path = shutil.which(name)
    if path is None:
        unavailable(f"{name} (Debian package coturn)", "not installed")
        raise AssertionError("unreachable")
    return path


@dataclass
class Coturn:
    """A running turnserver: where it listens and its shared secret."""

    port: int
    secret: str
    log: Path

    @property
    def url(self) -> str:
        """Its TURN URL over UDP."""
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    def output(self) -> str:
        """What it logged so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextlib.contextmanager
def coturn(secret: str = SECRET, *more_secrets: str) -> Iterator[Coturn]:
    """turnserver with `use-auth-secret`, on 127.0.0.1 only, no TLS, relaying to loopback peers
    (the tests' peers are on this machine); stopped afterwards. More secrets are accepted too
    (as while rotating the secret)."""
    program = binary("turnserver")
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="lobbyd-coturn-"))
    log = workdir / "turn.log"
    low = random.randrange(50000, 59000, 100)  # relay ports: a range of our own, most likely
    command = [
        program,
        "-n",  # no configuration file
        "--no-cli",
        "--no-tls",
        "--no-dtls",
        "--listening-ip=127.0.0.1",
        "--relay-ip=127.0.0.1",
        f"--listening-port={port}",
        f"--min-port={low}",
        f"--max-port={low + 99}",
        "--use-auth-secret",
        *(f"--static-auth-secret={value}" for value in (secret, *more_secrets)),
        f"--realm={REALM}",
        "--allow-loopback-peers",
        "--fingerprint",
        "--verbose",  # allocations and their usernames in the log
        "--no-software-attribute",
        "--no-stdout-log",
        "--simple-log",
        f"--log-file={log}",
        f"--pidfile={workdir / 'turnserver.pid'}",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Coturn(port, secret, log)
    try:
        _wait_listening(process, port, server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_listening(process: subprocess.Popen[bytes], port: int, server: Coturn) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"turnserver exited early:\n{server.output()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"turnserver did not listen on {port}:\n{server.output()}")


@contextlib.contextmanager
def udp_echo_peer() -> Iterator[int]:
    """turnutils_peer: a UDP echo server on 127.0.0.1 that relayed packets reach; its port."""
    program = binary("turnutils_peer")
    port = free_port()
    process = subprocess.Popen(
        [program, "-L", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.3)
        if process.poll() is not None:
            raise RuntimeError("turnutils_peer exited early")
        yield port
    finally:
        process.terminate()
        process.wait(10)


@dataclass
class Allocation:
    """What turnutils_uclient reported."""

    returncode: int
    output: str

    @property
    def allocated(self) -> bool:
        """The server granted the allocation."""
        return self.returncode == 0 and "Cannot complete Allocation" not in self.output


def allocate(
    server: Coturn, username: str, credential: str, peer: int, messages: int = 3
) -> Allocation:
    """Allocate a relay with turnutils_uclient and send `messages` packets to the echo peer."""
    command = [
        binary("turnutils_uclient"),
        "-v",
        "-X",  # an IPv4 relay address
        "-p", str(server.port),
        "-u", username,
        "-w", credential,
        "-e", "127.0.0.1",
        "-r", str(peer),
        "-n", str(messages),
        "127.0.0.1",
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, timeout=60, check=False)
    except subprocess.TimeoutExpired as timeout:
        out = (timeout.stdout or b"") + (timeout.stderr or b"")
        return Allocation(-1, out.decode(errors="replace"))
    return Allocation(done.returncode, (done.stdout + done.stderr).decode(errors="replace"))
