// The contact book in the web UI against the real daemon: a CSV written by German Excel
// (semicolons, Windows-1252) with one broken row is imported through the page's file input;
// the report names the broken row by its line, the contacts are listed with their numbers,
// found by search, and one is deleted after a confirmation. The engine's own list (`ctl
// contacts`) agrees with the page.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UI_DIR, launchBrowser, startDaemon, stopAll, waitFor } from "./harness.mjs";

let daemon;
let browser;
let work;
const pageErrors = [];

/** Line 3 has a "number" that is none; the rest are good. */
const CSV = [
  "Name;Firma;Telefon;Mobil;Straße;PLZ;Ort;E-Mail",
  "Maria Schmidt;Bäckerei Schmidt;030 1234567;;Hauptstraße 12;14467;Potsdam;maria@example.org",
  "Hans Meier;;call me maybe;;;;;",
  "Jörg Özdemir;Praxis Özdemir;+49 331 555 0199;0151 23456789;;;Berlin;",
  "",
].join("\r\n");

before(async () => {
  work = mkdtempSync(join(tmpdir(), "frontdesk-e2e-contacts-"));
  daemon = await startDaemon(join(UI_DIR, "dist"), '[voicemail]\ncountry = "DE"');
  browser = await launchBrowser();
  browser.page.on("pageerror", (error) => pageErrors.push(error.message));
});

after(async () => {
  await browser?.close();
  await stopAll();
  daemon?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("a CSV imported through the file picker lists its contacts and names its broken row", { timeout: 90_000 }, async () => {
  const page = browser.page;
  await page.goto(daemon.url);
  await page.waitForSelector("body[data-ready=true]");
  await page.click("#tab-contacts");
  await page.waitForSelector("#contacts-pane:not([hidden])");
  assert.ok(await page.isHidden("#history-pane"), "one pane at a time");
  await waitFor("the empty contact book", async () => /No contacts yet/.test(await page.textContent("#contacts")));

  // Windows-1252 bytes, as German Excel writes them: the page must send bytes, not text.
  const file = join(work, "kontakte.csv");
  writeFileSync(file, Buffer.from(CSV, "latin1"));
  await page.setInputFiles("#contacts-file", file);

  await page.waitForSelector("#contacts-result:not([hidden])");
  const summary = await page.textContent("#contacts-result .import-summary");
  assert.equal(summary, "Imported kontakte.csv: 2 added, 0 updated, 0 unchanged, 1 skipped.");
  assert.equal(await page.getAttribute("#contacts-result", "data-state"), "problems");
  const problem = page.locator('#contacts-result li[data-line="3"]');
  assert.match(await problem.textContent(), /^Line 3: .*"call me maybe" is not a phone number/);
  assert.equal(await page.locator("#contacts-result li").count(), 1, "only the broken row is reported");

  const contacts = page.locator("#contacts li.contact");
  await waitFor("both contacts listed", async () => (await contacts.count()) === 2);
  assert.deepEqual(await contacts.locator(".contact-name").allTextContents(), ["Jörg Özdemir", "Maria Schmidt"]);
  const maria = contacts.filter({ hasText: "Maria Schmidt" });
  assert.equal(await maria.locator(".contact-company").textContent(), "Bäckerei Schmidt");
  assert.equal(await maria.locator(".contact-number").getAttribute("data-e164"), "+49301234567");
  assert.match(await maria.locator(".contact-detail").textContent(), /Hauptstraße 12, 14467 Potsdam/);
  const jorg = contacts.filter({ hasText: "Jörg" });
  assert.deepEqual(
    await jorg.locator(".contact-number").evaluateAll((numbers) => numbers.map((n) => n.dataset.e164)),
    ["+493315550199", "+4915123456789"],
  );
  await page.screenshot({ path: join(UI_DIR, "e2e", "screenshot-contacts.png") });

  // The engine holds the same contacts.
  const stored = JSON.parse(await daemon.ctl("contacts", "--json"));
  assert.deepEqual(stored.map((c) => c.name), ["Jörg Özdemir", "Maria Schmidt"]);
  assert.equal(stored[1].source, "kontakte.csv");

  // The same file again changes nothing.
  await page.setInputFiles("#contacts-file", file);
  await waitFor("the second report", async () =>
    (await page.textContent("#contacts-result .import-summary")) ===
    "Imported kontakte.csv: 0 added, 0 updated, 2 unchanged, 1 skipped.",
  );
  assert.equal(await contacts.count(), 2);

  // Search by a word and by digits of a number.
  await page.fill("#contacts-search", "potsdam");
  await waitFor("the search by city", async () => (await contacts.count()) === 1 && /Maria/.test(await contacts.first().textContent()));
  await page.fill("#contacts-search", "5550199");
  await waitFor("the search by digits", async () => (await contacts.count()) === 1 && /Jörg/.test(await contacts.first().textContent()));
  await page.fill("#contacts-search", "nobodysuch");
  await waitFor("no match", async () => /No contact matches/.test(await page.textContent("#contacts")));
  await page.fill("#contacts-search", "");
  await waitFor("everyone again", async () => (await contacts.count()) === 2);

  // Delete asks first; Keep keeps.
  const jorgRow = contacts.filter({ hasText: "Jörg" });
  await jorgRow.locator(".contact-delete").click();
  const confirm = jorgRow.locator(".contact-confirm");
  await confirm.waitFor();
  await confirm.getByRole("button", { name: "Keep" }).click();
  assert.ok(await confirm.isHidden());
  assert.equal(await contacts.count(), 2);
  await jorgRow.locator(".contact-delete").click();
  await confirm.getByRole("button", { name: "Delete" }).click();
  await waitFor("Jörg deleted", async () => (await contacts.count()) === 1);
  assert.deepEqual(JSON.parse(await daemon.ctl("contacts", "--json")).map((c) => c.name), ["Maria Schmidt"]);
  assert.deepEqual(pageErrors, []);
});
