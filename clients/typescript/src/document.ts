import type { JsonObject } from "./types.js";

/** RFC 7396: the result of merging `patch` into `target` (neither is modified). */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    target !== null && typeof target === "object" && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [name, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete result[name];
    else result[name] = mergePatch(result[name], value);
  }
  return result;
}

/** A session's source of truth, as of `version`. */
export interface SyncState {
  version: number;
  /** Written by the host. */
  state: JsonObject;
  /** One sub-document per member, keyed by player id. */
  members: Record<string, JsonObject>;
  /** The session ended: no change follows. */
  ended: boolean;
}

/** A snapshot: the whole document. */
export interface SnapshotMessage {
  type: "snapshot";
  version: number;
  state: JsonObject;
  members: Record<string, JsonObject>;
  ended: boolean;
}

/** A change of the document, in version order. */
export type ChangeMessage =
  | { type: "state_patch"; version: number; patch: JsonObject }
  | { type: "state_replaced"; version: number; state: JsonObject }
  | { type: "member_updated"; version: number; player: string; document: JsonObject }
  | { type: "member_joined"; version: number; player: string }
  | { type: "member_left"; version: number; player: string; reason?: string }
  | { type: "member_kicked"; version: number; player: string; reason?: string }
  | { type: "session_ended"; version: number; reason: string }
  | { type: "host_changed"; version: number; host: string; previous: string; reason: string };

/** The answers to this socket's own messages. */
export type ReplyMessage =
  | { type: "ack"; id: string | number; version: number }
  | { type: "pong"; id: string | number | null; version: number }
  | { type: "error"; id: string | number | null; code: string; message: string; version: number };

/** A signal from another member (ephemeral, never versioned). */
export interface SignalMessage {
  type: "signal";
  from: string;
  data: JsonObject;
}

/** Everything the server sends over the sync socket. */
export type ServerMessage = SnapshotMessage | ChangeMessage | ReplyMessage | SignalMessage;

/** A fresh document from a snapshot (or a `GET /sync/{key}` body). */
export function fromSnapshot(body: {
  version: number;
  state: JsonObject;
  members: Record<string, JsonObject>;
  ended?: boolean;
}): SyncState {
  return {
    version: body.version,
    state: body.state ?? {},
    members: { ...(body.members ?? {}) },
    ended: body.ended ?? false,
  };
}

/** The document after the change that follows its version (the caller checks the order). */
export function applyChange(doc: SyncState, change: ChangeMessage): SyncState {
  const next: SyncState = { ...doc, members: { ...doc.members }, version: change.version };
  switch (change.type) {
    case "state_patch":
      next.state = mergePatch(doc.state, change.patch) as JsonObject;
      break;
    case "state_replaced":
      next.state = change.state;
      break;
    case "member_updated":
      next.members[change.player] = change.document;
      break;
    case "member_joined":
      next.members[change.player] = {};
      break;
    case "member_left":
    case "member_kicked":
      delete next.members[change.player];
      break;
    case "session_ended":
      next.ended = true;
      break;
    case "host_changed":
      break;
  }
  return next;
}
