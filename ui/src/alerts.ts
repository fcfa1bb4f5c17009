// Desktop notifications for new voicemail: one per message, the first time the engine
// announces it. A message is announced when filed, before its transcript exists; the
// notification waits a little for the transcript, so it can name the category and the first
// words, and goes out without them if transcription takes longer.
import type { InboxEntry, Notifier } from "./api/backend";
import { callerOf, categoryLabel } from "./format";

/** How long a notification waits for the transcript. */
export const TRANSCRIPT_WAIT_MS = 30_000;
/** Messages received this long before the page opened are never news. */
const RECENT_MS = 10 * 60_000;
/** How much of the transcript a notification shows. */
const FIRST_WORDS = 90;

export class NewMessageAlerts {
  /** Ids decided on: notified, waiting, or not news. */
  private readonly decided = new Set<number>();
  private readonly waiting = new Map<number, ReturnType<typeof setTimeout>>();
  private readonly openedAt = Date.now();

  constructor(
    private readonly notifier: Notifier,
    private readonly open: (id: number) => void,
  ) {}

  /** Rows that were in the inbox when the page opened. */
  known(entries: InboxEntry[]): void {
    for (const entry of entries) this.decided.add(entry.id);
  }

  /** Every row a `voicemail` event carries. */
  seen(entry: InboxEntry): void {
    if (this.waiting.has(entry.id)) {
      if (entry.transcription_state !== "pending") this.fire(entry);
      return;
    }
    if (this.decided.has(entry.id)) return;
    this.decided.add(entry.id);
    const news = entry.kind === "message" && !entry.read && entry.received_at > this.openedAt - RECENT_MS;
    if (!news) return;
    if (entry.transcription_state === "pending") {
      this.waiting.set(entry.id, setTimeout(() => this.fire(entry), TRANSCRIPT_WAIT_MS));
    } else {
      this.fire(entry);
    }
  }

  private fire(entry: InboxEntry): void {
    clearTimeout(this.waiting.get(entry.id));
    this.waiting.delete(entry.id);
    void this.notifier.show(notification(entry), () => this.open(entry.id));
  }
}

/** Title: who called; body: category and the first words (or where the transcript is). */
export function notification(entry: InboxEntry): { title: string; body: string; tag: string } {
  const caller = callerOf(entry);
  const words =
    entry.transcription_state === "pending"
      ? "Transcribing…"
      : entry.preview
        ? `“${entry.preview.length > FIRST_WORDS ? `${entry.preview.slice(0, FIRST_WORDS).trimEnd()}…` : entry.preview}”`
        : "No transcript";
  return {
    title: `Voicemail from ${caller.name}`,
    body: `${categoryLabel(entry.category)} · ${words}`,
    tag: `frontdesk-voicemail-${entry.id}`,
  };
}
