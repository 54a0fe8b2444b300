// Runs the example in headless Chromium: a host page and a guest page (each on its own
// example server, so each talks to its own lobbyd replica) open a data channel and exchange
// a message both ways. Prints one JSON line with what each page saw.
//   node drive.mjs HOST_PAGE_URL GUEST_PAGE_URL [SCREENSHOT_DIR]
// Chromium is the system's (CHROMIUM, default /usr/bin/chromium); none is downloaded.
import { chromium } from "playwright-core";

const [hostBase, guestBase, shots] = process.argv.slice(2);
const relay = process.env.RELAY === "0" ? "0" : "1";
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const result = {};
try {
  const context = await browser.newContext({ viewport: { width: 900, height: 760 } });
  const host = await context.newPage();
  const guest = await context.newPage();
  for (const [name, page] of [["host", host], ["guest", guest]]) {
    page.on("console", (message) => console.error(`[${name}] ${message.text()}`));
    page.on("pageerror", (error) => console.error(`[${name}] ${error}`));
  }
  await host.goto(`${hostBase}/?role=host&relay=${relay}`);
  await host.waitForFunction(() => document.getElementById("share").textContent !== "-");
  const code = await host.textContent("#share");
  await guest.goto(`${guestBase}/?role=guest&relay=${relay}&code=${code}`);
  const opened = () => window.lobbydDemo.state === "open" && window.lobbydDemo.route !== null;
  await host.waitForFunction(opened, null, { timeout: 30000 });
  await guest.waitForFunction(opened, null, { timeout: 30000 });
  await host.evaluate(() => window.lobbydDemo.send("move e2e4"));
  await guest.evaluate(() => window.lobbydDemo.send("move e7e5"));
  const got = (text) => (want) => window.lobbydDemo.received.includes(want);
  await guest.waitForFunction(got(), "move e2e4", { timeout: 10000 });
  await host.waitForFunction(got(), "move e7e5", { timeout: 10000 });
  for (const [name, page] of [["host", host], ["guest", guest]]) {
    result[name] = await page.evaluate(() => ({
      state: window.lobbydDemo.state,
      route: window.lobbydDemo.route,
      received: window.lobbydDemo.received,
      player: document.getElementById("me").textContent,
      ice: document.getElementById("ice").textContent,
    }));
    if (shots) await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
