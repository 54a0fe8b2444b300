// Headless Chromium (Debian's /usr/bin/chromium) through playwright-core; no browser download.
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** Why the browser tests cannot run here, or null when they can (under CI they must). */
export function browserMissing() {
  if (existsSync(CHROMIUM)) return null;
  if (process.env.CI === "true") throw new Error(`CI=true but no Chromium at ${CHROMIUM}`);
  return `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
}

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}
