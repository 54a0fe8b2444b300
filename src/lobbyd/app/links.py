"""OpenAPI links: which operations take the ids that registering, launching and inviting return.

Links tell clients (and stateful fuzzers) how to chain calls: the uuid `POST /hosts` answers
names the host in `GET /hosts/{host}` and launches its session; the session id and key a launch
answers address the session, its directory entries and its sync document; a join's guest is the
one to leave; an invite's (or a reservation's) player is the one to decline. Targets are named
by `operationRef` (a JSON pointer into `paths`), so the links hold whatever the operationIds are.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

Source = tuple[str, str, tuple[str, ...]]  # method, path, statuses
Target = tuple[str, str]  # method, path

_UUID = "$response.body#/uuid"
_SESSION = "$response.body#/session_id"
_KEY = "$response.body#/source_of_truth_key"

_HOST_LINKS: dict[str, tuple[Target, dict[str, Any]]] = {
    "GetHost": (("get", "/hosts/{host}"), {"parameters": {"path.host": _UUID}}),
    "SetOnlyFriends": (("put", "/hosts/{host}/only_friends"), {"parameters": {"path.host": _UUID}}),
    "SetAllowNonames": (
        ("put", "/hosts/{host}/allow_nonames"),
        {"parameters": {"path.host": _UUID}},
    ),
    "Befriend": (
        ("post", "/hosts/{host}/friends"),
        {"parameters": {"path.host": _UUID, "query.friend": _UUID}},
    ),
    "Ban": (("post", "/hosts/{host}/banlist"), {"parameters": {"path.host": _UUID}}),
    "WelcomeCheck": (("get", "/hosts/{host}/welcome"), {"parameters": {"path.host": _UUID}}),
    "LaunchSession": (("post", "/sessions"), {"requestBody": {"host": _UUID}}),
    "JoinAsGuest": (("post", "/sessions/players"), {"requestBody": {"guest": _UUID}}),
    "PlayerSessions": (
        ("get", "/players/{player}/sessions"),
        {"parameters": {"path.player": _UUID}},
    ),
    "DeleteHost": (("delete", "/hosts/{host}"), {"parameters": {"path.host": _UUID}}),
}

_BY_SESSION = {"parameters": {"path.session_id": _SESSION}}
_SESSION_LINKS: dict[str, tuple[Target, dict[str, Any]]] = {
    "GetSession": (("get", "/sessions/{session_id}"), _BY_SESSION),
    "UpdateSession": (("patch", "/sessions/{session_id}"), _BY_SESSION),
    "Heartbeat": (("post", "/sessions/{session_id}/heartbeat"), _BY_SESSION),
    "Invite": (("post", "/sessions/{session_id}/invites"), _BY_SESSION),
    "ListInvites": (("get", "/sessions/{session_id}/invites"), _BY_SESSION),
    "Reserve": (("post", "/sessions/{session_id}/reservations"), _BY_SESSION),
    "LinkPlatformSession": (
        ("put", "/sessions/{session_id}/platform-sessions/{platform}"),
        _BY_SESSION,
    ),
    "Kick": (("delete", "/sessions/{session_id}/players/{guest}"), _BY_SESSION),
    "EndSession": (("delete", "/sessions/{session_id}"), _BY_SESSION),
    "GetDocument": (("get", "/sync/{key}"), {"parameters": {"path.key": _KEY}}),
    "ReplaceState": (("put", "/sync/{key}"), {"parameters": {"path.key": _KEY}}),
    "PatchState": (("patch", "/sync/{key}"), {"parameters": {"path.key": _KEY}}),
    "ReplaceMemberDocument": (
        ("put", "/sync/{key}/members/{player}"),
        {"parameters": {"path.key": _KEY}},
    ),
}

_JOIN_LINKS: dict[str, tuple[Target, dict[str, Any]]] = {
    "GetSession": (("get", "/sessions/{session_id}"), _BY_SESSION),
    "Leave": (
        ("delete", "/sessions/{session_id}/players/{guest}"),
        {"parameters": {"path.session_id": _SESSION, "path.guest": "$request.body#/guest"}},
    ),
    "GetDocument": (("get", "/sync/{key}"), {"parameters": {"path.key": _KEY}}),
    "ReplaceMemberDocument": (
        ("put", "/sync/{key}/members/{player}"),
        {"parameters": {"path.key": _KEY, "path.player": "$request.body#/guest"}},
    ),
}

_HELD = {
    "parameters": {
        "path.session_id": "$response.body#/session_id",
        "path.player": "$response.body#/player",
    }
}
_INVITE_LINKS: dict[str, tuple[Target, dict[str, Any]]] = {
    "DeleteInvite": (("delete", "/sessions/{session_id}/invites/{player}"), _HELD),
    "ListInvites": (
        ("get", "/sessions/{session_id}/invites"),
        {"parameters": {"path.session_id": "$response.body#/session_id"}},
    ),
}
_RESERVATION_LINKS: dict[str, tuple[Target, dict[str, Any]]] = {
    "DeleteReservation": (("delete", "/sessions/{session_id}/reservations/{player}"), _HELD),
}

LINKS: dict[Source, dict[str, tuple[Target, dict[str, Any]]]] = {
    ("post", "/hosts", ("200",)): _HOST_LINKS,
    ("post", "/sessions", ("200", "201")): _SESSION_LINKS,
    ("post", "/sessions/players", ("200",)): _JOIN_LINKS,
    ("post", "/sessions/{session_id}/invites", ("200", "201")): _INVITE_LINKS,
    ("post", "/sessions/{session_id}/reservations", ("200", "201")): _RESERVATION_LINKS,
}


def operation_ref(method: str, path: str) -> str:
    """The JSON pointer to an operation of this document (RFC 6901 escapes `~` and `/`)."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def declare_links(app: FastAPI) -> None:
    """Add the links to the app's OpenAPI document (once, when it is first built)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        paths = schema.get("paths", {})
        for (method, path, statuses), links in LINKS.items():
            for status in statuses:
                response = paths[path][method]["responses"][status]
                response["links"] = {
                    name: {"operationRef": operation_ref(*_present(paths, target)), **rest}
                    for name, (target, rest) in links.items()
                }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _present(paths: dict[str, Any], target: Target) -> Target:
    """The target itself, which must be an operation of the document (a moved route fails the
    build at once rather than leave a dangling link)."""
    method, path = target
    if method not in paths.get(path, {}):
        raise LookupError(f"link target {method.upper()} {path} is not an operation")
    return target
