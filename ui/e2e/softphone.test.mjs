// The web UI in headless Chromium against the real daemon, with sipp as the other phone:
// an incoming call answered in the page, an outgoing call dialled and hung up from the page.
// Build first (`npm run e2e -w ui` does): the UI into ui/dist, the daemon with cargo.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DAEMON_BIN, UI_DIR, launchBrowser, startDaemon, startSipp, stop, stopAll, waitFor } from "./harness.mjs";

const DIST = join(UI_DIR, "dist");
const SHOTS = join(UI_DIR, "e2e");

let daemon;
let browser;
let page;
const pageErrors = [];
const requests = [];
/** `METHOD path status` of every answer >= 400; the test expects exactly the ones it provokes. */
const failures = [];

before(async () => {
  assert.ok(existsSync(join(DIST, "index.html")), `no built UI in ${DIST}; run npm run build -w ui`);
  assert.ok(existsSync(DAEMON_BIN), `no daemon at ${DAEMON_BIN}; run cargo build -p frontdesk`);
  daemon = await startDaemon(DIST);
  browser = await launchBrowser();
  page = browser.page;
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    // Failed requests are checked precisely through `failures` below.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      pageErrors.push(message.text());
    }
  });
  page.on("request", (request) => requests.push(request.url()));
  page.on("response", (response) => {
    if (response.status() >= 400) {
      failures.push(`${response.request().method()} ${new URL(response.url()).pathname} ${response.status()}`);
    }
  });
});

after(async () => {
  await browser?.close();
  await stopAll();
  daemon?.cleanup();
});

/** The live call row, whatever its id (each test has at most one call). */
const callRow = () => page.locator("#calls [data-call-id]");
const newestHistory = () => page.locator("#history [data-history-id]").first();

/** Waits for the incoming-call prompt; without one, fails with what sipp and the daemon said. */
async function promptFor(sipp) {
  await page.waitForSelector("#incoming:not([hidden])").catch((error) => {
    throw new Error(`${error.message}\nsipp:\n${sipp.child.output.slice(-2000)}\ndaemon:\n${daemon.child.output.slice(-3000)}`);
  });
}

/** Fails with sipp's own output when it did not finish its scenario cleanly. */
async function sippSucceeded(sipp) {
  const { code } = await Promise.race([
    sipp.child.exited,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`sipp did not finish:\n${sipp.child.output}`)), 20000)),
  ]);
  assert.equal(code, 0, `sipp failed (exit ${code}):\n${sipp.child.output}`);
}

describe("web UI against the real daemon", { timeout: 180000 }, () => {
  test("the daemon serves the page, which shows the engine's state", async () => {
    assert.equal((await daemon.ctl("ui-url")).trim(), daemon.url, "ctl ui-url prints the logged URL");
    await page.goto(daemon.url);
    await page.waitForSelector("body[data-ready=true]");
    await waitFor("the listen address in #status-listening", async () =>
      (await page.textContent("#status-listening")).includes(`127.0.0.1:${daemon.sipPort}`),
    );
    assert.equal(await page.locator("#accounts [data-account]").count(), 0, "no account is configured");
    assert.match(await page.textContent("#accounts"), /No accounts/);
    assert.ok(!page.url().includes("token="), `the token stays out of the address bar: ${page.url()}`);
    assert.equal(await page.textContent("#connection"), "Live");
    assert.ok(await page.isHidden("#incoming"));
  });

  test("keypad buttons and the keyboard edit the dial target", async () => {
    for (const key of ["1", "0", "#", "*"]) await page.click(`[data-key="${key}"]`);
    assert.equal(await page.inputValue("#dial-target"), "10#*");
    await page.keyboard.press("Backspace");
    assert.equal(await page.inputValue("#dial-target"), "10#");
    await page.keyboard.press("Escape");
    assert.equal(await page.inputValue("#dial-target"), "");
    assert.ok(await page.isDisabled("#dial-button"), "nothing to dial");
    await page.keyboard.type("42");
    assert.equal(await page.inputValue("#dial-target"), "42");
    await page.keyboard.press("Escape");
  });

  test("an engine error shows its message in #notice", async () => {
    // Without an account only full addresses can be dialled: the engine says so.
    await page.fill("#dial-target", "101");
    await page.press("#dial-target", "Enter");
    await page.waitForSelector("#notice:not([hidden])");
    const message = (await page.textContent("#notice")).trim();
    assert.ok(message.length > 10, `#notice shows the ApiError message: ${message}`);
    assert.equal(await callRow().count(), 0, "no call was created");
    assert.equal(await page.inputValue("#dial-target"), "101", "a failed dial keeps the target");
    await page.click("#notice");
    assert.ok(await page.isHidden("#notice"));
    await page.fill("#dial-target", "");
  });

  test("an incoming call is answered from the prompt and ends in the history", async () => {
    // sipp calls, waits 4 s after our 200 OK, then hangs up.
    const sipp = await startSipp("uac", ["-s", "200", "-d", "4000", `127.0.0.1:${daemon.sipPort}`]);
    await promptFor(sipp);
    assert.match(await page.textContent("#incoming"), /sipp/, "the prompt names the caller");
    await page.waitForSelector('#calls [data-call-id][data-state="incoming"]');
    await page.screenshot({ path: join(SHOTS, "screenshot-incoming.png") });

    await page.click("#incoming-answer");
    await page.waitForSelector('#calls [data-call-id][data-state="active"]');
    assert.ok(await page.isHidden("#incoming"), "the prompt goes once answered");
    assert.ok(await callRow().locator(".hangup").isVisible());
    assert.ok(await callRow().locator(".answer").isHidden(), "an active call cannot be answered again");

    await page.waitForSelector("#calls [data-call-id]", { state: "detached", timeout: 15000 });
    await waitFor("the history row of the incoming call", async () =>
      (await newestHistory().getAttribute("data-end-reason")) === "remote_hangup",
    );
    await sippSucceeded(sipp);
  });

  test("a ringing call is refused as busy from the prompt", async () => {
    const scenario = join(UI_DIR, "e2e", "caller-refused.xml");
    const sipp = await startSipp("", ["-sf", scenario, `127.0.0.1:${daemon.sipPort}`]);
    await promptFor(sipp);
    await page.click("#incoming-busy");
    await page.waitForSelector("#incoming", { state: "hidden" });
    await waitFor("the history row of the refused call", async () =>
      (await newestHistory().getAttribute("data-end-reason")) === "busy",
    );
    await sippSucceeded(sipp);
  });

  test("a call dialled from the pad is hung up from the page", async () => {
    const sipp = await startSipp("uas");
    const before = await newestHistory().getAttribute("data-history-id");
    await page.fill("#dial-target", `sip:300@127.0.0.1:${sipp.port}`);
    await page.press("#dial-target", "Enter");
    await page.waitForSelector('#calls [data-call-id][data-state="active"]');
    assert.equal(await page.inputValue("#dial-target"), "", "a placed call clears the target");
    await callRow().locator(".keypad-toggle").click();
    await page.waitForSelector('#calls [data-dtmf="5"]');
    // sipp's UAS offers no telephone-event: the engine takes the key, its media layer cannot
    // send it and says so in a `notice` event, which reaches #notice over the WebSocket.
    await page.click('#calls [data-dtmf="5"]');
    await page.waitForSelector("#notice:not([hidden])");
    assert.match(await page.textContent("#notice"), /telephone-event|DTMF/);
    await page.screenshot({ path: join(SHOTS, "screenshot.png") });
    await page.click("#notice");

    await callRow().locator(".hangup").click();
    await page.waitForSelector("#calls [data-call-id]", { state: "detached" });
    await waitFor("the history row of the outgoing call", async () => {
      const row = newestHistory();
      return (await row.getAttribute("data-history-id")) !== before && (await row.getAttribute("data-end-reason")) === "local_hangup";
    });
    assert.ok(await page.isHidden("#notice"), `no error was shown: ${await page.textContent("#notice")}`);
    await sippSucceeded(sipp);
  });

  test("the page had no errors and loaded nothing from elsewhere", async () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(failures, ["POST /api/v1/calls 400"], "only the refused dial of the notice test");
    const origin = new URL(daemon.url).origin;
    const foreign = requests.filter((url) => !url.startsWith(origin));
    assert.deepEqual(foreign, [], "every request goes to the daemon itself");
    assert.ok(requests.some((url) => url.includes("/assets/")), "the built assets were served");
  });

  test("the daemon stops cleanly", async () => {
    await browser.close();
    browser = null;
    const { code, signal } = await stop(daemon.child);
    assert.equal(code, 0, `daemon exit ${code ?? signal}:\n${daemon.child.output}`);
  });
});
