// The page's state in one place; views subscribe and re-render from it.
import type { CallInfo, HistoryEntry, Lamp, Status } from "./api/backend";

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
}

type Listener = (state: State, previous: State) => void;

export class Store {
  private current: State = { status: null, calls: [], history: [], lamps: [], connected: false, received: {} };
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
