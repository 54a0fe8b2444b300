"""lobbyd.auth.tokens.Tokens: one pinned algorithm, an injected clock, every claim required."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lobbyd.auth.tokens import Tokens
from lobbyd.errors import Unauthorized
from lobbyd.kit.clock import ManualClock

KEY = "unit-test-signing-key-" + "k" * 48
HOST = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
SCOPES = frozenset({"session:read-player:self"})
START = 1_900_000_000.0


@pytest.fixture
def clock() -> ManualClock:
    """Time that moves only when told."""
    return ManualClock(START)


@pytest.fixture
def tokens(clock: ManualClock) -> Tokens:
    """Tokens as the service configures them by default."""
    return Tokens(KEY, algorithm="HS256", issuer="lobbyd", audience="lobbyd", ttl=3600, clock=clock)


def claims(**changes: object) -> dict[str, object]:
    """A complete, valid set of host claims at START, with changes (None removes a claim)."""
    values: dict[str, object] = {
        "iss": "lobbyd",
        "aud": "lobbyd",
        "sub": HOST,
        "iat": int(START),
        "exp": int(START) + 3600,
        "jti": "0123456789abcdef",
        "scope": "session:read-player:self",
        "gen": 0,
    }
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}


def b64(data: bytes) -> str:
    """Unpadded base64url, as JWTs use."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made(header: dict[str, object], payload: dict[str, object], key: bytes) -> str:
    """A JWT with exactly this header, HMAC-SHA256-signed with `key` whatever the header says."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def refused(tokens: Tokens, token: str) -> Unauthorized:
    """Assert that verification refuses the token; returns the error."""
    with pytest.raises(Unauthorized) as caught:
        tokens.verify(token)
    return caught.value


def test_an_issued_token_verifies_to_its_claims(tokens: Tokens) -> None:
    verified = tokens.verify(tokens.issue(HOST, SCOPES, generation=3))
    assert verified.subject == HOST
    assert verified.scopes == SCOPES
    assert verified.generation == 3
    assert verified.expires == int(START) + 3600
    assert verified.token_id
    assert not verified.is_admin


def test_an_issued_token_carries_every_required_claim(tokens: Tokens) -> None:
    payload = jwt.decode(
        tokens.issue(HOST, SCOPES, generation=0),
        KEY,
        algorithms=["HS256"],
        audience="lobbyd",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert {"iss", "aud", "sub", "iat", "exp", "jti", "scope"} <= set(payload)
    assert payload["iss"] == "lobbyd"
    assert payload["exp"] - payload["iat"] == 3600


def test_every_token_has_its_own_id(tokens: Tokens) -> None:
    first = tokens.verify(tokens.issue(HOST, SCOPES, generation=0))
    second = tokens.verify(tokens.issue(HOST, SCOPES, generation=0))
    assert first.token_id != second.token_id


def test_a_given_ttl_overrides_the_default(tokens: Tokens) -> None:
    verified = tokens.verify(tokens.issue(HOST, SCOPES, generation=0, ttl=60))
    assert verified.expires == int(START) + 60


def test_an_admin_token_verifies_as_admin(tokens: Tokens) -> None:
    verified = tokens.verify(tokens.issue("admin", frozenset({"session:*"})))
    assert verified.is_admin
    assert verified.subject == "admin"


def test_a_token_is_valid_until_its_last_second(tokens: Tokens, clock: ManualClock) -> None:
    token = tokens.issue(HOST, SCOPES, generation=0)
    clock.advance(3599)
    assert tokens.verify(token).subject == HOST


def test_an_expired_token_is_refused(tokens: Tokens, clock: ManualClock) -> None:
    token = tokens.issue(HOST, SCOPES, generation=0)
    clock.advance(3600)
    refused(tokens, token)


def test_expiry_follows_the_injected_clock_not_the_system_clock() -> None:
    past = ManualClock(1_000_000_000.0)
    tokens = Tokens(
        KEY, algorithm="HS256", issuer="lobbyd", audience="lobbyd", ttl=3600, clock=past
    )
    token = tokens.issue(HOST, SCOPES, generation=0)
    assert tokens.verify(token).subject == HOST  # long expired by the system clock


def test_a_refusal_asks_for_a_bearer_token(tokens: Tokens, clock: ManualClock) -> None:
    token = tokens.issue(HOST, SCOPES, generation=0)
    clock.advance(3600)
    error = refused(tokens, token)
    assert error.status == 401
    assert error.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_tampered_payload_is_refused(tokens: Tokens) -> None:
    header, _, signature = tokens.issue(HOST, SCOPES, generation=0).split(".")
    payload = b64(json.dumps(claims(sub="admin", scope="session:*")).encode())
    refused(tokens, f"{header}.{payload}.{signature}")


def test_a_tampered_signature_is_refused(tokens: Tokens) -> None:
    token = tokens.issue(HOST, SCOPES, generation=0)
    head, signature = token[: token.rindex(".") + 1], token[token.rindex(".") + 1 :]
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    refused(tokens, head + flipped)


def test_an_unsigned_alg_none_token_is_refused(tokens: Tokens) -> None:
    token = jwt.encode(claims(), "", algorithm="none")
    refused(tokens, token)


def test_an_alg_none_header_with_a_valid_signature_is_refused(tokens: Tokens) -> None:
    refused(tokens, hand_made({"alg": "none", "typ": "JWT"}, claims(), KEY.encode()))


def test_a_token_signed_with_another_hmac_algorithm_is_refused(tokens: Tokens) -> None:
    refused(tokens, jwt.encode(claims(), KEY, algorithm="HS512"))


def test_only_the_configured_algorithm_is_accepted(clock: ManualClock) -> None:
    hs512 = Tokens(
        KEY, algorithm="HS512", issuer="lobbyd", audience="lobbyd", ttl=3600, clock=clock
    )
    assert hs512.verify(jwt.encode(claims(), KEY, algorithm="HS512")).subject == HOST
    refused(hs512, jwt.encode(claims(), KEY, algorithm="HS256"))


def test_a_token_signed_with_another_key_is_refused(tokens: Tokens) -> None:
    refused(tokens, jwt.encode(claims(), "another-key-" + "z" * 32, algorithm="HS256"))


def test_a_token_for_another_audience_is_refused(tokens: Tokens) -> None:
    refused(tokens, jwt.encode(claims(aud="another-service"), KEY, algorithm="HS256"))


def test_a_token_from_another_issuer_is_refused(tokens: Tokens) -> None:
    refused(tokens, jwt.encode(claims(iss="another-issuer"), KEY, algorithm="HS256"))


@pytest.mark.parametrize("missing", ["jti", "scope", "exp", "sub", "iat", "iss", "aud"])
def test_a_token_missing_a_required_claim_is_refused(tokens: Tokens, missing: str) -> None:
    refused(tokens, jwt.encode(claims(**{missing: None}), KEY, algorithm="HS256"))


def test_a_host_token_without_a_secret_generation_is_refused(tokens: Tokens) -> None:
    refused(tokens, jwt.encode(claims(gen=None), KEY, algorithm="HS256"))


@pytest.mark.parametrize(
    "changes",
    [{"exp": "2100-01-01"}, {"sub": 42}, {"scope": ["session:*"]}, {"gen": "0"}],
)
def test_a_claim_of_the_wrong_type_is_refused(tokens: Tokens, changes: dict[str, object]) -> None:
    refused(tokens, jwt.encode(claims(**changes), KEY, algorithm="HS256"))


def test_an_rs256_token_signed_with_an_attackers_key_is_refused(tokens: Tokens) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused(tokens, jwt.encode(claims(), private, algorithm="RS256"))


def test_an_rs256_header_over_an_hmac_signature_is_refused(tokens: Tokens) -> None:
    # Key confusion: a verifier that trusted the header could be led to check an HMAC made with
    # a key the attacker knows; the configured algorithm alone decides here.
    refused(tokens, hand_made({"alg": "RS256", "typ": "JWT"}, claims(), KEY.encode()))


def test_an_hmac_token_keyed_with_a_public_key_is_refused(tokens: Tokens) -> None:
    # The classic RS256/HS256 confusion: HS256 keyed with a (public) RSA key's PEM text.
    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    refused(tokens, hand_made({"alg": "HS256", "typ": "JWT"}, claims(), pem))


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "a.b", "....", "Bearer x.y.z"])
def test_a_malformed_token_is_refused(tokens: Tokens, token: str) -> None:
    refused(tokens, token)
