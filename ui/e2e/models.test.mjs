// The speech model banner in the Voicemail tab against the real daemon: with no model it
// offers to install the configured one; the daemon downloads it from Python's http.server on
// 127.0.0.1, refuses first because no SHA-256 is published there, installs it after "Install
// without checking", and the banner goes away once the voicemail uses the model.
// Build first (`npm run e2e -w ui` does): the UI into ui/dist, the daemon with cargo.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DAEMON_BIN, REPO, UI_DIR, launchBrowser, start, startDaemon, stopAll, waitFor } from "./harness.mjs";

const DIST = join(UI_DIR, "dist");
const MODEL = process.env.FRONTDESK_WHISPER_MODEL || join(REPO, "..", "shared", "models", "ggml-tiny.en.bin");

let daemon;
let browser;
let site;
const pageErrors = [];

before(async () => {
  assert.ok(existsSync(join(DIST, "index.html")), `no built UI in ${DIST}; run npm run build -w ui`);
  assert.ok(existsSync(DAEMON_BIN), `no daemon at ${DAEMON_BIN}; run cargo build -p frontdesk`);
  assert.ok(existsSync(MODEL), `no Whisper model at ${MODEL}: put ggml-tiny.en.bin into ../shared/models or set FRONTDESK_WHISPER_MODEL`);
  // The "download server": the model (a symlink) and no SHA256SUMS.
  site = mkdtempSync(join(tmpdir(), "frontdesk-models-"));
  symlinkSync(MODEL, join(site, "ggml-tiny.en.bin"));
  const server = start("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", site]);
  const url = await waitFor("python's http.server to listen", () => {
    if (server.exitCode !== null) throw new Error(`http.server exited:\n${server.output}`);
    return /port (\d+)/.exec(server.output)?.[1] && `http://127.0.0.1:${/port (\d+)/.exec(server.output)[1]}`;
  });
  // No model anywhere: not from the environment, not in the private home's data directory.
  daemon = await startDaemon(DIST, `[voicemail]\nmodel_name = "tiny.en"\nmodel_url = "${url}"`, {
    FRONTDESK_WHISPER_MODEL: "",
    XDG_DATA_HOME: "",
  });
  browser = await launchBrowser();
  browser.page.on("pageerror", (error) => pageErrors.push(error.message));
});

after(async () => {
  await browser?.close();
  await stopAll();
  daemon?.cleanup();
  if (site) rmSync(site, { recursive: true, force: true });
});

test("the Voicemail tab installs the speech model the voicemail lacks", { timeout: 120000 }, async () => {
  const page = browser.page;
  await page.goto(daemon.url);
  await page.waitForSelector("body[data-ready=true]");
  await page.click("#tab-inbox");
  const banner = page.locator("#model-setup");
  await banner.waitFor();
  assert.match(await banner.textContent(), /No speech model is installed/);
  const install = page.locator("#model-install");
  assert.equal(await install.textContent(), "Install tiny.en (about 78 MB)");

  // No SHA-256 is published on that server: nothing is installed until the user agrees.
  await install.click();
  await page.waitForSelector("#model-install-unchecked");
  assert.match(await page.locator("#model-error").textContent(), /No SHA-256 is published for tiny\.en at http:\/\/127\.0\.0\.1/);
  const installed = join(daemon.home, "data", "models", "ggml-tiny.en.bin");
  assert.ok(!existsSync(installed), "nothing installed yet");
  await banner.screenshot({ path: join(UI_DIR, "e2e", "screenshot-models.png") });

  await page.click("#model-install-unchecked");
  await page.waitForSelector("#model-setup", { state: "hidden", timeout: 60000 });
  await waitFor("the model file", () => existsSync(installed));
  assert.equal(statSync(installed).size, statSync(MODEL).size);
  assert.ok(readFileSync(installed).equals(readFileSync(MODEL)), "byte for byte the served model");
  assert.deepEqual(pageErrors, [], "no script errors on the page");
});
