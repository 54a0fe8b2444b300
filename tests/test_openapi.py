"""/openapi.json and /docs: the spec's operationIds, and every status an operation can return."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from lobbyd.app import create_app
from lobbyd.config import Settings
from lobbyd.schemas import ERROR_CODES
from tests.conftest import JWT_SECRET

#: (method, path) -> operationId, as hosts-and-sessions-api.txt names them.
SPEC_OPERATIONS = {
    ("post", "/hosts"): "register_hosts_post",
    ("get", "/hosts/{host}/access_token"): "login_hosts__host__access_token_get",
    ("get", "/hosts/access_token/renew"): "renew_hosts_access_token_renew_get",
    ("get", "/hosts/{host}"): "get_hosts__host__get",
    ("put", "/hosts/{host}/only_friends"): "set_only_friends_hosts__host__only_friends_put",
    ("put", "/hosts/{host}/allow_nonames"): "set_allow_nonames_hosts__host__allow_nonames_put",
    ("post", "/hosts/{host}/friends"): "befriend_hosts__host__friends_post",
    (
        "delete",
        "/hosts/{host}/friends/{former_friend}",
    ): "unfriend_hosts__host__friends__former_friend__delete",
    ("post", "/hosts/{host}/banlist"): "ban_hosts__host__banlist_post",
    ("delete", "/hosts/{host}/banlist/{banned}"): "unban_hosts__host__banlist__banned__delete",
    ("post", "/sessions"): "launch_session_sessions_post",
    ("post", "/sessions/players"): "join_sessions_players_post",
}

#: The statuses each hosts operation can return: CONTRACT section 4 (and 2, 9), plus 401 and 503
#: where a token is needed, 422 where it takes parameters, 413 where it takes a body.
AUTHENTICATED = {200, 401, 503}
EXPECTED_STATUSES = {
    ("post", "/hosts"): {200, 429},
    ("get", "/hosts/{host}/access_token"): {200, 401, 404, 422, 429},
    ("get", "/hosts/access_token/renew"): AUTHENTICATED | {404},
    ("get", "/hosts/{host}"): AUTHENTICATED | {304, 404, 422},
    ("put", "/hosts/{host}/only_friends"): AUTHENTICATED | {403, 404, 413, 422},
    ("put", "/hosts/{host}/allow_nonames"): AUTHENTICATED | {403, 404, 413, 422},
    ("post", "/hosts/{host}/friends"): AUTHENTICATED | {400, 403, 404, 422},
    ("delete", "/hosts/{host}/friends/{former_friend}"): AUTHENTICATED | {403, 404, 422},
    ("post", "/hosts/{host}/banlist"): AUTHENTICATED | {400, 403, 404, 422},
    ("delete", "/hosts/{host}/banlist/{banned}"): AUTHENTICATED | {403, 404, 422},
    ("delete", "/hosts/{host}"): (AUTHENTICATED - {200}) | {204, 403, 404, 422},
    ("post", "/hosts/{host}/secret"): {200, 401, 403, 404, 422, 429},
}
PUBLIC = {("post", "/hosts"), ("get", "/hosts/{host}/access_token")}
METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app that is not started: the docs need no database."""
    app = create_app(Settings(database_url="sqlite:///unused.sqlite3", jwt_secret=JWT_SECRET))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lobbyd.test") as client:
        yield client


@pytest.fixture(scope="module")
async def openapi(http: httpx.AsyncClient) -> dict[str, Any]:
    """The served OpenAPI document."""
    response = await http.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations(openapi: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every operation of the document, by (method, path)."""
    return {
        (method, path): operation
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def resolve(openapi: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a local $ref."""
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = openapi["components"]["schemas"][name]
    return schema


async def test_the_spec_operations_keep_the_spec_operation_ids(openapi: dict[str, Any]) -> None:
    found = {key: op["operationId"] for key, op in operations(openapi).items()}
    assert {key: found.get(key) for key in SPEC_OPERATIONS} == SPEC_OPERATIONS


async def test_operation_ids_are_unique(openapi: dict[str, Any]) -> None:
    ids = [op["operationId"] for op in operations(openapi).values()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("key", sorted(EXPECTED_STATUSES), ids=" ".join)
async def test_each_hosts_operation_declares_every_status_it_can_return(
    openapi: dict[str, Any], key: tuple[str, str]
) -> None:
    declared = {int(status) for status in operations(openapi)[key]["responses"]}
    assert EXPECTED_STATUSES[key] <= declared, sorted(EXPECTED_STATUSES[key] - declared)


async def test_every_error_response_has_the_message_and_code_body(
    openapi: dict[str, Any],
) -> None:
    checked = 0
    for key, operation in operations(openapi).items():
        for status, response in operation["responses"].items():
            if int(status) < 400 or int(status) == 422:
                continue
            schema = resolve(openapi, response["content"]["application/json"]["schema"])
            # `reason` is optional, sent only with a 404 session_ended.
            assert set(schema["properties"]) - {"reason"} == {"message", "code"}, (key, status)
            assert set(schema["required"]) == {"message", "code"}, (key, status)
            checked += 1
    assert checked >= 40


async def test_validation_errors_keep_fastapis_shape(openapi: dict[str, Any]) -> None:
    for key, operation in operations(openapi).items():
        if "422" in operation["responses"]:
            schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert resolve(openapi, schema)["properties"].keys() == {"detail"}, key


@pytest.mark.parametrize("key", sorted(set(SPEC_OPERATIONS) - PUBLIC), ids=" ".join)
async def test_authenticated_operations_declare_bearer_security(
    openapi: dict[str, Any], key: tuple[str, str]
) -> None:
    requirements = operations(openapi)[key].get("security", [])
    schemes = openapi["components"]["securitySchemes"]
    assert any(schemes[name]["scheme"].lower() == "bearer" for req in requirements for name in req)


async def test_login_declares_basic_security(openapi: dict[str, Any]) -> None:
    requirements = operations(openapi)[("get", "/hosts/{host}/access_token")].get("security", [])
    schemes = openapi["components"]["securitySchemes"]
    assert any(schemes[name]["scheme"].lower() == "basic" for req in requirements for name in req)


async def test_registration_needs_no_credentials(openapi: dict[str, Any]) -> None:
    assert not operations(openapi)[("post", "/hosts")].get("security")


async def test_docs_serve_html(http: httpx.AsyncClient) -> None:
    response = await http.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text


def _bearer(openapi: dict[str, Any], operation: dict[str, Any]) -> bool:
    schemes = openapi["components"]["securitySchemes"]
    return any(
        schemes[name]["scheme"].lower() == "bearer"
        for requirement in operation.get("security", [])
        for name in requirement
    )


def _declared(operation: dict[str, Any]) -> set[int]:
    return {int(status) for status in operation["responses"]}


async def test_every_operation_needing_a_token_declares_401_and_503(
    openapi: dict[str, Any],
) -> None:
    missing = {
        key: sorted({401, 503} - _declared(op))
        for key, op in operations(openapi).items()
        if _bearer(openapi, op) and not {401, 503} <= _declared(op)
    }
    assert missing == {}


async def test_every_operation_with_a_body_declares_413_and_422(openapi: dict[str, Any]) -> None:
    missing = {
        key: sorted({413, 422} - _declared(op))
        for key, op in operations(openapi).items()
        if "requestBody" in op and not {413, 422} <= _declared(op)
    }
    assert missing == {}


async def test_every_operation_with_parameters_declares_422(openapi: dict[str, Any]) -> None:
    missing = [
        key
        for key, op in operations(openapi).items()
        if op.get("parameters") and 422 not in _declared(op)
    ]
    assert missing == []


async def test_the_spec_session_operations_declare_their_statuses(
    openapi: dict[str, Any],
) -> None:
    launch = _declared(operations(openapi)[("post", "/sessions")])
    join = _declared(operations(openapi)[("post", "/sessions/players")])
    assert {200, 201, 401, 403, 404, 409, 422, 503} <= launch
    assert {200, 400, 401, 403, 404, 422, 503} <= join


def _pointed(openapi: dict[str, Any], reference: str) -> dict[str, Any]:
    """The operation an operationRef (`#/paths/<escaped path>/<method>`) points at."""
    _, _, escaped, method = reference.split("/")
    path = escaped.replace("~1", "/").replace("~0", "~")
    operation: dict[str, Any] = openapi["paths"][path][method]
    return operation


@pytest.mark.parametrize(
    ("source", "statuses", "expected"),
    [
        (("post", "/hosts"), ["200"], {"GetHost", "LaunchSession", "JoinAsGuest"}),
        (("post", "/sessions"), ["200", "201"], {"GetSession", "Invite", "GetDocument"}),
        (("post", "/sessions/players"), ["200"], {"Leave", "GetDocument"}),
        (("post", "/sessions/{session_id}/invites"), ["200", "201"], {"DeleteInvite"}),
        (("post", "/sessions/{session_id}/reservations"), ["200", "201"], {"DeleteReservation"}),
    ],
    ids=["register", "launch", "join", "invite", "reserve"],
)
async def test_the_ids_an_operation_returns_are_linked_to_the_operations_taking_them(
    openapi: dict[str, Any], source: tuple[str, str], statuses: list[str], expected: set[str]
) -> None:
    for status in statuses:
        links = operations(openapi)[source]["responses"][status]["links"]
        assert expected <= set(links)
        for link in links.values():
            target = _pointed(openapi, link["operationRef"])
            names = {(p["in"], p["name"]) for p in target.get("parameters", [])}
            for qualified in link.get("parameters", {}):
                where, _, name = qualified.partition(".")
                assert (where, name) in names, (link["operationRef"], qualified)
            if "requestBody" in link:
                assert "requestBody" in target


#: Operations outside the published set, named by their endpoint function (stable, readable).
READABLE_OPERATIONS = {
    ("delete", "/hosts/{host}"): "delete_host",
    ("post", "/hosts/{host}/secret"): "rotate_secret",
    ("get", "/sessions/{session_id}"): "get_session",
    ("patch", "/sessions/{session_id}"): "update_session",
    ("delete", "/sessions/{session_id}"): "end_session",
    ("delete", "/sessions/{session_id}/players/{guest}"): "leave",
    ("post", "/sessions/{session_id}/heartbeat"): "heartbeat",
    ("get", "/sessions"): "query_sessions",
    ("get", "/sync/{key}"): "get_document",
    ("patch", "/sync/{key}"): "patch_state",
    ("put", "/sync/{key}"): "put_state",
    ("put", "/sync/{key}/members/{player}"): "put_member",
    ("get", "/players/{player}/sessions"): "get_player_sessions",
    ("post", "/sessions/{session_id}/invites"): "invite",
    ("post", "/sessions/{session_id}/reservations"): "reserve",
}


async def test_operations_the_spec_does_not_name_have_readable_operation_ids(
    openapi: dict[str, Any],
) -> None:
    found = {key: op["operationId"] for key, op in operations(openapi).items()}
    assert {key: found.get(key) for key in READABLE_OPERATIONS} == READABLE_OPERATIONS
    unnamed = {key: name for key, name in found.items() if key not in SPEC_OPERATIONS}
    assert all(name.isidentifier() and "__" not in name for name in unnamed.values()), unnamed
    assert not [name for name in unnamed.values() if name.endswith(tuple(f"_{m}" for m in METHODS))]


async def test_get_session_answers_one_of_two_views_told_apart_by_view(
    openapi: dict[str, Any],
) -> None:
    ok = operations(openapi)[("get", "/sessions/{session_id}")]["responses"]["200"]
    schema = ok["content"]["application/json"]["schema"]
    assert "anyOf" not in schema
    assert schema["discriminator"]["propertyName"] == "view"
    mapping = schema["discriminator"]["mapping"]
    assert set(mapping) == {"member", "public"}
    for view, reference in mapping.items():
        target = resolve(openapi, {"$ref": reference})
        assert "view" in target["required"]
        assert target["properties"]["view"]["const"] == view


async def test_request_fields_with_defaults_are_not_typed_as_present(
    openapi: dict[str, Any],
) -> None:
    """openapi-typescript (default options) types a property with a `default` as present."""
    bodies = {
        resolve(openapi, op["requestBody"]["content"][media]["schema"])["title"]
        for op in operations(openapi).values()
        if "requestBody" in op
        for media in op["requestBody"]["content"]
        if "$ref" in op["requestBody"]["content"][media]["schema"]
    }
    assert "LaunchRequest" in bodies
    schemas = openapi["components"]["schemas"]
    defaulted = {
        (name, field)
        for name in bodies
        for field, spec in schemas[name]["properties"].items()
        if "default" in spec
    }
    assert defaulted == set()
    assert schemas["LaunchRequest"]["required"] == ["host"]
    assert "(default: 8)" in schemas["LaunchRequest"]["properties"]["capacity"]["description"]


async def test_error_code_is_a_documented_enum_of_every_registered_code(
    openapi: dict[str, Any],
) -> None:
    code = openapi["components"]["schemas"]["ErrorBody"]["properties"]["code"]
    assert code["enum"] == sorted(ERROR_CODES)
    assert all(
        f"`{name}`: {meaning}" in code["description"] for name, meaning in ERROR_CODES.items()
    )
