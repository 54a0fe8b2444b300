// The same whole flow once in headless Chromium: the SDK as a browser loads it (ESM from
// dist/, the browser's own fetch and WebSocket), served from another origin than lobbyd's.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { browserMissing, launch } from "./browser.mjs";
import { startStack } from "./harness.mjs";
import { PACKAGE, serveStatic } from "./static.mjs";

const missing = browserMissing();
const PAGE = `<!doctype html><meta charset="utf-8"><title>flow</title>
<script type="module">
  import * as sdk from "/dist/index.js";
  import { fullFlow } from "/test/flow.js";
  window.runFlow = (url) => fullFlow(sdk, url, () => window.restartServer());
  window.flowReady = true;
</script>`;

let site;
let stack;
let browser;
before(async () => {
  if (missing) return;
  site = await serveStatic({ "/": PACKAGE }, { "/": PAGE });
  stack = await startStack({ env: { LOBBYD_CORS_ORIGINS: site.url } });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await stack?.stop();
  await site?.close();
});

test("the whole flow in headless Chromium", { skip: missing ?? false }, async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(String(error)));
  await page.exposeFunction("restartServer", () => stack.restart());
  await page.goto(`${site.url}/`);
  await page.waitForFunction(() => window.flowReady === true);
  const agent = await page.evaluate(() => navigator.userAgent);
  assert.match(agent, /HeadlessChrome|Chrome/);
  const result = await page.evaluate((url) => window.runFlow(url), stack.url);
  assert.ok(result.hostReconnects >= 1 && result.guestReconnects >= 1);
  assert.deepEqual(problems, []);
  console.log("chromium flow:", JSON.stringify(result));
});
