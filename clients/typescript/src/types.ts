// Names for the generated types (src/openapi.ts), so callers never spell the generated paths.
import type { components, operations } from "./openapi.js";

/** Every schema of the OpenAPI document. */
export type Schemas = components["schemas"];

/** The JSON body of an operation's success answer (200 or 201). */
export type Answer<K extends keyof operations> = operations[K]["responses"] extends infer R
  ? R extends { 200: { content: { "application/json": infer B } } }
    ? B
    : R extends { 201: { content: { "application/json": infer B } } }
      ? B
      : void
  : never;

/** The JSON request body of an operation. */
export type RequestBody<K extends keyof operations> = operations[K] extends {
  requestBody?: { content: { [media: string]: infer B } };
}
  ? B
  : never;

/** The query parameters of an operation. */
export type QueryOf<K extends keyof operations> = NonNullable<operations[K]["parameters"]["query"]>;

export type Registered = Schemas["Registered"];
export type Host = Schemas["Host"];
export type HostPublic = Schemas["HostPublic"];
export type Token = Schemas["Token"];
export type LaunchRequest = Schemas["LaunchRequest"];
export type JoinRequest = Schemas["JoinRequest"];
export type SessionRef = Schemas["SessionRef"];
export type Joined = Schemas["Joined"];
/** `GET /sessions/{id}`: the member view or the public view, told apart by `view`. */
export type SessionView = Schemas["Session"] | Schemas["SessionPublic"];
export type Session = Schemas["Session"];
export type SessionPublic = Schemas["SessionPublic"];
export type SessionUpdate = Schemas["SessionUpdate"];
export type Connection = Schemas["Connection"];
export type Member = Schemas["Member"];
export type HeartbeatAnswer = Schemas["HeartbeatAnswer"];
export type Welcome = Schemas["Welcome"];
export type SyncDocument = Schemas["SyncDocument"];
export type Written = Schemas["Written"];
export type PlayerSessions = Schemas["PlayerSessions"];
export type QueryPage = Schemas["QueryPage"];
export type QueryResult = Schemas["QueryResult"];
export type QuerySessions = QueryOf<"query_sessions">;
export type Invite = Schemas["Invite"];
export type Reservation = Schemas["Reservation"];
export type Platform = Schemas["Platform"];
export type PlatformSessionLink = Schemas["PlatformSessionLink"];
export type PlatformSession = Schemas["PlatformSession"];
export type IceAnswer = Schemas["IceAnswer"];
/** One WebRTC `RTCIceServer`: URLs, and for TURN the username and credential. */
export type IceServer = Schemas["IceServer"];
export type SignalRequest = Schemas["SignalRequest"];

/** A JSON object (a sync document's `state` or a member document). */
export type JsonObject = { [key: string]: unknown };
