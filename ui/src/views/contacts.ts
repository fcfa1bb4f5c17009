// The contact book in #contacts-pane: #contacts-search finds contacts by name, company,
// address, e-mail or digits of a number; #contacts-import opens the file picker
// (#contacts-file, CSV or vCard) whose bytes go to the engine; #contacts-result shows what the
// import did (.import-summary) and each skipped row with its line (li[data-line]);
// #contacts lists the contacts (li.contact[data-contact-id]), each with Delete, which asks
// first (.contact-confirm).
import { ApiFailure, type Backend, type ContactEntry, type ContactImportResult } from "../api/backend";
import { byId, h } from "../dom";
import type { Notify } from "./notice";
import type { Store } from "../store";

/** Typing pauses this long before the list is read again. */
const SEARCH_DELAY_MS = 200;

export function mountContacts(backend: Backend, store: Store, notify: Notify): void {
  const search = byId<HTMLInputElement>("contacts-search");
  const importButton = byId<HTMLButtonElement>("contacts-import");
  const picker = byId<HTMLInputElement>("contacts-file");
  const result = byId("contacts-result");
  const list = byId("contacts");
  /** Bumped by every read, so an older answer never replaces a newer one. */
  let seq = 0;
  let loaded = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const load = async (): Promise<void> => {
    const mine = ++seq;
    const text = search.value.trim();
    try {
      const contacts = await backend.contacts(text ? { search: text } : {});
      if (mine === seq) render(contacts, text !== "");
    } catch (error) {
      if (mine !== seq) return;
      const message = ApiFailure.from(error, "cannot read the contacts").message;
      list.replaceChildren(h("li", { class: "empty problem" }, message));
    }
  };

  const remove = async (contact: ContactEntry): Promise<void> => {
    try {
      await backend.deleteContact(contact.id);
    } catch (error) {
      notify(ApiFailure.from(error, `cannot delete ${contact.name}`).message);
    }
    await load();
  };

  const render = (contacts: ContactEntry[], filtered: boolean): void => {
    if (contacts.length === 0) {
      const empty = filtered ? "No contact matches." : "No contacts yet. Import a CSV or vCard file.";
      list.replaceChildren(h("li", { class: "empty" }, empty));
      return;
    }
    list.replaceChildren(...contacts.map((contact) => row(contact, remove)));
  };

  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => void load(), SEARCH_DELAY_MS);
  });
  byId("contacts-bar").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    void load();
  });
  importButton.addEventListener("click", () => picker.click());
  picker.addEventListener("change", () => {
    const file = picker.files?.[0];
    if (!file) return;
    importButton.disabled = true;
    void importFile(backend, file)
      .then((answer) => showResult(result, answer))
      .catch((error: unknown) => {
        result.hidden = false;
        result.dataset.state = "failed";
        result.replaceChildren(
          h("div", { class: "import-summary" }, ApiFailure.from(error, `cannot import ${file.name}`).message),
        );
      })
      .finally(() => {
        importButton.disabled = false;
        // The same file may be picked again after fixing it.
        picker.value = "";
        void load();
      });
  });

  // Read when the tab is first shown, and again whenever it is shown again.
  store.subscribe((state, previous) => {
    if (state.tab !== "contacts") return;
    if (!loaded || previous.tab !== "contacts") {
      loaded = true;
      void load();
    }
  });
}

/** Sends the file's bytes (base64: the engine tells UTF-8, UTF-16 and Windows-1252 apart). */
async function importFile(backend: Backend, file: File): Promise<ContactImportResult> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  return backend.importContacts({ content_base64: base64(bytes), name: file.name });
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  // In slices: String.fromCharCode takes its arguments on the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function showResult(box: HTMLElement, answer: ContactImportResult): void {
  box.hidden = false;
  box.dataset.state = answer.problems.length > 0 ? "problems" : "ok";
  const counts = [
    `${answer.added} added`,
    `${answer.updated} updated`,
    `${answer.unchanged} unchanged`,
    `${answer.skipped} skipped`,
  ].join(", ");
  const close = h("button", { class: "tool", type: "button", title: "Hide this report" }, "Close");
  close.addEventListener("click", () => (box.hidden = true));
  const head = h("div", { class: "import-head" }, h("div", { class: "import-summary" }, `Imported ${answer.source}: ${counts}.`), close);
  const problems = h(
    "ul",
    { class: "import-problems" },
    ...answer.problems.map((problem) =>
      h("li", { "data-line": problem.line }, h("strong", {}, `Line ${problem.line}: `), problem.message),
    ),
  );
  box.replaceChildren(...(answer.problems.length === 0 ? [head] : [head, problems]));
}

function row(contact: ContactEntry, remove: (contact: ContactEntry) => Promise<void>): HTMLElement {
  const place = [contact.postcode, contact.city].filter(Boolean).join(" ");
  const address = [contact.street, place].filter(Boolean).join(", ");
  const numbers = contact.numbers.map((n) =>
    h("span", { class: "contact-number", "data-e164": n.e164, title: `${n.kind}: ${n.e164}` }, n.raw || n.e164),
  );
  const deleteButton = h("button", { class: "tool danger contact-delete", type: "button" }, "Delete");
  const confirmButton = h("button", { class: "tool danger solid", type: "button" }, "Delete");
  const keepButton = h("button", { class: "tool", type: "button" }, "Keep");
  const confirm = h(
    "div",
    { class: "contact-confirm", role: "alertdialog", "aria-label": "Confirm deletion", hidden: true },
    h("span", {}, `Delete ${contact.name}? Messages keep the name.`),
    confirmButton,
    keepButton,
  );
  deleteButton.addEventListener("click", () => {
    confirm.hidden = false;
    confirmButton.focus();
  });
  keepButton.addEventListener("click", () => (confirm.hidden = true));
  confirmButton.addEventListener("click", () => {
    confirmButton.disabled = true;
    void remove(contact);
  });
  return h(
    "li",
    { class: "contact", "data-contact-id": contact.id },
    h(
      "div",
      { class: "contact-main" },
      h("div", { class: "contact-top" }, h("span", { class: "contact-name" }, contact.name), contact.company ? h("span", { class: "contact-company" }, contact.company) : null),
      h("div", { class: "contact-numbers" }, ...numbers),
      address || contact.email
        ? h("div", { class: "contact-detail" }, [address, contact.email].filter(Boolean).join(" · "))
        : null,
      confirm,
    ),
    deleteButton,
  );
}
