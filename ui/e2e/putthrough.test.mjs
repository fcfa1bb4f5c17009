// A caller the voicemail put through, as the inbox page shows it: the daemon is 101 at
// Kamailio with a menu (1 forwards to 202); a baresip caller (201) rings, nobody answers, the
// voicemail greets, the caller presses 1 (RFC 4733), the colleague's baresip (202) answers the
// voicemail's call and the two talk through it; once the caller hangs up, the inbox lists the
// call as put through to 202, in the list and in the opened entry.
// Build first (`npm run e2e -w ui` does): the UI into ui/dist, the daemon and the lab with cargo.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DAEMON_BIN, LAB_BIN, UI_DIR, launchBrowser, startDaemon, startLab, stopAll, waitFor, writeToneWav } from "./harness.mjs";

const DIST = join(UI_DIR, "dist");
const WAIT_MS = 30_000;
const ARTIFACTS = process.env.FRONTDESK_E2E_ARTIFACTS ?? join(tmpdir(), "frontdesk-e2e");
mkdirSync(ARTIFACTS, { recursive: true });

let lab;
let daemon;
let browser;
let page;
let work;
const pageErrors = [];

before(async () => {
  assert.ok(existsSync(join(DIST, "index.html")), `no built UI in ${DIST}; run npm run build -w ui`);
  assert.ok(existsSync(DAEMON_BIN), `no daemon at ${DAEMON_BIN}; run cargo build -p frontdesk`);
  assert.ok(existsSync(LAB_BIN), `no lab at ${LAB_BIN}; run cargo build -p frontdesk-testbed --bin frontdesk-lab`);
  work = mkdtempSync(join(tmpdir(), "frontdesk-e2e-putthrough-"));
  // A greeting long enough to press a key during it.
  const greeting = join(work, "greeting.wav");
  writeToneWav(greeting, { hz: 600, seconds: 8 });
  lab = startLab();
  const kamailio = await lab.send({ do: "kamailio" });
  await lab.send({ do: "baresip", name: "colleague", user: "202", auto_answer: true, tone_hz: 1900 });
  await lab.send({ do: "baresip", name: "caller", user: "201", tone_hz: 1300 });
  const config = [
    "[[account]]",
    'name = "office"',
    'user = "101"',
    `domain = "${kamailio.domain}"`,
    `registrar = "${kamailio.addr}"`,
    'password_env = "FRONTDESK_E2E_PASSWORD"',
    'codecs = ["pcmu"]',
    "[voicemail]",
    "answer_after_seconds = 1",
    `greeting = ${JSON.stringify(greeting)}`,
    "[voicemail.menu]",
    '1 = "202"',
  ].join("\n");
  // Kamailio's test accounts have the password "pw-<user>".
  daemon = await startDaemon(DIST, config, { FRONTDESK_E2E_PASSWORD: "pw-101" });
  browser = await launchBrowser();
  page = browser.page;
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) pageErrors.push(message.text());
  });
});

after(async () => {
  await browser?.close();
  await stopAll();
  if (daemon) writeFileSync(join(ARTIFACTS, "putthrough-daemon.log"), daemon.child.output);
  daemon?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

const row = () => page.locator("#inbox [data-message-id]").first();

describe("a caller the voicemail put through to a colleague, in the inbox", { timeout: 180_000 }, () => {
  test("menu key 1 connects the caller to 202, and the inbox says so", async () => {
    await page.goto(daemon.url);
    await page.waitForSelector("body[data-ready=true]");
    await waitFor("the account to register", async () =>
      (await page.locator('#accounts [data-account="office"]').getAttribute("data-state")) === "registered",
    );
    await page.click("#tab-inbox");
    await page.waitForSelector("#inbox-pane:not([hidden])");

    await lab.send({ do: "dial", phone: "caller", target: "101" });
    await lab.send({ do: "wait", phone: "caller", event: "Established", timeout_ms: WAIT_MS });
    // Into the greeting, then the menu key.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await lab.send({ do: "keys", phone: "caller", keys: "1" });
    await lab.send({ do: "wait", phone: "colleague", event: "Established", timeout_ms: WAIT_MS }).catch((error) => {
      throw new Error(`${error.message}\ndaemon output:\n${daemon.child.output.slice(-4000)}`);
    });
    // They talk a moment, then the caller hangs up; the voicemail hangs up the colleague.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await lab.send({ do: "hangup", phone: "caller" });
    await lab.send({ do: "wait", phone: "colleague", event: "Closed", timeout_ms: WAIT_MS });

    await waitFor("the entry in the inbox", async () => (await row().count()) === 1, WAIT_MS).catch((error) => {
      throw new Error(`${error.message}\ndaemon output:\n${daemon.child.output.slice(-4000)}`);
    });
    assert.equal(await row().getAttribute("data-kind"), "attempt", "no message was left");
    const preview = row().locator(".msg-preview");
    assert.equal(await preview.getAttribute("data-state"), "connected");
    assert.equal((await preview.textContent()).trim(), "Put through to 202");
  });

  test("the opened entry says who took the caller", async () => {
    await row().click();
    await page.waitForSelector("#inbox-detail:not([hidden])");
    assert.equal(
      (await page.textContent("#inbox-transcript")).trim(),
      "The voicemail put the caller through to 202, who answered; no message was left.",
    );
  });

  test("the page had no errors", () => {
    assert.deepEqual(pageErrors, []);
  });
});
