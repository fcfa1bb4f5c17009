// Call control from the web UI against the real daemon registered at Kamailio (with the dialog
// event package), with real phones from the testbed lab: linphonec as the caller (101) and as
// the colleague who takes announced transfers (104, answers at once), baresip as the colleague
// whose desk rings (103). We are 102 and watch 103 and 104 in the Colleagues panel.
// Build first (`npm run e2e -w ui` does): the UI into ui/dist, the daemon and the lab with cargo.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DAEMON_BIN, LAB_BIN, UI_DIR, launchBrowser, startDaemon, startLab, stop, stopAll, waitFor } from "./harness.mjs";

const DIST = join(UI_DIR, "dist");
const SHOTS = join(UI_DIR, "e2e");
const WAIT_MS = 15000;
const ARTIFACTS = process.env.FRONTDESK_E2E_ARTIFACTS ?? join(tmpdir(), "frontdesk-e2e");
mkdirSync(ARTIFACTS, { recursive: true });

let lab;
let daemon;
let browser;
let page;
const pageErrors = [];
const failures = [];
/** linphonec's id of the caller's call that is currently with us. */
let callerCall;

before(async () => {
  assert.ok(existsSync(join(DIST, "index.html")), `no built UI in ${DIST}; run npm run build -w ui`);
  assert.ok(existsSync(DAEMON_BIN), `no daemon at ${DAEMON_BIN}; run cargo build -p frontdesk`);
  assert.ok(existsSync(LAB_BIN), `no lab at ${LAB_BIN}; run cargo build -p frontdesk-testbed --bin frontdesk-lab`);
  lab = startLab();
  const kamailio = await lab.send({ do: "kamailio", presence: true });
  await lab.send({ do: "baresip", name: "desk103", user: "103" });
  await lab.send({ do: "linphone", name: "colleague104", user: "104", auto_answer: true, tone_hz: 600 });
  await lab.send({ do: "linphone", name: "caller", user: "101", tone_hz: 1000 });
  const account = [
    "[[account]]",
    'name = "office"',
    'user = "102"',
    `domain = "${kamailio.domain}"`,
    `registrar = "${kamailio.addr}"`,
    'password_env = "FRONTDESK_E2E_PASSWORD"',
    'codecs = ["pcmu"]',
    'blf = ["103", "104"]',
  ].join("\n");
  // Kamailio's test accounts have the password "pw-<user>".
  daemon = await startDaemon(DIST, account, { FRONTDESK_E2E_PASSWORD: "pw-102" });
  browser = await launchBrowser();
  page = browser.page;
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) pageErrors.push(message.text());
  });
  page.on("response", (response) => {
    if (response.status() >= 400) failures.push(`${response.request().method()} ${new URL(response.url()).pathname} ${response.status()}`);
  });
});

after(async () => {
  await browser?.close();
  await stopAll();
  // The daemon's log outlives the run, for a failure's post-mortem.
  if (daemon) writeFileSync(join(ARTIFACTS, "callcontrol-daemon.log"), daemon.child.output);
  daemon?.cleanup();
});

const lamp = (extension) => page.locator(`#lamps [data-extension="${extension}"]`);
const rows = () => page.locator("#calls [data-call-id]");

async function lampShows(extension, state, timeoutMs = WAIT_MS) {
  await page
    .waitForSelector(`#lamps [data-extension="${extension}"][data-state="${state}"]`, { timeout: timeoutMs })
    .catch(async (error) => {
      const log = daemon.child.output.split("\n").filter((line) => line.includes("blf")).slice(-20).join("\n");
      throw new Error(`lamp ${extension} is ${await lamp(extension).getAttribute("data-state")}, not ${state}: ${error.message}\n${log}`);
    });
}

describe("call control in the web UI against Kamailio and real phones", { timeout: 240000 }, () => {
  test("the Colleagues panel shows who is free", async () => {
    await page.goto(daemon.url);
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForSelector('#accounts [data-account="office"][data-state="registered"]');
    assert.ok(await page.isVisible("#lamps-panel"), "two colleagues are watched");
    await lampShows("103", "idle");
    await lampShows("104", "idle");
    assert.equal(await page.locator("#lamps [data-extension]").count(), 2);
    assert.ok(await lamp("103").locator(".pickup").isHidden(), "nothing rings, nothing to pick up");
    assert.match(await lamp("103").textContent(), /free/);
  });

  test("a call ringing at a colleague's desk is picked up from the panel", async () => {
    const original = (await lab.send({ do: "dial", phone: "caller", target: "103" })).call;
    await lab.send({ do: "wait", phone: "desk103", event: "Incoming" });
    await lampShows("103", "ringing", 3000);
    assert.match(await lamp("103").textContent(), /101/, "the lamp names the caller");
    await page.screenshot({ path: join(SHOTS, "screenshot-lamps.png") });

    await lamp("103").locator(".pickup").click();
    // liblinphone rings our INVITE with Replaces like a new call; answered, it drops 103.
    callerCall = (await lab.send({ do: "wait", phone: "caller", event: "Incoming" })).call;
    await lab.send({ do: "answer", phone: "caller", call: callerCall });
    await page.waitForSelector('#calls [data-call-id][data-state="active"]');
    assert.match(await rows().textContent(), /101/, "the row shows the caller");
    await lab.send({ do: "wait", phone: "desk103", event: "Closed" });
    await lab.send({ do: "wait", phone: "caller", event: "Ended", call: original });
    await lab.send({ do: "wait", phone: "caller", event: "StreamsRunning", call: callerCall });
    await lampShows("103", "idle", 3000);
  });

  test("hold and mute toggle from the call row, and the caller is held for real", async () => {
    const row = rows();
    await row.locator(".hold").click();
    await page.waitForSelector('#calls [data-call-id][data-hold="local"]');
    assert.equal((await row.locator(".hold").textContent()).trim(), "Resume");
    assert.match(await row.locator(".call-flags").textContent(), /on hold/);
    await lab.send({ do: "wait", phone: "caller", event: "PausedByRemote", call: callerCall });

    await row.locator(".hold").click();
    await page.waitForSelector('#calls [data-call-id][data-hold=""]');
    assert.equal((await row.locator(".hold").textContent()).trim(), "Hold");
    await lab.send({ do: "wait", phone: "caller", event: "StreamsRunning", call: callerCall });

    await row.locator(".mute").click();
    await page.waitForSelector('#calls [data-call-id][data-muted="true"]');
    assert.equal((await row.locator(".mute").textContent()).trim(), "Unmute");
    await row.locator(".mute").click();
    await page.waitForSelector('#calls [data-call-id][data-muted="false"]');
  });

  test("the keys-as-tones switch sends * to the caller instead of starting a code", async () => {
    const row = rows();
    await row.locator(".keypad-toggle").click();
    const keysAsTones = row.locator(".keys-as-dtmf");
    assert.equal(await keysAsTones.isChecked(), false, "codes are on by default");
    await keysAsTones.check();
    const switched = async (on) => JSON.parse(await daemon.ctl("calls", "--json")).every((c) => c.keys_as_dtmf === on);
    await waitFor("the engine to send keys as DTMF", () => switched(true));
    await row.locator('[data-dtmf="*"]').click();
    // linphonec names no call with the tones it receives; it has only this one.
    const tone = await lab.send({ do: "wait", phone: "caller", event: "DtmfReceived" });
    assert.equal(tone.detail, "*");
    await keysAsTones.uncheck();
    await waitFor("the engine to take key codes again", () => switched(false));
    await waitFor("the switch to show key codes", async () => !(await keysAsTones.isChecked()));
    await row.locator(".keypad-toggle").click();
  });

  test("an announced transfer from the transfer field hands the caller over on hang-up", async () => {
    const callerId = await rows().getAttribute("data-call-id");
    const callerRow = page.locator(`#calls [data-call-id="${callerId}"]`);
    const consultation = page.locator(`#calls [data-call-id]:not([data-call-id="${callerId}"])`);
    await callerRow.locator(".transfer-target").fill("104");
    await callerRow.locator(".transfer-attended").click();
    // The caller waits on hold while 104 (answering at once) talks to us.
    await lab.send({ do: "wait", phone: "caller", event: "PausedByRemote", call: callerCall });
    await waitFor("the consultation to be answered", async () => (await consultation.getAttribute("data-state")) === "active");
    assert.match(await consultation.locator(".call-name").textContent(), /104/);
    // Each row names its partner by number, not by an internal id.
    await waitFor("the rows to name each other", async () =>
      /transfer with 101/.test(await consultation.locator(".call-flags").textContent()) &&
      /transfer with 104/.test(await callerRow.locator(".call-flags").textContent()),
    );
    assert.equal(await callerRow.getAttribute("data-hold"), "local", "the caller is on hold meanwhile");
    await lampShows("104", "busy", 3000);
    await page.screenshot({ path: join(SHOTS, "screenshot-transfer.png") });

    await consultation.locator(".hangup").click();
    // The caller replaces our consultation at 104; both our calls end.
    const joined = (await lab.send({ do: "wait", phone: "caller", event: "OutgoingInit" })).call;
    await lab.send({ do: "wait", phone: "caller", event: "StreamsRunning", call: joined });
    await page.waitForSelector("#calls [data-call-id]", { state: "detached" });
    const reasons = () => page.locator("#history [data-history-id]").evaluateAll((rows) => rows.map((r) => r.dataset.endReason));
    await waitFor("the caller's call in the history as transferred", async () => (await reasons()).includes("transferred")).catch(
      async (error) => {
        throw new Error(`${error.message}; end reasons: ${await reasons()}`);
      },
    );
    await lampShows("104", "busy");
    await lab.send({ do: "hangup", phone: "caller" });
    await lampShows("104", "idle");
  });

  test("a blind transfer from the transfer field sends the caller to a ringing colleague", async () => {
    await lab.send({ do: "dial", phone: "caller", target: "102" });
    await page.waitForSelector("#incoming:not([hidden])");
    await page.click("#incoming-answer");
    await page.waitForSelector('#calls [data-call-id][data-state="active"]');
    const row = rows();
    await row.locator(".transfer-target").fill("103");
    await row.locator(".transfer-target").press("Enter");
    await lab.send({ do: "wait", phone: "desk103", event: "Incoming" });
    await lampShows("103", "ringing", 3000);
    // Until 103 answers we keep the call (on hold), so a failed transfer could take it back.
    assert.equal(await rows().count(), 1);
    assert.equal(await row.getAttribute("data-hold"), "local");
    await lab.send({ do: "answer", phone: "desk103" });
    await lab.send({ do: "wait", phone: "desk103", event: "Established" });
    await page.waitForSelector("#calls [data-call-id]", { state: "detached" });
    await lampShows("103", "busy", 3000);
    await lab.send({ do: "hangup", phone: "desk103" });
    await lampShows("103", "idle");
  });

  test("the page had no errors", async () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(failures, []);
  });

  test("the daemon stops cleanly", async () => {
    await browser.close();
    browser = null;
    const { code, signal } = await stop(daemon.child);
    assert.equal(code, 0, `daemon exit ${code ?? signal}:\n${daemon.child.output}`);
  });
});
