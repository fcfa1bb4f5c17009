// The page's state in one place; views subscribe and re-render from it.
import type { CallInfo, HistoryEntry, InboxCounts, InboxEntry, InboxFilter, Lamp, Status, VoicemailMessage } from "./api/backend";
import type { NotifierPermission } from "./api/notifier";

/** Which view shares the lower right panel: the call history, the voicemail inbox or the contacts. */
export type Tab = "history" | "inbox" | "contacts";

export interface State {
  status: Status | null;
  /** Live calls (not ended), oldest first, as `calls` answers. */
  calls: CallInfo[];
  history: HistoryEntry[];
  /** The busy-lamp panel, in configuration order. */
  lamps: Lamp[];
  /** Whether the event stream is connected. */
  connected: boolean;
  /** Digits the far end sent, per call id, for display. */
  received: Record<string, string>;

  tab: Tab;
  /** The inbox list for `inboxFilter`, newest first, as the engine answered it. */
  inbox: InboxEntry[];
  /** What the list shows (without paging). */
  inboxFilter: InboxFilter;
  /** Why the inbox cannot be shown (no inbox in this engine, a failed read); null when fine. */
  inboxProblem: string | null;
  /** Whether the list has been read at least once. */
  inboxLoaded: boolean;
  inboxCounts: InboxCounts | null;
  /** Why a message has no transcript, per id (only the list rows that need it). */
  noTranscriptReasons: Record<number, string>;
  /** The message open in the detail pane. */
  openMessage: VoicemailMessage | null;
  /** Categories and mailboxes seen so far, sorted, for the filter choices. */
  categories: string[];
  mailboxes: string[];
  notifications: NotifierPermission;
}

type Listener = (state: State, previous: State) => void;

export class Store {
  private current: State = {
    status: null,
    calls: [],
    history: [],
    lamps: [],
    connected: false,
    received: {},
    tab: "history",
    inbox: [],
    inboxFilter: {},
    inboxProblem: null,
    inboxLoaded: false,
    inboxCounts: null,
    noTranscriptReasons: {},
    openMessage: null,
    categories: [],
    mailboxes: [],
    notifications: "unsupported",
  };
  private readonly listeners: Listener[] = [];

  get state(): State {
    return this.current;
  }

  update(change: Partial<State>): void {
    const previous = this.current;
    this.current = { ...previous, ...change };
    for (const listener of this.listeners) listener(this.current, previous);
  }

  /** Calls `listener` now and after every update. */
  subscribe(listener: Listener): void {
    this.listeners.push(listener);
    listener(this.current, this.current);
  }
}
