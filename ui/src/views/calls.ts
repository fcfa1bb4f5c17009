// #calls: one row per live call ([data-call-id], data-state) with .answer / .hangup and an
// in-call keypad. Rows are kept by id, so a running timer or an open keypad survives updates.
import type { CallInfo } from "../api/backend";
import type { App } from "../app";
import { byId, h } from "../dom";
import { callState, detail, duration, who } from "../format";
import type { Store } from "../store";
import { keyGrid } from "./keys";

export function mountCalls(app: App, store: Store): void {
  const list = byId("calls");
  const rows = new Map<string, CallRow>();
  const empty = h("li", { class: "empty" }, "No calls right now.");

  store.subscribe((state) => {
    const live = new Set(state.calls.map((c) => c.id));
    for (const [id, row] of rows) {
      if (!live.has(id)) {
        row.element.remove();
        rows.delete(id);
      }
    }
    for (const call of state.calls) {
      let row = rows.get(call.id);
      if (!row) {
        row = new CallRow(app, call.id);
        rows.set(call.id, row);
      }
      row.update(call, state.received[call.id] ?? "");
      list.append(row.element); // keeps the engine's order (oldest first)
    }
    if (rows.size === 0) list.replaceChildren(empty);
    else empty.remove();
  });

  setInterval(() => rows.forEach((row) => row.tick()), 1000);
}

class CallRow {
  readonly element: HTMLLIElement;
  private call: CallInfo | null = null;
  private readonly name = h("div", { class: "call-name" });
  private readonly detail = h("div", { class: "call-detail" });
  private readonly direction = h("span", { class: "call-dir", "aria-hidden": "true" });
  private readonly state = h("span", { class: "call-state" });
  private readonly timer = h("span", { class: "call-timer" });
  private readonly received = h("div", { class: "call-received" });
  private readonly answer: HTMLButtonElement;
  private readonly hangup: HTMLButtonElement;
  private readonly toggle: HTMLButtonElement;
  private readonly pad: HTMLElement;

  constructor(app: App, id: string) {
    this.answer = h("button", { type: "button", class: "answer", onclick: () => this.act(() => app.answer(id)) }, "Answer");
    this.hangup = h("button", { type: "button", class: "hangup", onclick: () => this.act(() => app.hangup(id)) }, "Hang up");
    this.toggle = h(
      "button",
      { type: "button", class: "keypad-toggle", "aria-expanded": "false", onclick: () => this.togglePad() },
      "Keypad",
    );
    this.pad = h(
      "div",
      { class: "call-pad", hidden: true },
      keyGrid("data-dtmf", (key) => void app.keys(key, id), "keypad keypad-small"),
      this.received,
    );
    this.element = h(
      "li",
      { class: "call", "data-call-id": id },
      h(
        "div",
        { class: "call-line" },
        this.direction,
        h("div", { class: "call-who" }, this.name, this.detail),
        h("div", { class: "call-status" }, this.state, this.timer),
        h("div", { class: "call-actions" }, this.answer, this.toggle, this.hangup),
      ),
      this.pad,
    );
  }

  update(call: CallInfo, received: string): void {
    this.call = call;
    this.element.dataset.state = call.state;
    this.element.dataset.direction = call.direction;
    this.direction.textContent = call.direction === "incoming" ? "↙" : "↗";
    this.direction.title = call.direction === "incoming" ? "Incoming call" : "Outgoing call";
    this.name.textContent = who(call);
    const extras = [detail(call), call.codec, call.account].filter(Boolean);
    this.detail.textContent = extras.join(" · ");
    this.state.textContent = callState(call.state);
    this.answer.hidden = call.state !== "incoming";
    this.hangup.textContent = call.state === "incoming" ? "Decline" : call.state === "active" ? "Hang up" : "Cancel";
    this.toggle.hidden = call.state !== "active";
    if (call.state !== "active") this.showPad(false);
    this.received.textContent = received ? `Received: ${received}` : "";
    this.tick();
  }

  /** Talk time once answered, waiting time before. */
  tick(): void {
    if (!this.call) return;
    const since = this.call.answered_at ?? this.call.started_at;
    this.timer.textContent = duration((Date.now() - since) / 1000);
  }

  private togglePad(): void {
    this.showPad(this.pad.hidden);
  }

  private showPad(open: boolean): void {
    this.pad.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    this.toggle.classList.toggle("on", open);
  }

  /** Runs a call action with the buttons disabled, so a double click sends one request. */
  private async act(action: () => Promise<boolean>): Promise<void> {
    this.answer.disabled = this.hangup.disabled = true;
    try {
      await action();
    } finally {
      this.answer.disabled = this.hangup.disabled = false;
    }
  }
}
