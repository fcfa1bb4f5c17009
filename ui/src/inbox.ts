// The voicemail inbox's controller: keeps the list, the counts and the open message in step
// with the engine (reads, `voicemail` events, re-reads) and runs the user's inbox actions.
import {
  ApiFailure,
  type AudioFormat,
  type Backend,
  type Event,
  type ExportedMessage,
  type InboxEntry,
  type InboxFilter,
} from "./api/backend";
import { NewMessageAlerts } from "./alerts";
import type { Notify } from "./views/notice";
import type { Store } from "./store";

/** How many rows the list shows. */
export const INBOX_LIMIT = 100;
/** Events come in bursts (filed, transcribed, categorised): re-read once they settle. */
const RELOAD_DELAY_MS = 250;
/** Categories every installation has, so the filter offers them before any message came. */
const DEFAULT_CATEGORIES = ["general"];

export class Inbox {
  /** Bumped by every list read, so an older answer never replaces a newer one. */
  private listSeq = 0;
  private countsSeq = 0;
  private openSeq = 0;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly alerts: NewMessageAlerts;

  constructor(
    private readonly backend: Backend,
    private readonly store: Store,
    private readonly notify: Notify,
  ) {
    this.alerts = new NewMessageAlerts(backend.notifier, (id) => {
      this.store.update({ tab: "inbox" });
      void this.open(id);
    });
  }

  async start(): Promise<void> {
    this.store.update({ categories: DEFAULT_CATEGORIES, notifications: await this.backend.notifier.permission() });
    const first = await this.reload();
    // What was there before the page opened is not news.
    if (first) this.alerts.known(first);
  }

  /** Re-reads list and counts (after a reconnect, events may have been missed). */
  refresh(): void {
    this.scheduleReload(0);
    const open = this.store.state.openMessage;
    if (open) void this.reopen(open.id);
  }

  onEvent(event: Event): void {
    if (event.type === "voicemail") {
      const entry = event.message;
      this.alerts.seen(entry);
      // Shown at once where it is listed (a transcript filling in); the re-read finds new
      // rows and applies the filter, which only the engine can (search).
      const inbox = this.store.state.inbox.map((e) => (e.id === entry.id ? entry : e));
      this.store.update({ inbox, ...this.learned([entry]) });
      if (this.store.state.openMessage?.id === entry.id) void this.reopen(entry.id);
      this.scheduleReload();
    } else if (event.type === "voicemail_deleted") {
      this.forget(event.id);
      this.scheduleReload();
    }
  }

  // --- user actions -------------------------------------------------------------------

  /** Changes the filter (merged into the current one) and reads the list again. */
  setFilter(change: InboxFilter): void {
    const inboxFilter: InboxFilter = { ...this.store.state.inboxFilter, ...change };
    for (const key of Object.keys(inboxFilter) as (keyof InboxFilter)[]) {
      if (inboxFilter[key] === undefined || inboxFilter[key] === "") delete inboxFilter[key];
    }
    this.store.update({ inboxFilter });
    void this.loadList();
  }

  /** Opens a message in the detail pane; an unread one becomes read. */
  async open(id: number): Promise<void> {
    const seq = ++this.openSeq;
    try {
      const message = await this.backend.voicemail(id);
      if (seq !== this.openSeq) return;
      this.store.update({ openMessage: message });
      if (!message.read) await this.markRead(id, true);
    } catch (error) {
      if (seq === this.openSeq) this.notify(ApiFailure.from(error, "could not open the message").message);
    }
  }

  close(): void {
    this.openSeq++;
    this.store.update({ openMessage: null });
  }

  async markRead(id: number, read: boolean): Promise<boolean> {
    try {
      const entry = await this.backend.markRead(id, read);
      this.apply(entry);
      this.scheduleReload();
      return true;
    } catch (error) {
      this.notify(ApiFailure.from(error, "could not mark the message").message);
      return false;
    }
  }

  async remove(id: number): Promise<boolean> {
    try {
      await this.backend.deleteVoicemail(id);
      this.forget(id);
      this.scheduleReload();
      return true;
    } catch (error) {
      this.notify(ApiFailure.from(error, "could not delete the message").message);
      return false;
    }
  }

  /** Exports audio and transcript into `dir`; the files written, or null after a notice. */
  async exportTo(id: number, dir: string): Promise<ExportedMessage | null> {
    try {
      return await this.backend.exportVoicemail(id, dir);
    } catch (error) {
      this.notify(ApiFailure.from(error, "could not export the message").message);
      return null;
    }
  }

  /** The recording, for the player; failures are shown and answer null. */
  async audio(id: number, format: AudioFormat): Promise<Blob | null> {
    try {
      return await this.backend.voicemailAudio(id, format);
    } catch (error) {
      this.notify(ApiFailure.from(error, "could not load the recording").message);
      return null;
    }
  }

  /** Asks for permission to show desktop notifications (from a click). */
  async enableNotifications(): Promise<void> {
    await this.backend.notifier.request();
    this.store.update({ notifications: await this.backend.notifier.permission() });
  }

  // --- reading --------------------------------------------------------------------------

  private scheduleReload(delay = RELOAD_DELAY_MS): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => void this.reload(), delay);
  }

  private async reload(): Promise<InboxEntry[] | null> {
    const [list] = await Promise.all([this.loadList(), this.loadCounts()]);
    return list;
  }

  /** Reads the list for the current filter; answers it, or null if stale or failed. */
  private async loadList(): Promise<InboxEntry[] | null> {
    const seq = ++this.listSeq;
    const filter = { ...this.store.state.inboxFilter, limit: INBOX_LIMIT };
    try {
      const inbox = await this.backend.inbox(filter);
      if (seq !== this.listSeq) return null;
      this.store.update({ inbox, inboxLoaded: true, inboxProblem: null, ...this.learned(inbox) });
      void this.explainMissingTranscripts(inbox);
      return inbox;
    } catch (error) {
      if (seq !== this.listSeq) return null;
      const problem = ApiFailure.from(error, "could not read the inbox").message;
      this.store.update({ inboxProblem: problem, inboxLoaded: true });
      return null;
    }
  }

  private async loadCounts(): Promise<void> {
    const seq = ++this.countsSeq;
    try {
      const inboxCounts = await this.backend.inboxCounts(this.store.state.inboxFilter.mailbox ?? null);
      if (seq === this.countsSeq) this.store.update({ inboxCounts });
    } catch {
      // The list shows what is wrong; the counts just stay as they were.
    }
  }

  /** Re-reads the open message (its transcript may have arrived). */
  private async reopen(id: number): Promise<void> {
    const seq = this.openSeq;
    try {
      const message = await this.backend.voicemail(id);
      if (seq === this.openSeq && this.store.state.openMessage?.id === id) this.store.update({ openMessage: message });
    } catch (error) {
      if (error instanceof ApiFailure && error.kind === "not_found") this.forget(id);
    }
  }

  /**
   * The list rows carry no reason for a missing transcript; the detail does. Read it for the
   * rows that need it (few: failures and messages recorded without a speech model).
   */
  private async explainMissingTranscripts(entries: InboxEntry[]): Promise<void> {
    const known = this.store.state.noTranscriptReasons;
    const unexplained = entries.filter(
      (e) => e.kind === "message" && (e.transcription_state === "failed" || e.transcription_state === "none") && !(e.id in known),
    );
    for (const entry of unexplained.slice(0, 20)) {
      try {
        const message = await this.backend.voicemail(entry.id);
        const reason = message.transcription_error ?? (message.transcription_state === "failed" ? "transcription failed" : "no speech model");
        this.store.update({ noTranscriptReasons: { ...this.store.state.noTranscriptReasons, [entry.id]: reason } });
      } catch {
        // Deleted meanwhile, or the engine is gone: the row says "no transcript" without a reason.
      }
    }
  }

  /** A changed row (mark read) in the list and the open message. */
  private apply(entry: InboxEntry): void {
    const inbox = this.store.state.inbox.map((e) => (e.id === entry.id ? entry : e));
    const open = this.store.state.openMessage;
    this.store.update({ inbox, openMessage: open?.id === entry.id ? { ...open, read: entry.read } : open });
  }

  private forget(id: number): void {
    const inbox = this.store.state.inbox.filter((e) => e.id !== id);
    const open = this.store.state.openMessage;
    if (open?.id === id) this.openSeq++;
    this.store.update({ inbox, openMessage: open?.id === id ? null : open });
  }

  /** New categories and mailboxes among `entries`, as a store change (empty if none). */
  private learned(entries: InboxEntry[]): Partial<Store["state"]> {
    const { categories, mailboxes } = this.store.state;
    const newCategories = entries.map((e) => e.category).filter((c) => !categories.includes(c));
    const newMailboxes = entries.map((e) => e.mailbox).filter((m) => !mailboxes.includes(m));
    const change: Partial<Store["state"]> = {};
    if (newCategories.length) change.categories = [...new Set([...categories, ...newCategories])].sort();
    if (newMailboxes.length) change.mailboxes = [...new Set([...mailboxes, ...newMailboxes])].sort();
    return change;
  }
}
