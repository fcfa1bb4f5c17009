// The voicemail inbox (#inbox-pane): filters (#inbox-search, #inbox-category, #inbox-range with
// #inbox-from/#inbox-to, #inbox-mailbox, #inbox-unread), the list #inbox with one row per entry
// ([data-message-id], data-read, data-kind, data-category, data-transcription) and the detail
// #inbox-detail of the open message: #inbox-transcript, the player, #inbox-mark (read/unread),
// #inbox-callback, #inbox-export (+ #inbox-export-dir, #inbox-export-result) and #inbox-delete
// with #inbox-delete-confirm. Narrow, the detail covers the list (#inbox-back returns); wide,
// they sit side by side.
import type { InboxEntry, InboxFilter, VoicemailMessage } from "../api/backend";
import { byId, h } from "../dom";
import { callerOf, categoryLabel, duration, when, type Caller } from "../format";
import type { Inbox } from "../inbox";
import type { State, Store } from "../store";
import { Player } from "./player";

/** Typing pauses this long before the search runs. */
const SEARCH_DELAY_MS = 300;
const EXPORT_DIR_KEY = "frontdesk-export-dir";

export function mountInbox(inbox: Inbox, store: Store): void {
  mountFilters(inbox, store);
  mountList(inbox, store);
  mountDetail(inbox, store);
}

// --- filters ----------------------------------------------------------------------------

function mountFilters(inbox: Inbox, store: Store): void {
  const form = byId<HTMLFormElement>("inbox-filters");
  const search = byId<HTMLInputElement>("inbox-search");
  const category = byId<HTMLSelectElement>("inbox-category");
  const range = byId<HTMLSelectElement>("inbox-range");
  const dates = byId("inbox-dates");
  const from = byId<HTMLInputElement>("inbox-from");
  const to = byId<HTMLInputElement>("inbox-to");
  const mailbox = byId<HTMLSelectElement>("inbox-mailbox");
  const unread = byId<HTMLInputElement>("inbox-unread");
  const notifyMe = byId<HTMLButtonElement>("inbox-notify");

  let typing: ReturnType<typeof setTimeout> | undefined;
  const runSearch = () => {
    clearTimeout(typing);
    const text = search.value.trim();
    if ((store.state.inboxFilter.search ?? "") !== text) inbox.setFilter({ search: text || undefined });
  };
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(runSearch, SEARCH_DELAY_MS);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    runSearch();
  });
  category.addEventListener("change", () => inbox.setFilter({ category: category.value || undefined }));
  mailbox.addEventListener("change", () => inbox.setFilter({ mailbox: mailbox.value || undefined }));
  unread.addEventListener("change", () => inbox.setFilter({ read: unread.checked ? false : undefined }));
  const applyRange = () => {
    dates.hidden = range.value !== "custom";
    inbox.setFilter(timeRange(range.value, from.value, to.value));
  };
  range.addEventListener("change", applyRange);
  from.addEventListener("change", applyRange);
  to.addEventListener("change", applyRange);
  notifyMe.addEventListener("click", () => void inbox.enableNotifications());

  store.subscribe((state, previous) => {
    notifyMe.hidden = state.notifications !== "ask";
    if (state.categories !== previous.categories || category.options.length === 0) {
      options(category, "All categories", state.categories, state.inboxFilter.category, categoryLabel);
    }
    if (state.mailboxes !== previous.mailboxes || mailbox.options.length === 0) {
      options(mailbox, "All mailboxes", state.mailboxes, state.inboxFilter.mailbox, (m) => m);
      mailbox.hidden = state.mailboxes.length < 2;
    }
  });
}

/** Fills a select with "all" and `values`, keeping `chosen` even if it is not among them. */
function options(select: HTMLSelectElement, all: string, values: string[], chosen: string | undefined, label: (v: string) => string): void {
  const list = chosen && !values.includes(chosen) ? [...values, chosen] : values;
  select.replaceChildren(h("option", { value: "" }, all), ...list.map((v) => h("option", { value: v }, label(v))));
  select.value = chosen ?? "";
}

/** `from`/`before` for a range choice, in local days (today counts as one of the 7). */
function timeRange(choice: string, fromDate: string, toDate: string): Pick<InboxFilter, "from" | "before"> {
  const midnight = (daysAgo: number) => {
    const d = new Date();
    d.setHours(0, 0, 0, 0);
    d.setDate(d.getDate() - daysAgo);
    return d.getTime();
  };
  switch (choice) {
    case "today":
      return { from: midnight(0), before: undefined };
    case "7d":
      return { from: midnight(6), before: undefined };
    case "30d":
      return { from: midnight(29), before: undefined };
    case "12m": {
      const d = new Date();
      d.setHours(0, 0, 0, 0);
      d.setDate(1);
      d.setMonth(d.getMonth() - 11);
      return { from: d.getTime(), before: undefined };
    }
    case "custom": {
      // Date inputs answer `yyyy-mm-dd`; both ends are local days, the end one included.
      const day = (text: string, plus = 0) => {
        const [y, m, d] = text.split("-").map(Number);
        return text ? new Date(y, m - 1, d + plus).getTime() : undefined;
      };
      return { from: day(fromDate), before: day(toDate, 1) };
    }
    default:
      return { from: undefined, before: undefined };
  }
}

// --- list -------------------------------------------------------------------------------

function mountList(inbox: Inbox, store: Store): void {
  const list = byId("inbox");
  /** Rows by id with what they show, so unchanged rows stay the same elements (focus, hover). */
  let rows = new Map<number, { key: string; element: HTMLElement }>();
  const render = (state: State) => {
    if (!state.inboxLoaded) {
      list.replaceChildren(h("li", { class: "empty" }, "Loading…"));
    } else if (state.inboxProblem) {
      list.replaceChildren(h("li", { class: "empty problem" }, state.inboxProblem));
    } else if (state.inbox.length === 0) {
      const filtered = Object.keys(state.inboxFilter).length > 0;
      list.replaceChildren(h("li", { class: "empty" }, filtered ? "No messages match." : "No voicemail yet."));
    } else {
      const open = state.openMessage?.id;
      const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.messageId : undefined;
      const next = new Map<number, { key: string; element: HTMLElement }>();
      for (const entry of state.inbox) {
        const reason = state.noTranscriptReasons[entry.id];
        const key = JSON.stringify([entry, entry.id === open, reason]);
        const kept = rows.get(entry.id);
        next.set(entry.id, kept?.key === key ? kept : { key, element: row(entry, entry.id === open, reason, inbox) });
      }
      rows = next;
      list.replaceChildren(...[...next.values()].map((r) => r.element));
      if (focused) list.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(focused)}"]`)?.focus();
      return;
    }
    rows = new Map();
  };
  store.subscribe((state, previous) => {
    const changed =
      state.inbox !== previous.inbox ||
      state.inboxLoaded !== previous.inboxLoaded ||
      state.inboxProblem !== previous.inboxProblem ||
      state.noTranscriptReasons !== previous.noTranscriptReasons ||
      state.openMessage?.id !== previous.openMessage?.id;
    if (changed || list.childElementCount === 0) render(state);
  });
}

function row(entry: InboxEntry, open: boolean, reason: string | undefined, inbox: Inbox): HTMLElement {
  const caller = callerOf(entry);
  const openIt = () => void inbox.open(entry.id);
  return h(
    "li",
    {
      class: "msg",
      "data-message-id": entry.id,
      "data-read": String(entry.read),
      "data-kind": entry.kind,
      "data-category": entry.category,
      "data-transcription": entry.transcription_state,
      "aria-current": open ? "true" : null,
      tabindex: 0,
      title: caller.number ? `${caller.name} · ${caller.number}` : caller.name,
      onclick: openIt,
      onkeydown: (event: Event) => {
        if ((event as KeyboardEvent).key === "Enter") openIt();
      },
    },
    h("span", { class: "msg-dot", "aria-label": entry.read ? null : "unread" }),
    h(
      "div",
      { class: "msg-main" },
      h(
        "div",
        { class: "msg-top" },
        h("span", { class: "msg-who" }, caller.name, guess(caller)),
        chip(entry.category),
        h("span", { class: "msg-when" }, when(entry.received_at)),
      ),
      h(
        "div",
        { class: "msg-bottom" },
        summary(entry, reason),
        h("span", { class: "msg-duration" }, duration(entry.duration_ms / 1000)),
      ),
    ),
  );
}

/** The row's second line: the first words, or where the transcript is. */
function summary(entry: InboxEntry, reason: string | undefined): HTMLElement {
  const marker = (text: string, state: string) => h("span", { class: "msg-preview msg-state", "data-state": state }, text);
  if (entry.kind === "attempt") {
    return entry.connected_to
      ? marker(`Put through to ${entry.connected_to}`, "connected")
      : marker("Hung up without a message", "attempt");
  }
  switch (entry.transcription_state) {
    case "pending":
      return marker("transcribing…", "pending");
    case "failed":
    case "none":
      return marker(reason ? `no transcript: ${reason}` : "no transcript", "missing");
    case "done":
      return entry.preview ? h("span", { class: "msg-preview" }, entry.preview) : marker("no words recognised", "empty");
  }
}

function chip(category: string): HTMLElement {
  return h("span", { class: "chip", "data-category": category }, categoryLabel(category));
}

/** "≈ 72 %" after a contact guessed from what the caller said. */
function guess(caller: Caller): HTMLElement | null {
  if (caller.guessedPercent === null) return null;
  return h(
    "span",
    { class: "guess", title: `Guessed from what the caller said (${caller.guessedPercent} % sure)` },
    `≈ ${caller.guessedPercent} %`,
  );
}

// --- detail -----------------------------------------------------------------------------

function mountDetail(inbox: Inbox, store: Store): void {
  const inboxPane = byId("inbox-pane");
  const pane = byId("inbox-detail");
  const player = new Player(inbox);
  let shownId: number | null = null;

  const name = h("div", { class: "detail-name" });
  const meta = h("div", { class: "detail-meta" });
  const category = h("div", { class: "detail-category" });
  const transcript = h("p", { id: "inbox-transcript", class: "transcript" });
  const footer = h("div", { class: "detail-foot" });

  const back = h("button", { id: "inbox-back", class: "back", type: "button", title: "Back to the list", onclick: () => inbox.close() }, "‹ Back");
  const mark = h("button", { id: "inbox-mark", class: "tool", type: "button" });
  const callBack = h("button", { id: "inbox-callback", class: "tool", type: "button", title: "Put the number into the dial pad" }, "Call back");
  const exportButton = h("button", { id: "inbox-export", class: "tool", type: "button", "aria-expanded": "false" }, "Export…");
  const remove = h("button", { id: "inbox-delete", class: "tool danger", type: "button" }, "Delete");

  const exportDir = h("input", {
    id: "inbox-export-dir",
    type: "text",
    placeholder: "Folder on the computer running Frontdesk",
    "aria-label": "Export folder",
    spellcheck: "false",
  });
  const exportResult = h("div", { id: "inbox-export-result", class: "export-result", hidden: true });
  const exportForm = h(
    "form",
    { class: "export-form", hidden: true },
    exportDir,
    h("button", { type: "submit", class: "tool primary" }, "Save WAV + text"),
  );
  const confirmDelete = h("button", { id: "inbox-delete-confirm", class: "tool danger solid", type: "button" }, "Delete");
  const keep = h("button", { class: "tool", type: "button" }, "Keep");
  const confirm = h(
    "div",
    { class: "delete-confirm", role: "alertdialog", "aria-label": "Confirm deletion", hidden: true },
    h("span", {}, "Delete this message and its recording for good?"),
    confirmDelete,
    keep,
  );

  pane.replaceChildren(
    h("header", { class: "detail-head" }, back, h("div", { class: "detail-who" }, name, meta), category),
    player.element,
    h("div", { class: "detail-actions" }, mark, callBack, exportButton, remove),
    confirm,
    exportForm,
    exportResult,
    h("section", { class: "detail-transcript", "aria-label": "Transcript" }, transcript),
    footer,
  );

  const current = () => store.state.openMessage;
  mark.addEventListener("click", () => {
    const message = current();
    if (message) void inbox.markRead(message.id, !message.read);
  });
  callBack.addEventListener("click", () => {
    const message = current();
    if (!message) return;
    const target = byId<HTMLInputElement>("dial-target");
    target.value = message.caller_number;
    target.dispatchEvent(new Event("input"));
    target.focus();
  });
  exportButton.addEventListener("click", () => {
    const open = exportForm.hidden;
    exportForm.hidden = !open;
    exportButton.setAttribute("aria-expanded", String(open));
    exportResult.hidden = true;
    if (open) {
      exportDir.value ||= localStorage.getItem(EXPORT_DIR_KEY) ?? "";
      exportDir.focus();
    }
  });
  exportForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const message = current();
    const dir = exportDir.value.trim();
    if (!message || !dir) return;
    void (async () => {
      const files = await inbox.exportTo(message.id, dir);
      if (!files) return;
      localStorage.setItem(EXPORT_DIR_KEY, dir);
      exportForm.hidden = true;
      exportButton.setAttribute("aria-expanded", "false");
      exportResult.replaceChildren("Saved ", h("code", {}, files.audio), " and ", h("code", {}, files.transcript));
      exportResult.hidden = false;
    })();
  });
  remove.addEventListener("click", () => {
    confirm.hidden = false;
    confirmDelete.focus();
  });
  keep.addEventListener("click", () => (confirm.hidden = true));
  confirmDelete.addEventListener("click", () => {
    const message = current();
    if (!message) return;
    confirmDelete.disabled = true;
    void inbox.remove(message.id).finally(() => (confirmDelete.disabled = false));
  });
  pane.addEventListener("keydown", (event) => {
    if (event.key === "Escape") inbox.close();
  });

  store.subscribe((state, previous) => {
    if (state.openMessage === previous.openMessage && shownId === (state.openMessage?.id ?? null)) return;
    const message = state.openMessage;
    inboxPane.classList.toggle("has-detail", message !== null);
    pane.hidden = message === null;
    if (!message) {
      if (shownId !== null) player.reset(null, 0);
      shownId = null;
      delete pane.dataset.messageId;
      return;
    }
    if (message.id !== shownId) {
      // Another message: forms and answers of the last one go.
      confirm.hidden = exportForm.hidden = exportResult.hidden = true;
      exportButton.setAttribute("aria-expanded", "false");
      shownId = message.id;
    }
    show(message);
  });

  function show(message: VoicemailMessage): void {
    const caller = callerOf(message);
    pane.dataset.messageId = String(message.id);
    pane.dataset.read = String(message.read);
    name.replaceChildren(caller.name, guess(caller) ?? "");
    meta.textContent = [caller.number, message.mailbox, when(message.received_at), duration(message.duration_ms / 1000)]
      .filter(Boolean)
      .join(" · ");
    category.replaceChildren(chip(message.category));
    player.show(message.id, message.duration_ms, message.has_audio);
    mark.textContent = message.read ? "Mark unread" : "Mark read";
    callBack.hidden = !message.caller_number;
    exportButton.hidden = !message.has_audio;
    transcript.dataset.state = message.transcription_state;
    transcript.textContent = transcriptText(message);
    footer.textContent = [
      message.kind === "message" && message.connected_to ? `Then put through to ${message.connected_to}` : null,
      message.language ? `Language: ${message.language}` : null,
      message.email_state === "failed" ? `E-mail failed: ${message.email_error ?? "unknown reason"}` : null,
      message.email_state === "sent" ? "E-mailed" : null,
      message.has_audio ? null : "The recording is gone.",
    ]
      .filter(Boolean)
      .join(" · ");
  }
}

function transcriptText(message: VoicemailMessage): string {
  if (message.kind === "attempt") {
    return message.connected_to
      ? `The voicemail put the caller through to ${message.connected_to}, who answered; no message was left.`
      : "The caller hung up without leaving a message.";
  }
  switch (message.transcription_state) {
    case "pending":
      return "Transcribing…";
    case "failed":
      return `No transcript: ${message.transcription_error ?? "transcription failed"}`;
    case "none":
      return `No transcript: ${message.transcription_error ?? "no speech model is set up"}`;
    case "done":
      return message.transcript?.trim() || "No words were recognised in this message.";
  }
}
