// A tiny static server for the example page that also forwards the lobbyd API (HTTP and
// WebSocket) to LOBBYD_URL, so the page and the API share one origin (lobbyd sends no CORS
// headers). No dependencies: node serve.mjs [PORT], with LOBBYD_URL (default
// http://127.0.0.1:8000). It prints "listening on http://127.0.0.1:PORT" once ready.
import { createServer, request } from "node:http";
import { connect } from "node:net";
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const upstream = new URL(process.env.LOBBYD_URL ?? "http://127.0.0.1:8000");
const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
const files = { "/": "index.html", "/index.html": "index.html", "/app.js": "app.js" };
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8" };

const server = createServer(async (req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  if (path === "/favicon.ico") {
    res.writeHead(204);
    res.end();
    return;
  }
  const file = files[path];
  if (file && req.method === "GET") {
    const body = await readFile(join(here, file));
    res.writeHead(200, { "content-type": types[extname(file)], "cache-control": "no-store" });
    res.end(body);
    return;
  }
  // Everything else is lobbyd's.
  const forward = request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: upstream.host },
    },
    (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    },
  );
  forward.on("error", () => {
    res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: "lobbyd is not reachable", code: "bad_gateway" }));
  });
  req.pipe(forward);
});

// WebSocket upgrades: replay the handshake to lobbyd, then pipe bytes both ways.
server.on("upgrade", (req, socket, head) => {
  const target = connect(Number(upstream.port), upstream.hostname, () => {
    const headers = Object.entries({ ...req.headers, host: upstream.host })
      .map(([name, value]) => `${name}: ${value}`)
      .join("\r\n");
    target.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers}\r\n\r\n`);
    if (head.length) target.write(head);
    target.pipe(socket);
    socket.pipe(target);
  });
  const end = () => {
    target.destroy();
    socket.destroy();
  };
  target.on("error", end);
  socket.on("error", end);
});

server.listen(port, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
