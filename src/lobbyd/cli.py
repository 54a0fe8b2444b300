"""The `lobbyd` command: serve, migrate, token, --version."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import logging.config
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from lobbyd import __version__
from lobbyd.config import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help: readable in any terminal, and in logs
    pretty_exceptions_enable=False,  # a traceback's locals could show secrets
)
log = logging.getLogger("lobbyd")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        metavar="URL",
        help="the database (default: LOBBYD_DATABASE_URL, else sqlite:///lobbyd.sqlite3 "
        "in the working directory)",
        show_default=False,
    ),
]


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"lobbyd {__version__}")
        raise typer.Exit()


@app.callback()
def _lobbyd(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """lobbyd: a session service for player-hosted multiplayer games."""


class Server(StrEnum):
    """ASGI servers lobbyd runs on."""

    uvicorn = "uvicorn"
    granian = "granian"


def _settings(database_url: str | None = None) -> Settings:
    try:
        return Settings() if database_url is None else Settings(database_url=database_url)
    except Exception as exc:
        typer.echo(f"invalid configuration: {exc}", err=True)
        raise typer.Exit(2) from exc


def _prepare_schema(settings: Settings) -> None:
    """Migrate an empty database; refuse one whose schema is behind this lobbyd."""
    from lobbyd.db import migrate

    try:
        current = migrate.current(settings.database_url)
    except Exception as exc:
        typer.echo(f"cannot reach the database: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from exc
    if current is None:
        log.info("empty database: creating the schema")
        migrate.upgrade(settings.database_url)
    elif current != migrate.head():
        typer.echo(
            f"the database schema is at {current}, this lobbyd needs {migrate.head()}: "
            "run `lobbyd migrate` first",
            err=True,
        )
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(metavar="ADDRESS", help="address to listen on")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(metavar="PORT", help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, metavar="N", help="worker processes")] = 1,
    server: Annotated[
        Server, typer.Option(metavar="uvicorn|granian", help="ASGI server")
    ] = Server.uvicorn,
    access_log: Annotated[bool, typer.Option(help="log every request")] = False,
) -> None:
    """Serve the API (migrating an empty database first)."""
    settings = _settings()
    if workers > 1 and settings.redis_url is None:
        # Each worker would hold its own in-process sync store: a document written through
        # one would be missing (404) on the others.
        typer.echo(
            f"--workers {workers} needs LOBBYD_REDIS_URL: without Redis the sync store lives in "
            "one process and cannot be shared by several workers. Set LOBBYD_REDIS_URL "
            "(redis://HOST:6379/0) or serve with one worker.",
            err=True,
        )
        raise typer.Exit(2)
    from lobbyd.ops.logs import dict_config

    logging.config.dictConfig(dict_config(settings.log_format, settings.log_level))
    _prepare_schema(settings)
    # Before lobbyd.app is imported: prometheus-client reads the directory on its first import.
    with _metrics_directory(settings):
        from lobbyd.app import serving

        where = serving.Listen(host, port, workers, access_log)
        if server is Server.granian:
            serving.run_granian(settings, where)
        else:
            serving.run_uvicorn(serving.uvicorn_config(settings, where))


@contextlib.contextmanager
def _metrics_directory(settings: Settings) -> Iterator[None]:
    """The directory where the workers of this `serve` share their metrics (prometheus-client's
    multiprocess mode), so that one scrape of any worker covers them all.

    A PROMETHEUS_MULTIPROC_DIR given by the operator is used, emptied of the last run's files
    first; otherwise a private one is made and removed when serving stops. The workers inherit
    it through the environment, which must hold it before prometheus-client is imported."""
    if not settings.metrics:
        yield
        return
    if settings.metrics_dir is not None:
        kept = Path(settings.metrics_dir)
        kept.mkdir(parents=True, exist_ok=True)
        for stale in kept.glob("*.db"):
            stale.unlink()
        yield
        return
    made = tempfile.mkdtemp(prefix="lobbyd-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    # uvicorn shuts down on SIGTERM, then raises the signal again for the handler it found:
    # the default one would end the process before the directory is removed.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        shutil.rmtree(made, ignore_errors=True)


def _exit_on_sigterm(signum: int, frame: object) -> NoReturn:
    raise SystemExit(128 + signum)


@app.command()
def migrate(database_url: DatabaseUrl = None) -> None:
    """Bring the database schema up to date."""
    from lobbyd.db import migrate as migrations

    settings = _settings(database_url)
    shown = shown_url(settings.database_url)
    try:
        before = migrations.current(settings.database_url)
        migrations.upgrade(settings.database_url)
    except Exception as exc:
        typer.echo(f"cannot migrate the database at {shown}: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from exc
    after = migrations.head()
    change = "already up to date" if before == after else f"was {before or 'empty'}"
    typer.echo(f"database at {shown}: revision {after} ({change})")


@app.command()
def token(
    admin: Annotated[bool, typer.Option("--admin", help="mint an admin token")] = False,
    scope: Annotated[
        list[str] | None,
        typer.Option(metavar="SCOPE", help="scope to grant (repeatable); default session:*"),
    ] = None,
    ttl: Annotated[int, typer.Option(min=60, metavar="SECONDS", help="lifetime")] = 3600,
    database_url: DatabaseUrl = None,
) -> None:
    """Print an admin JWT signed with the server's key.

    The key is LOBBYD_JWT_SECRET if set, else the one kept in the server's database, which
    must then exist and be migrated.
    """
    if not admin:
        typer.echo("only admin tokens are minted here: pass --admin", err=True)
        raise typer.Exit(2)
    settings = _settings(database_url)
    if settings.jwt_secret is None:
        _require_sqlite_file(settings.database_url)
    typer.echo(asyncio.run(_admin_token(settings, frozenset(scope or ["session:*"]), ttl)))


async def _admin_token(settings: Settings, scopes: frozenset[str], ttl: int) -> str:
    from lobbyd.auth.scopes import ADMIN_SUBJECT
    from lobbyd.auth.tokens import Tokens
    from lobbyd.kit.clock import SystemClock

    if settings.jwt_secret is not None:
        key = settings.jwt_secret.get_secret_value()
    else:
        key = await _stored_key(settings)
    tokens = Tokens(
        key,
        algorithm=settings.jwt_algorithm,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl=settings.token_ttl,
        clock=SystemClock(),
    )
    return tokens.issue(ADMIN_SUBJECT, scopes, ttl=ttl)


def _require_sqlite_file(url: str) -> None:
    """Exit unless a SQLite URL names an existing file: connecting would create it."""
    from lobbyd.db.sqlite import sqlite_path

    if url.startswith("sqlite:") and not (path := Path(sqlite_path(url))).is_file():
        _refuse(f"no database at {shown_url(url)}: {path.resolve()} does not exist")


async def _stored_key(settings: Settings) -> str:
    """The key kept in the server's database; exit, naming the URL, unless it is migrated
    (a new, empty database would get a new key that no server knows)."""
    from lobbyd.app.runtime import signing_key
    from lobbyd.db import meta, open_database
    from lobbyd.db.migrate import head

    url, shown = settings.database_url, shown_url(settings.database_url)
    db = open_database(url, pool_size=1)
    try:
        try:
            await db.connect()
            revision = await meta.schema_revision(db)
        except Exception as exc:
            _refuse(f"cannot open the database at {shown}: {exc}")
        if revision is None:
            _refuse(f"the database at {shown} has no lobbyd schema (it is empty)")
        if revision != head():
            typer.echo(
                f"the database at {shown} is at revision {revision}, this lobbyd needs "
                f"{head()}: run `lobbyd migrate` first",
                err=True,
            )
            raise typer.Exit(1)
        return await signing_key(settings, db)
    finally:
        await db.close()


def _refuse(problem: str) -> NoReturn:
    typer.echo(
        f"{problem}.\nRun this where `lobbyd serve` runs (same working directory and "
        "LOBBYD_DATABASE_URL), or pass --database-url.",
        err=True,
    )
    raise typer.Exit(1)


def shown_url(url: str) -> str:
    """The database URL without its password, to name in messages."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]


def main() -> None:
    """Entry point of the `lobbyd` script."""
    from lobbyd.kit.logs import log_config

    logging.config.dictConfig(log_config("info"))
    app(prog_name="lobbyd")
