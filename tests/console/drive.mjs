// Drives /console in headless Chromium as an operator would: paste the admin token, watch the
// overview, find a session, open it, end it (confirming), see it gone. Screenshots go to
// OUT_DIR. Fails (exit 1) on any page error, console error, or request leaving lobbyd.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const { LOBBYD_URL, ADMIN_TOKEN, SESSION_ID, HOST, GUEST, BANNED, OUT_DIR } = process.env;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
mkdirSync(OUT_DIR, { recursive: true });

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const problems = [];
const steps = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  const origin = new URL(LOBBYD_URL).origin;
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith("data:")) problems.push(`request outside lobbyd: ${url}`);
  });
  const shot = async (name) => {
    await page.screenshot({ path: join(OUT_DIR, `${name}.png`), fullPage: true });
    steps.push(name);
  };

  await page.goto(`${LOBBYD_URL}/console`);
  await shot("1-signed-out");

  await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: "Use token" }).click();
  const sessionsCard = page.locator("#card-sessions .figure");
  await page.waitForFunction(() => Number(document.querySelector("#card-sessions .figure").textContent) >= 1);
  // Enough polls for the charts to have lines.
  await page.waitForFunction(() => document.querySelectorAll(".spark polyline").length === 4, null, { timeout: 20000 });
  const stored = await page.evaluate(() => ({
    session: sessionStorage.getItem("lobbyd-admin-token"),
    local: localStorage.length,
    cookie: document.cookie,
    field: document.querySelector("#token").value,
  }));
  if (stored.session !== ADMIN_TOKEN) problems.push("the token is not in sessionStorage");
  if (stored.local !== 0 || stored.cookie !== "") problems.push("the token leaked into localStorage or a cookie");
  if (stored.field !== "") problems.push("the token stays visible in the field");
  steps.push(`overview shows ${await sessionsCard.textContent()} active session(s)`);
  await shot("2-overview");

  await page.getByRole("button", { name: "Sessions", exact: true }).click();
  const row = page.locator(`#sessions tr[data-session="${SESSION_ID}"]`);
  await row.waitFor();
  await shot("3-sessions");

  await row.click();
  const detail = page.locator("#detail");
  await detail.getByText(`Session ${SESSION_ID}`, { exact: true }).waitFor();
  await detail.locator("#members").getByText(GUEST, { exact: true }).waitFor();
  await page.waitForFunction(() => /^\d+$/.test(document.querySelector("#state-version").textContent));
  steps.push(`state version ${await page.locator("#state-version").textContent()}`);
  await shot("4-session-detail");

  await detail.getByRole("button", { name: "End session" }).click();
  const dialog = page.locator("#confirm");
  await dialog.waitFor();
  await shot("5-confirm");
  await dialog.getByRole("button", { name: "End session" }).click();
  await row.waitFor({ state: "detached" });
  await page.getByText(`Session ${SESSION_ID} ended.`).waitFor();
  await shot("6-ended");

  // A host's lists and sessions.
  await page.getByRole("button", { name: "Host", exact: true }).click();
  await page.locator("#host-form").getByLabel("Host").fill(HOST);
  await page.locator("#host-form").getByRole("button", { name: "Show" }).click();
  const host = page.locator("#host-detail");
  await host.getByText("Banlist (1)").waitFor();
  await host.getByText(BANNED, { exact: true }).waitFor();
  await host.getByText("no active session").waitFor();
  await shot("7-host");

  // The API docs render from lobbyd's own files too.
  await page.goto(`${LOBBYD_URL}/docs`);
  await page.locator(".swagger-ui .info .title").waitFor();
  await page.locator(".opblock").first().waitFor();
  await shot("8-docs");
} catch (error) {
  problems.push(`step failed after ${steps.join(", ")}: ${error.message}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify({ steps, problems }, null, 2));
process.exit(problems.length ? 1 : 0);
