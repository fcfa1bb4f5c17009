// The controller: keeps the store in step with the engine (initial read, events, re-reads)
// and runs the user's actions, turning failures into notices.
import { ApiFailure, type Backend, type CallAction, type CallInfo, type DialRequest, type Event, type Lamp } from "./api/backend";
import type { Inbox } from "./inbox";
import type { Store } from "./store";
import { MODEL_INSTALL_EVENT } from "./views/models";

/** How many history rows the page shows. */
export const HISTORY_LIMIT = 50;
/** Events come in bursts (a call's state changes); re-read once the burst is over. */
const REFRESH_DELAY_MS = 120;

export class App {
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private historyDue = false;
  /** Bumped by every event, so a re-read that raced with an event does not undo it. */
  private eventSeq = 0;
  /** Calls seen ending, so a late snapshot (an action's answer, a re-read) cannot revive one. */
  private readonly ended = new Set<string>();

  constructor(
    private readonly backend: Backend,
    private readonly store: Store,
    private readonly notify: (message: string) => void,
    private readonly inbox: Inbox,
  ) {}

  async start(): Promise<void> {
    let first = true;
    await this.backend.subscribe(
      (event) => this.onEvent(event),
      (connected) => {
        this.store.update({ connected });
        // After a (re)connect, events may have been missed: read everything again.
        if (connected) {
          this.scheduleRefresh(true, 0);
          if (!first) this.inbox.refresh();
          first = false;
        }
      },
    );
    await Promise.all([this.refresh(true), this.inbox.start()]);
  }

  // --- user actions -------------------------------------------------------------------

  async dial(request: DialRequest): Promise<boolean> {
    return this.run(async () => this.upsert(await this.backend.dial(request)));
  }
  async answer(call: string): Promise<boolean> {
    return this.run(async () => this.upsert(await this.backend.answer(call)));
  }
  async hangup(call: string): Promise<boolean> {
    return this.run(async () => this.upsert(await this.backend.hangup(call)));
  }
  async act(call: string, action: CallAction): Promise<boolean> {
    return this.run(async () => this.upsert(await this.backend.act(call, action)));
  }
  async transfer(call: string, target: string, attended: boolean): Promise<boolean> {
    return this.run(async () => this.upsert(await this.backend.transfer(call, { target, attended })));
  }
  async keys(keys: string, call: string): Promise<boolean> {
    return this.run(() => this.backend.keys(keys, call));
  }
  /** Switches do-not-disturb; the header shows the engine's answer (and later events). */
  async setDoNotDisturb(on: boolean): Promise<boolean> {
    return this.run(async () => this.applyDoNotDisturb((await this.backend.setDoNotDisturb(on)).on));
  }

  /** Runs one action; a failure shows its ApiError message and answers false. */
  private async run(action: () => Promise<unknown>): Promise<boolean> {
    try {
      await action();
      return true;
    } catch (error) {
      this.notify(ApiFailure.from(error, "the request failed").message);
      return false;
    }
  }

  // --- engine state ---------------------------------------------------------------------

  private onEvent(event: Event): void {
    switch (event.type) {
      case "account": {
        this.eventSeq++;
        const status = this.store.state.status;
        if (status) {
          const accounts = status.accounts.map((a) => (a.name === event.account.name ? event.account : a));
          this.store.update({ status: { ...status, accounts } });
        }
        this.scheduleRefresh(false);
        break;
      }
      case "call":
        this.upsert(event.call);
        break;
      case "dtmf": {
        const received = { ...this.store.state.received };
        received[event.call_id] = (received[event.call_id] ?? "") + event.digit;
        this.store.update({ received });
        break;
      }
      case "notice":
        this.notify(event.message);
        break;
      case "forwarding_minutes":
        // Once a month: shown in the page and as a desktop notification, since it may need
        // someone to raise the limit before callers stop reaching a person.
        this.notify(event.message);
        void this.backend.notifier.show(
          {
            title: `Forwarding: ${event.used_minutes} of ${event.limit_minutes} minutes used`,
            body: event.message,
            tag: "frontdesk-forwarding-minutes",
          },
          () => window.focus(),
        );
        break;
      case "do_not_disturb":
        this.applyDoNotDisturb(event.on);
        break;
      case "voicemail":
      case "voicemail_deleted":
        this.inbox.onEvent(event);
        break;
      case "model_install":
        window.dispatchEvent(new CustomEvent(MODEL_INSTALL_EVENT, { detail: event.progress }));
        break;
      case "lamp": {
        const lamp = event.lamp;
        const same = (l: Lamp) => l.account === lamp.account && l.extension === lamp.extension;
        const lamps = this.store.state.lamps.some(same)
          ? this.store.state.lamps.map((l) => (same(l) ? lamp : l))
          : [...this.store.state.lamps, lamp];
        this.store.update({ lamps });
        break;
      }
    }
  }

  /**
   * Applies a call as the engine reported it: ended calls leave the list for the history.
   * Snapshots come as events and as answers to actions, in either order: an older revision
   * than the one shown is dropped.
   */
  private upsert(call: CallInfo): void {
    this.eventSeq++;
    if (this.ended.has(call.id)) return;
    const shown = this.store.state.calls.find((c) => c.id === call.id);
    if (shown && shown.revision > call.revision) return;
    if (call.state === "ended") this.remember(call.id);
    const others = this.store.state.calls.filter((c) => c.id !== call.id);
    const known = others.length !== this.store.state.calls.length;
    const calls = call.state === "ended" ? others : known
      ? this.store.state.calls.map((c) => (c.id === call.id ? call : c))
      : [...others, call];
    this.store.update({ calls });
    this.scheduleRefresh(call.state === "ended");
  }

  /** Do-not-disturb as the engine reported it (switched here, from the CLI or another page). */
  private applyDoNotDisturb(on: boolean): void {
    this.eventSeq++;
    const status = this.store.state.status;
    if (status && status.do_not_disturb !== on) this.store.update({ status: { ...status, do_not_disturb: on } });
  }

  private remember(endedId: string): void {
    this.ended.add(endedId);
    // Ids are never reused; the oldest can go once a late snapshot of it is out of question.
    if (this.ended.size > 1000) this.ended.delete(this.ended.values().next().value as string);
  }

  private scheduleRefresh(withHistory: boolean, delay = REFRESH_DELAY_MS): void {
    this.historyDue ||= withHistory;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      const history = this.historyDue;
      this.historyDue = false;
      void this.refresh(history);
    }, delay);
  }

  /** Re-reads status and calls (and the history when asked) from the engine. */
  private async refresh(withHistory: boolean): Promise<void> {
    const seq = this.eventSeq;
    try {
      const [status, fresh, lamps, history] = await Promise.all([
        this.backend.status(),
        this.backend.calls(),
        this.backend.lamps(),
        withHistory ? this.backend.history(HISTORY_LIMIT) : Promise.resolve(null),
      ]);
      if (history) this.store.update({ history });
      if (seq !== this.eventSeq) {
        // An event arrived meanwhile and scheduled another re-read; these answers may be older.
        return;
      }
      const shown = new Map(this.store.state.calls.map((c) => [c.id, c]));
      const calls = fresh
        .filter((c) => !this.ended.has(c.id))
        .map((c) => {
          const mine = shown.get(c.id);
          return mine && mine.revision > c.revision ? mine : c;
        });
      const live = new Set(calls.map((c) => c.id));
      const received = Object.fromEntries(Object.entries(this.store.state.received).filter(([id]) => live.has(id)));
      this.store.update({ status, calls, lamps, received });
    } catch (error) {
      this.notify(ApiFailure.from(error, "could not read the engine's state").message);
    }
  }
}
