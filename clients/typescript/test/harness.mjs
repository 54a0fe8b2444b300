// Real processes for the tests: `lobbyd serve` on a free port (SQLite in a temporary directory)
// and, so that a restarted server finds its sessions' documents again, a private redis-server.
//
// LOBBYD_COMMAND names the lobbyd executable (default: the repository's .venv/bin/lobbyd);
// LOBBYD_REDIS_URL, when set, is used instead of starting a redis-server.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

export function lobbydCommand() {
  return process.env.LOBBYD_COMMAND || join(REPO, ".venv", "bin", "lobbyd");
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function exited(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited(child);
  clearTimeout(timer);
}

async function startRedis(dir) {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: "ignore" },
  );
  const failed = new Promise((_, reject) => child.once("error", reject));
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    const ready = await Promise.race([failed, probe(port)]);
    if (ready) return { url, stop: () => stopChild(child) };
    await sleep(25);
  }
  await stopChild(child);
  throw new Error("redis-server did not start");
}

function probe(port) {
  return new Promise((resolve) => {
    import("node:net").then(({ connect }) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.end();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
  });
}

/**
 * Start redis (unless `redis: false`) and `lobbyd serve`; `restart()` stops and starts the
 * server on the same port and database; `stop()` ends everything.
 */
export async function startStack({ redis = true, env = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "lobbyd-ts-"));
  let store = null;
  if (redis && !process.env.LOBBYD_REDIS_URL) store = await startRedis(dir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const fullEnv = {
    ...process.env,
    LOBBYD_DATABASE_URL: `sqlite:///${join(dir, "lobbyd.sqlite3")}`,
    LOBBYD_JWT_SECRET: "typescript-tests-secret-0123456789abcdef0123",
    LOBBYD_REGISTER_RATE: "0",
    LOBBYD_LOGIN_RATE: "0",
    ...(store ? { LOBBYD_REDIS_URL: store.url } : {}),
    ...env,
  };
  const logPath = join(dir, "serve.log");
  let child = null;

  async function start() {
    const command = lobbydCommand();
    if (command.includes("/") && !existsSync(command)) {
      throw new Error(`no lobbyd at ${command}: run make test once, or set LOBBYD_COMMAND`);
    }
    const log = openSync(logPath, "a");
    child = spawn(command, ["serve", "--host", "127.0.0.1", "--port", String(port)], {
      cwd: dir,
      env: fullEnv,
      stdio: ["ignore", log, log],
    });
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`lobbyd exited:\n${output()}`);
      try {
        const response = await fetch(`${url}/readyz`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`lobbyd did not become ready:\n${output()}`);
  }

  function output() {
    return existsSync(logPath) ? readFileSync(logPath, "utf8") : "";
  }

  await start();
  return {
    url,
    port,
    output,
    async restart() {
      await stopChild(child);
      await start();
    },
    async stop() {
      if (child) await stopChild(child);
      if (store) await store.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
