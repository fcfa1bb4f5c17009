// The accounts panel against the real daemon: one account registered at a sipp registrar,
// one whose registrar refuses connections (failed, with the reason shown), one not registering.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { UI_DIR, freePort, launchBrowser, startDaemon, startSipp, stop, stopAll } from "./harness.mjs";

let daemon;
let registrar;
let browser;

before(async () => {
  registrar = await startSipp("", ["-sf", join(UI_DIR, "e2e", "registrar.xml")]);
  const closed = await freePort(); // nothing listens here
  const account = (name, extra) =>
    `[[account]]\nname = "${name}"\nuser = "${name}"\ndomain = "example.test"\nkeepalive_seconds = 3600\n${extra}\n`;
  daemon = await startDaemon(
    join(UI_DIR, "dist"),
    account("office", `registrar = "127.0.0.1:${registrar.port}"`) +
      account("broken", `registrar = "127.0.0.1:${closed}"\ntransport = "tcp"`) +
      account("trunk", "register = false"),
  );
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stopAll();
  daemon?.cleanup();
});

test("accounts show their registration state, and why one failed", { timeout: 60000 }, async () => {
  const page = browser.page;
  page.setDefaultTimeout(20000);
  await page.goto(daemon.url);
  await page.waitForSelector('#accounts [data-account="office"][data-state="registered"]');
  await page.waitForSelector('#accounts [data-account="trunk"][data-state="disabled"]');
  const broken = page.locator('#accounts [data-account="broken"][data-state="failed"]');
  await broken.waitFor();
  const reason = (await broken.locator(".account-reason").textContent()).trim();
  assert.ok(reason.length > 5, `the failure reason is shown: "${reason}"`);
  const status = JSON.parse(await daemon.ctl("status", "--json"));
  assert.equal(reason, status.accounts.find((a) => a.name === "broken").reason, "the engine's own words");
  assert.deepEqual(
    await page.locator("#accounts [data-account]").evaluateAll((rows) => rows.map((r) => r.dataset.account)),
    ["office", "broken", "trunk"],
    "configuration order",
  );
  await page.screenshot({ path: join(UI_DIR, "e2e", "screenshot-accounts.png") });

  await browser.close();
  browser = null;
  const { code } = await stop(daemon.child, 15000);
  assert.equal(code, 0, `daemon:\n${daemon.child.output}`);
  // The daemon removed its binding on the way out, and the registrar saw both requests.
  const result = await registrar.child.exited;
  assert.equal(result.code, 0, `registrar sipp:\n${registrar.child.output}`);
});
