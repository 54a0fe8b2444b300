// Two players in two tabs of headless Chromium play one game of tic-tac-toe to the end against
// a real lobbyd. Run by the SDK's `npm test` (clients/typescript); TICTACTOE_SCREENSHOT names
// where to save a picture of both tabs at the end (default: the system's temporary folder).
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { browserMissing, launch } from "../../clients/typescript/test/browser.mjs";
import { freePort, startStack } from "../../clients/typescript/test/harness.mjs";
import { gameServer } from "./serve.mjs";

const missing = browserMissing();
let stack;
let site;
let siteUrl;
let browser;

before(async () => {
  if (missing) return;
  const port = await freePort();
  siteUrl = `http://127.0.0.1:${port}`;
  stack = await startStack({ redis: false, env: { LOBBYD_CORS_ORIGINS: siteUrl } });
  site = gameServer(stack.url);
  await new Promise((resolve) => site.listen(port, "127.0.0.1", resolve));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await new Promise((resolve) => (site ? site.close(resolve) : resolve()));
  await stack?.stop();
});

async function cell(page, index) {
  const button = page.locator(`.cell[data-cell="${index}"]`);
  await button.click();
  return button;
}

test("two tabs play one game of tic-tac-toe to the end", { skip: missing ?? false }, async () => {
  const context = await browser.newContext({ viewport: { width: 600, height: 600 } });
  const x = await context.newPage();
  const o = await context.newPage();
  const problems = [];
  for (const page of [x, o]) page.on("pageerror", (error) => problems.push(String(error)));
  await x.goto(siteUrl);
  await o.goto(siteUrl);

  await x.click("#host");
  await x.locator("#share").waitFor({ state: "visible", timeout: 15000 });
  const code = (await x.locator("#mycode").textContent()).trim();
  await o.fill("#code", code);
  await o.click("#join");
  await x.locator("#status", { hasText: "Your turn (X)" }).waitFor({ timeout: 15000 });

  // X takes the top row; O answers in the middle row.
  const moves = [[x, 0], [o, 3], [x, 1], [o, 4], [x, 2]];
  for (const [page, index] of moves) {
    const mark = page === x ? "X" : "O";
    await page.locator("#status", { hasText: `Your turn (${mark})` }).waitFor({ timeout: 15000 });
    await cell(page, index);
    for (const tab of [x, o]) {
      await tab.locator(`.cell[data-cell="${index}"]`, { hasText: mark }).waitFor();
    }
  }
  for (const page of [x, o]) {
    await page.locator("#status", { hasText: "X wins!" }).waitFor({ timeout: 15000 });
  }
  const board = await o.locator(".cell").allTextContents();
  assert.deepEqual(board, ["X", "X", "X", "O", "O", "", "", "", ""]);
  assert.equal(await o.locator(".cell.win").count(), 3);
  assert.deepEqual(problems, []);

  const shot = process.env.TICTACTOE_SCREENSHOT || join(tmpdir(), "tic-tac-toe.png");
  const [left, right] = [await x.screenshot(), await o.screenshot()];
  await saveSideBySide(context, left, right, shot);
  console.log(`tic-tac-toe: X won in ${moves.length} moves; board ${JSON.stringify(board)}; screenshot ${shot}`);
});

async function saveSideBySide(context, left, right, path) {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1230, height: 640 });
  const img = (png, title) =>
    `<figure><figcaption>${title}</figcaption><img src="data:image/png;base64,${png.toString("base64")}"></figure>`;
  await page.setContent(
    `<body style="display:flex;gap:10px;margin:5px;font-family:sans-serif">${img(left, "tab 1: host (X)")}${img(right, "tab 2: guest (O)")}</body>`,
  );
  await page.screenshot({ path });
  await page.close();
}
