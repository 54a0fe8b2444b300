/**
 * The lobbyd client for browsers and Node 20+: every HTTP operation as a typed method
 * ({@link LobbydClient}), the session's live source of truth ({@link SyncSocket}), a heartbeat
 * helper ({@link Heartbeat}) and typed errors ({@link LobbydError}).
 *
 * @packageDocumentation
 */
export { LobbydClient, OPERATIONS } from "./client.js";
export type { ClientOptions, Launched, WriteOptions } from "./client.js";
export { LobbydError } from "./errors.js";
export type { ErrorCode, ServerErrorCode, ValidationProblem } from "./errors.js";
export { SyncSocket, SyncError } from "./socket.js";
export type {
  CloseKind,
  Listener,
  SyncCloseEvent,
  SyncSocketEvents,
  SyncSocketOptions,
  TokenVia,
  WebSocketClass,
  WebSocketLike,
} from "./socket.js";
export { Heartbeat } from "./heartbeat.js";
export type { HeartbeatOptions } from "./heartbeat.js";
export { mergePatch, applyChange, fromSnapshot } from "./document.js";
export type {
  ChangeMessage,
  ReplyMessage,
  ServerMessage,
  SignalMessage,
  SnapshotMessage,
  SyncState,
} from "./document.js";
export type * from "./types.js";
export type { paths, components, operations } from "./openapi.js";

/** The lobbyd API version this package speaks (the server's `info.version`). */
export const API_VERSION = "0.1.0";
