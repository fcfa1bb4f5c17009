// #history: the newest calls, one row each ([data-history-id], data-end-reason).
// Clicking a row puts its number into the dial pad, ready to call back.
import type { HistoryEntry } from "../api/backend";
import { byId, h } from "../dom";
import { duration, endReason, isProblem, when, who } from "../format";
import type { Store } from "../store";

export function mountHistory(store: Store): void {
  const list = byId("history");
  const target = byId<HTMLInputElement>("dial-target");
  store.subscribe((state, previous) => {
    if (state.history === previous.history && list.childElementCount > 0) return;
    if (state.history.length === 0) {
      list.replaceChildren(h("li", { class: "empty" }, "No calls yet."));
      return;
    }
    list.replaceChildren(...state.history.map((entry) => row(entry, target)));
  });
}

function row(entry: HistoryEntry, target: HTMLInputElement): HTMLElement {
  const incoming = entry.direction === "incoming";
  const callBack = () => {
    target.value = entry.remote_number || entry.remote_uri;
    target.dispatchEvent(new Event("input"));
    target.focus();
  };
  return h(
    "li",
    {
      class: isProblem(entry) ? "history-row problem" : "history-row",
      "data-history-id": entry.id,
      "data-end-reason": entry.end_reason ?? "",
      title: `${entry.remote_uri} — click to put the number in the dial pad`,
      onclick: callBack,
    },
    h("span", { class: "call-dir", title: incoming ? "Incoming" : "Outgoing" }, incoming ? "↙" : "↗"),
    h("span", { class: "history-who" }, who(entry)),
    h("span", { class: "history-when" }, when(entry.started_at)),
    h("span", { class: "history-duration" }, entry.answered_at ? duration(entry.duration_seconds) : ""),
    h("span", { class: "history-outcome" }, endReason(entry)),
  );
}
