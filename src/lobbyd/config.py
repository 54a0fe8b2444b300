"""Settings: the one place that reads the environment (prefix LOBBYD_)."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_DATABASE_URL = "sqlite:///lobbyd.sqlite3"
#: The shortest HMAC key accepted (RFC 7518 asks HS256 keys for at least 256 bits).
MIN_SECRET_BYTES = 32


class Settings(BaseSettings):
    """Every setting of lobbyd; each reads LOBBYD_<NAME> from the environment."""

    model_config = SettingsConfigDict(
        env_prefix="LOBBYD_",
        extra="ignore",
        frozen=True,
        env_file=None,
        # A refused value may be a secret (a short LOBBYD_JWT_SECRET, a URL with a password):
        # errors name the setting, never echo what it was set to.
        hide_input_in_errors=True,
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="sqlite:///PATH (default: a file in the working directory) "
        "or postgresql://USER@HOST:PORT/DB",
    )
    database_pool_size: int = Field(10, ge=1, le=200)
    redis_url: str | None = Field(
        None, description="redis://HOST:PORT/DB; unset means the in-process sync store"
    )
    redis_prefix: str = Field(
        "lobbyd:", min_length=1, max_length=64, description="prefix of every Redis key lobbyd uses"
    )

    jwt_secret: SecretStr | None = Field(
        None,
        description=f"HMAC key for tokens, at least {MIN_SECRET_BYTES} bytes; unset: generated "
        "once and kept in the database",
    )
    cursor_secret: SecretStr | None = Field(
        None,
        description=f"HMAC key for pagination cursors, at least {MIN_SECRET_BYTES} bytes; unset: "
        "generated once and kept in the database",
    )
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str = "lobbyd"
    jwt_audience: str = "lobbyd"
    token_ttl: int = Field(3600, ge=60, le=86400 * 30, description="token lifetime, seconds")
    revocation_cache: float = Field(
        1.0,
        ge=0,
        le=60,
        description="seconds a replica trusts its last reading of a host's secret generation; "
        "0: read it on every request",
    )
    login: Literal["secret", "uuid"] = Field(
        "secret", description="'uuid' restores uuid-only login (trusted networks only)"
    )

    telemetry: bool = Field(
        False,
        description="FastAPI's native OpenTelemetry traces, metrics and logs (through the "
        "globally configured providers; FASTAPI_OTEL_AUTO_CONFIGURE=true adds OTLP exporters)",
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="text lines, or one JSON object a line (with a line per request)"
    )
    metrics: bool = Field(
        True, description="count requests and sockets and serve them at /metrics (Prometheus)"
    )
    metrics_token: SecretStr | None = Field(
        None,
        description="when set, /metrics requires `Authorization: Bearer <this>` (or an admin "
        "token)",
    )
    metrics_dir: str | None = Field(
        None,
        validation_alias=AliasChoices("PROMETHEUS_MULTIPROC_DIR", "metrics_dir"),
        description="directory the workers of one `lobbyd serve` share their metrics through "
        "(set by `lobbyd serve`; prometheus-client's multiprocess mode)",
    )
    max_body: int = Field(1024 * 1024, ge=1024, description="largest request body, bytes")
    json_depth: int = Field(
        32,
        ge=8,
        le=128,
        description="deepest nesting of arrays and objects in a JSON body (422 beyond) or in a "
        "sync document (a socket message may nest one level more)",
    )
    register_rate: int = Field(60, ge=0, description="registrations a minute per address; 0: off")
    login_rate: int = Field(120, ge=0, description="logins a minute per address; 0: off")
    trusted_proxies: Annotated[list[IPNetwork], NoDecode] = Field(
        default_factory=list,
        description="comma-separated addresses or networks whose X-Forwarded-For is believed",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="comma-separated origins whose web pages may call the API (`*`: any); "
        "empty: none (browsers then refuse cross-origin calls)",
    )
    max_friends: int = Field(10_000, ge=1, le=100_000)
    max_banlist: int = Field(10_000, ge=1, le=100_000)

    session_timeout: float = Field(60.0, gt=0, description="seconds without life before timeout")
    reservation_timeout: float = Field(60.0, gt=0)
    sweep_interval: float = Field(5.0, gt=0, description="seconds between cleanup sweeps")
    max_capacity: int = Field(256, ge=2, le=10_000)
    ticket_ttl: int = Field(120, ge=10, le=3600, description="join ticket lifetime, seconds")

    sync_state_max: int = Field(64 * 1024, ge=256)
    sync_member_max: int = Field(4 * 1024, ge=64)
    sync_log_size: int = Field(1000, ge=1000)
    sync_log_age: float = Field(3600.0, gt=0)
    sync_grace: float = Field(300.0, ge=0, description="seconds an ended session's document stays")
    sync_log_bytes: int = Field(
        1024 * 1024,
        ge=64 * 1024,
        description="bytes of change messages kept for replay per document (the newest change "
        "is always kept)",
    )
    ws_queue_max: int = Field(1000, ge=10)
    ws_per_player: int = Field(
        4, ge=1, le=1000, description="sync sockets one player may hold open on one session"
    )

    header_timeout: float = Field(
        10.0,
        gt=0,
        le=3600,
        description="seconds a client has, from connecting or from the end of the previous "
        "response, to send a complete request head; then the connection is closed",
    )
    keep_alive_timeout: int = Field(
        5, ge=1, le=3600, description="seconds an idle keep-alive connection stays open"
    )
    max_header: int = Field(
        16 * 1024,
        ge=4096,
        le=1024 * 1024,
        description="largest request head (request line and headers), bytes (431 beyond)",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="the least severe level logged"
    )

    stun_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="comma-separated stun:/stuns: URLs handed to members by GET /sessions/{id}/ice",
    )
    turn_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="comma-separated turn:/turns: URLs of the TURN server (coturn) members relay "
        "through; needs LOBBYD_TURN_SECRET",
    )
    turn_secret: SecretStr | None = Field(
        None,
        description="the TURN server's shared secret (coturn's static-auth-secret, with "
        "use-auth-secret): TURN credentials are minted with it",
    )
    turn_ttl: int = Field(
        3600, ge=60, le=86400 * 7, description="TURN credential lifetime, seconds"
    )
    signal_rate: int = Field(
        50, ge=0, description="signals a second one sync socket may send; 0: off"
    )

    @field_validator("jwt_secret", "cursor_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < MIN_SECRET_BYTES:
            name = f"LOBBYD_{(info.field_name or '').upper()}"
            raise ValueError(
                f"{name} must be at least {MIN_SECRET_BYTES} bytes (a short HMAC key can be "
                "brute-forced); generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`, or unset it to "
                "let lobbyd generate and store one"
            )
        return value

    @field_validator("trusted_proxies", "cors_origins", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("stun_urls", "turn_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("stun_urls", "turn_urls", mode="after")
    @classmethod
    def _ice_schemes(cls, value: list[str], info: ValidationInfo) -> list[str]:
        schemes = ("stun:", "stuns:") if info.field_name == "stun_urls" else ("turn:", "turns:")
        name = f"LOBBYD_{(info.field_name or '').upper()}"
        for url in value:
            if not url.lower().startswith(schemes) or len(url) > 512 or not url.isprintable():
                raise ValueError(f"{name}: every URL must start with {' or '.join(schemes)}")
        return value

    @model_validator(mode="after")
    def _turn_needs_secret(self) -> Settings:
        if self.turn_urls and self.turn_secret is None:
            raise ValueError(
                "LOBBYD_TURN_URLS needs LOBBYD_TURN_SECRET (the TURN server's static-auth-secret)"
            )
        if self.turn_secret is not None and not self.turn_secret.get_secret_value():
            raise ValueError("LOBBYD_TURN_SECRET must not be empty")
        return self

    @field_validator("trusted_proxies", mode="after")
    @classmethod
    def _as_networks(cls, value: list[object]) -> list[IPNetwork]:
        return [ipaddress.ip_network(str(item), strict=False) for item in value]
