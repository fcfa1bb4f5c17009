// The do-not-disturb switch in the top bar against the real daemon: clicking it switches the
// daemon (as `frontdesk ctl dnd` reads it), and a switch from the CLI shows in the page at
// once through the event stream.
// Build first (`npm run e2e -w ui` does): the UI into ui/dist, the daemon with cargo.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DAEMON_BIN, UI_DIR, launchBrowser, startDaemon, stopAll, waitFor } from "./harness.mjs";

const DIST = join(UI_DIR, "dist");

let daemon;
let browser;
const pageErrors = [];

before(async () => {
  assert.ok(existsSync(join(DIST, "index.html")), `no built UI in ${DIST}; run npm run build -w ui`);
  assert.ok(existsSync(DAEMON_BIN), `no daemon at ${DAEMON_BIN}; run cargo build -p frontdesk`);
  // No speech model: nothing here is transcribed.
  daemon = await startDaemon(DIST, '[voicemail]\nmodel = "no-such-model.bin"');
  browser = await launchBrowser();
  browser.page.on("pageerror", (error) => pageErrors.push(error.message));
});

after(async () => {
  await browser?.close();
  await stopAll();
  daemon?.cleanup();
});

/** The daemon's own word on the switch. */
async function daemonSays() {
  return JSON.parse(await daemon.ctl("dnd", "--json")).on;
}

test("the top bar's switch turns do-not-disturb on and off, and follows the CLI", { timeout: 60000 }, async () => {
  const page = browser.page;
  await page.goto(daemon.url);
  await page.waitForSelector("body[data-ready=true]");
  const dnd = page.locator("#dnd");
  await dnd.waitFor();
  assert.equal(await dnd.getAttribute("aria-pressed"), "false", "off to begin with");
  assert.equal(await daemonSays(), false);

  await dnd.click();
  await page.waitForSelector('#dnd[data-on="true"][aria-pressed="true"]');
  assert.equal(await daemonSays(), true, "the click switched the daemon");
  assert.match(await dnd.getAttribute("title"), /takes every call at once/);
  await page.screenshot({ path: join(UI_DIR, "e2e", "screenshot-dnd.png"), clip: { x: 400, y: 0, width: 400, height: 44 } });

  // Switched elsewhere (the CLI): the page follows without a reload.
  await daemon.ctl("dnd", "off");
  await page.waitForSelector('#dnd[data-on="false"][aria-pressed="false"]');
  await daemon.ctl("dnd", "on");
  await page.waitForSelector('#dnd[data-on="true"]');

  // And back off with a click.
  await dnd.click();
  await waitFor("the daemon to be switched off by the click", async () => (await daemonSays()) === false);
  await page.waitForSelector('#dnd[data-on="false"]');
  assert.deepEqual(pageErrors, [], "no script errors on the page");
});
