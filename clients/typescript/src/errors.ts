import type { components } from "./openapi.js";

/** Every `code` the server documents in its error bodies (`ErrorBody.code`). */
export type ServerErrorCode = components["schemas"]["ErrorBody"]["code"];

/**
 * A code of a {@link LobbydError}: one the server sent, `validation` for a 422 (the body is then
 * in `detail`), or `http` for an answer that carried no lobbyd error body.
 */
export type ErrorCode = ServerErrorCode | "validation" | "http";

/** One problem of a 422 answer, in FastAPI's shape. */
export type ValidationProblem = components["schemas"]["ValidationError"];

/** An error answer of the lobbyd API: `status` (HTTP), `code` for programs, `message` for people. */
export class LobbydError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  /** The problems of a 422 (`code` is `validation`). */
  readonly detail?: ValidationProblem[];
  /** Seconds to wait before retrying (429 and 503), from `Retry-After`. */
  readonly retryAfter?: number;

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    extra: { detail?: ValidationProblem[]; retryAfter?: number } = {},
  ) {
    super(message);
    this.name = "LobbydError";
    this.status = status;
    this.code = code;
    this.detail = extra.detail;
    this.retryAfter = extra.retryAfter;
  }

  /** The error an answer that is not a success stands for. */
  static async from(response: Response): Promise<LobbydError> {
    const retry = Number(response.headers.get("retry-after"));
    const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : undefined;
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      // not JSON: described by the status alone
    }
    if (body && typeof body === "object") {
      const fields = body as Record<string, unknown>;
      if (typeof fields.code === "string" && typeof fields.message === "string") {
        return new LobbydError(response.status, fields.code as ServerErrorCode, fields.message, {
          retryAfter,
        });
      }
      if (Array.isArray(fields.detail)) {
        const detail = fields.detail as ValidationProblem[];
        const message = detail.map((p) => `${p.loc.join(".")}: ${p.msg}`).join("; ");
        return new LobbydError(response.status, "validation", message || "invalid request", {
          detail,
        });
      }
    }
    const text = response.statusText || `HTTP ${response.status}`;
    return new LobbydError(response.status, "http", text, { retryAfter });
  }
}
