// Compile-time checks (tsc --noEmit, run by npm test): what the generated types accept.
import type { LaunchRequest, SessionView, LobbydError, ErrorCode } from "../src/index.js";
import { LobbydClient } from "../src/index.js";

// A launch body needs only the host: every other field has a default.
const launch: LaunchRequest = { host: "0b6f0000-0000-4000-8000-000000000000" };
void launch;

// The session view is a union told apart by `view`.
export function members(view: SessionView): number {
  if (view.view === "member") return view.members.length;
  // @ts-expect-error the public view has no members
  return view.members.length;
}

// Error codes are the server's documented enum (plus the client's own two).
export function known(error: LobbydError): boolean {
  const code: ErrorCode = error.code;
  // @ts-expect-error not a code the server sends
  const wrong: ErrorCode = "no_such_code";
  void wrong;
  return code === "not_welcome" || code === "validation";
}

// Methods take typed bodies.
export async function typed(client: LobbydClient): Promise<void> {
  // @ts-expect-error capacity is a number
  await client.launchSession({ host: "h", capacity: "8" });
  // @ts-expect-error a join names the guest
  await client.join({ host: "h" });
}
