// #calls: one row per live call ([data-call-id], data-state, data-hold, data-muted) with
// .answer / .hangup, .hold / .mute toggles, a .transfer form (.transfer-target, .transfer-blind,
// .transfer-attended) and an in-call keypad. Rows are kept by id, so a running timer or an open keypad survives updates.
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
      const linked = state.calls.find((c) => c.id === call.linked_call);
      row.update(call, state.received[call.id] ?? "", linked ? who(linked) : call.linked_call);
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
  private readonly hold: HTMLButtonElement;
  private readonly mute: HTMLButtonElement;
  private readonly transferForm: HTMLFormElement;
  private readonly transferTarget: HTMLInputElement;
  private readonly flags = h("div", { class: "call-flags" });
  private readonly pad: HTMLElement;
  private readonly rawKeys: HTMLInputElement;

  constructor(app: App, id: string) {
    this.answer = h("button", { type: "button", class: "answer", onclick: () => this.act(() => app.answer(id)) }, "Answer");
    this.hangup = h("button", { type: "button", class: "hangup", onclick: () => this.act(() => app.hangup(id)) }, "Hang up");
    this.toggle = h(
      "button",
      { type: "button", class: "keypad-toggle", "aria-expanded": "false", onclick: () => this.togglePad() },
      "Keypad",
    );
    this.hold = h("button", {
      type: "button",
      class: "hold",
      onclick: () => this.act(() => app.act(id, this.call?.on_hold ? "resume" : "hold")),
    }, "Hold");
    this.mute = h("button", {
      type: "button",
      class: "mute",
      onclick: () => this.act(() => app.act(id, this.call?.muted ? "unmute" : "mute")),
    }, "Mute");
    this.transferTarget = h("input", {
      class: "transfer-target",
      placeholder: "Transfer to…",
      "aria-label": "Transfer to",
      inputmode: "tel",
    });
    const transfer = (attended: boolean) => {
      const target = this.transferTarget.value.trim();
      if (!target) return;
      void this.act(async () => {
        const ok = await app.transfer(id, target, attended);
        if (ok) this.transferTarget.value = "";
        return ok;
      });
    };
    this.transferForm = h(
      "form",
      { class: "transfer", onsubmit: (e: Event) => (e.preventDefault(), transfer(false)) },
      this.transferTarget,
      h("button", { type: "submit", class: "transfer-blind", title: "Blind transfer" }, "Transfer"),
      h("button", {
        type: "button",
        class: "transfer-attended",
        title: "Talk to the colleague first; hang up to hand over",
        onclick: () => transfer(true),
      }, "Announce"),
    );
    this.rawKeys = h("input", {
      type: "checkbox",
      class: "keys-as-dtmf",
      onchange: () => void app.act(id, this.rawKeys.checked ? "keys_as_dtmf" : "key_codes"),
    });
    this.pad = h(
      "div",
      { class: "call-pad", hidden: true },
      h("label", { class: "keys-as-dtmf-label", title: "Send * and # codes to the far end too" }, this.rawKeys, " Send all keys as tones"),
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
        h("div", { class: "call-who" }, this.name, this.detail, this.flags),
        h("div", { class: "call-status" }, this.state, this.timer),
        h("div", { class: "call-actions" }, this.answer, this.hold, this.mute, this.toggle, this.hangup),
      ),
      this.transferForm,
      this.pad,
    );
  }

  /** `linkedName`: who the call's transfer partner is (the caller or the colleague). */
  update(call: CallInfo, received: string, linkedName: string | null): void {
    // The switch shows the engine's setting, but an update about something else must not
    // undo a click whose answer is still on its way.
    if (this.call?.keys_as_dtmf !== call.keys_as_dtmf) this.rawKeys.checked = call.keys_as_dtmf;
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
    const active = call.state === "active";
    this.toggle.hidden = this.hold.hidden = this.mute.hidden = this.transferForm.hidden = !active;
    this.hold.textContent = call.on_hold ? "Resume" : "Hold";
    this.hold.classList.toggle("on", call.on_hold);
    this.mute.textContent = call.muted ? "Unmute" : "Mute";
    this.mute.classList.toggle("on", call.muted);
    this.element.dataset.hold = call.on_hold ? "local" : call.held_by_remote ? "remote" : "";
    this.element.dataset.muted = String(call.muted);
    this.flags.textContent = [
      call.on_hold ? "on hold" : null,
      call.held_by_remote ? "holds you" : null,
      call.muted ? "muted" : null,
      linkedName ? `transfer with ${linkedName}` : null,
    ]
      .filter(Boolean)
      .join(" · ");
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
    const buttons = [this.answer, this.hangup, this.hold, this.mute];
    buttons.forEach((b) => (b.disabled = true));
    try {
      await action();
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  }
}
