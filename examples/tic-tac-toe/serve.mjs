// Serve the game and the SDK (clients/typescript/dist, at /sdk/) on http://127.0.0.1:8080.
//   LOBBYD_URL=http://127.0.0.1:8000 node serve.mjs        (PORT=... for another port)
// lobbyd must allow this origin: LOBBYD_CORS_ORIGINS=http://127.0.0.1:8080 lobbyd serve
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const SDK = fileURLToPath(new URL("../../clients/typescript/dist/", import.meta.url));
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".map": "application/json" };

export function gameServer(lobbydUrl) {
  return createServer(async (request, response) => {
    let path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    if (path === "/") path = "/index.html";
    const [root, rest] = path.startsWith("/sdk/") ? [SDK, path.slice(5)] : [HERE, path.slice(1)];
    const file = normalize(join(root, rest));
    try {
      if (!file.startsWith(root)) throw new Error("outside");
      let body = await readFile(file);
      if (path === "/index.html") {
        const setting = `<script>window.LOBBYD_URL = ${JSON.stringify(lobbydUrl)};</script>`;
        body = String(body).replace("<head>", `<head>\n  ${setting}`);
      }
      response.writeHead(200, { "content-type": `${TYPES[extname(file)] ?? "application/octet-stream"}; charset=utf-8` });
      response.end(body);
    } catch {
      response.writeHead(404).end("not found");
    }
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT || 8080);
  const lobbyd = process.env.LOBBYD_URL || "http://127.0.0.1:8000";
  gameServer(lobbyd).listen(port, "127.0.0.1", () => {
    console.log(`tic-tac-toe on http://127.0.0.1:${port} (lobbyd: ${lobbyd}); open it in two tabs`);
  });
}
