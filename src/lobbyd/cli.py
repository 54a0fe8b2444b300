"""The `lobbyd` command: serve, migrate, token."""

from __future__ import annotations

import asyncio
import logging
from enum import StrEnum
from typing import Annotated

import typer

from lobbyd.config import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="lobbyd session service")
log = logging.getLogger("lobbyd")


class Server(StrEnum):
    """ASGI servers lobbyd runs on."""

    uvicorn = "uvicorn"
    granian = "granian"


def _settings() -> Settings:
    try:
        return Settings()
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
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
    server: Annotated[Server, typer.Option(help="ASGI server")] = Server.uvicorn,
    access_log: Annotated[bool, typer.Option(help="log every request")] = False,
) -> None:
    """Serve the API (migrating an empty database first)."""
    settings = _settings()
    _prepare_schema(settings)
    target = "lobbyd.app:create_app"
    if server is Server.granian:
        from granian.constants import Interfaces
        from granian.server import Server as Granian

        Granian(
            target,
            address=host,
            port=port,
            workers=workers,
            interface=Interfaces.ASGI,
            factory=True,
            log_access=access_log,
        ).serve()
        return
    import uvicorn

    uvicorn.run(
        target,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # X-Forwarded-For is honoured only from LOBBYD_TRUSTED_PROXIES, by lobbyd itself.
        proxy_headers=False,
        server_header=False,
        access_log=access_log,
        log_level="info",
    )


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from lobbyd.db import migrate as migrations

    settings = _settings()
    migrations.upgrade(settings.database_url)
    typer.echo(f"database at revision {migrations.head()}")


@app.command()
def token(
    admin: Annotated[bool, typer.Option("--admin", help="mint an admin token")] = False,
    scope: Annotated[
        list[str] | None, typer.Option(help="scopes to grant (repeatable); default session:*")
    ] = None,
    ttl: Annotated[int, typer.Option(min=60, help="lifetime in seconds")] = 3600,
) -> None:
    """Print an admin JWT signed with the service's key."""
    if not admin:
        typer.echo("only admin tokens are minted here: pass --admin", err=True)
        raise typer.Exit(2)
    settings = _settings()
    _prepare_schema(settings)
    typer.echo(asyncio.run(_admin_token(settings, frozenset(scope or ["session:*"]), ttl)))


async def _admin_token(settings: Settings, scopes: frozenset[str], ttl: int) -> str:
    from lobbyd.app import runtime
    from lobbyd.auth.scopes import ADMIN_SUBJECT
    from lobbyd.kit.clock import SystemClock

    running = await runtime.start(settings, SystemClock())
    try:
        return running.tokens.issue(ADMIN_SUBJECT, scopes, ttl=ttl)
    finally:
        await running.close()


def main() -> None:
    """Entry point of the `lobbyd` script."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    app()
