"""A local copy of a sync document, kept current by applying the socket's messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: the result of merging `patch` into `target` (neither is modified)."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result


@dataclass
class Document:
    """A session's source of truth as of `version`."""

    version: int
    state: JSON = field(default_factory=dict)
    members: dict[str, JSON] = field(default_factory=dict)
    ended: bool = False

    @classmethod
    def from_json(cls, body: JSON) -> Document:
        """From a GET /sync/{key} body or a `snapshot` message."""
        return cls(
            int(body["version"]),
            dict(body.get("state", {})),
            dict(body.get("members", {})),
            bool(body.get("ended", False)),
        )

    def apply(self, message: JSON) -> None:
        """Apply a snapshot, or the change that follows `version` (others are ignored)."""
        kind = message.get("type")
        if kind == "snapshot":
            fresh = Document.from_json(message)
            self.version, self.state, self.members, self.ended = (
                fresh.version,
                fresh.state,
                fresh.members,
                fresh.ended,
            )
            return
        if message.get("version") != self.version + 1:
            return
        self.version += 1
        if kind == "state_replaced":
            self.state = message["state"]
        elif kind == "state_patch":
            self.state = merge_patch(self.state, message["patch"])
        elif kind == "member_updated":
            self.members[message["player"]] = message["document"]
        elif kind == "member_joined":
            self.members[message["player"]] = {}
        elif kind in ("member_left", "member_kicked"):
            self.members.pop(message["player"], None)
        elif kind == "session_ended":
            self.ended = True
