// The tabs of the lower right panel: #tab-history, #tab-inbox and #tab-contacts
// (aria-selected, each showing the pane its aria-controls names), the unread
// badge #inbox-badge on the voicemail tab, and #inbox-counts, the dashboard numbers for the
// last 7 days, 30 days and 12 months ([data-period] each, with a small bar chart of the 30 days).
import type { InboxCounts, PeriodCount } from "../api/backend";
import { byId, h } from "../dom";
import type { Store, Tab } from "../store";

export function mountTabs(store: Store): void {
  const tabs = (["history", "inbox", "contacts"] as const).map((name) => byId<HTMLButtonElement>(`tab-${name}`));
  const panes = new Map(
    tabs.map((tab): [string, HTMLElement] => [tab.dataset.tab ?? "", byId(tab.getAttribute("aria-controls") ?? "")]),
  );
  const badge = byId("inbox-badge");
  const counts = byId("inbox-counts");

  for (const tab of tabs) {
    tab.addEventListener("click", () => store.update({ tab: tab.dataset.tab as Tab }));
    // Arrow keys move between tabs, as in every tab list (round at the ends).
    tab.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
      const step = event.key === "ArrowRight" ? 1 : -1;
      const other = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
      other.focus();
      other.click();
      event.preventDefault();
    });
  }

  store.subscribe((state, previous) => {
    for (const tab of tabs) {
      const selected = tab.dataset.tab === state.tab;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
    }
    for (const [name, pane] of panes) pane.hidden = name !== state.tab;
    counts.hidden = state.tab !== "inbox" || !state.inboxCounts;

    const unread = state.inboxCounts?.unread_messages ?? 0;
    badge.hidden = unread === 0;
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.title = `${unread} unread ${unread === 1 ? "message" : "messages"}`;

    if (state.inboxCounts && (state.inboxCounts !== previous.inboxCounts || counts.childElementCount === 0)) {
      counts.replaceChildren(...dashboard(state.inboxCounts));
    }
  });
}

function total(series: PeriodCount[], field: "messages" | "attempts"): number {
  return series.reduce((sum, p) => sum + p[field], 0);
}

function dashboard(counts: InboxCounts): HTMLElement[] {
  const figure = (period: string, label: string, series: PeriodCount[]) => {
    const messages = total(series, "messages");
    const attempts = total(series, "attempts");
    return h(
      "span",
      {
        class: "count",
        "data-period": period,
        "data-messages": messages,
        title: `${label}: ${messages} ${messages === 1 ? "message" : "messages"}, ${attempts} call ${attempts === 1 ? "attempt" : "attempts"} without a message`,
      },
      h("span", { class: "count-value" }, String(messages)),
      h("span", { class: "count-label" }, period),
    );
  };
  return [
    figure("7d", "Last 7 days", counts.last_7_days),
    figure("30d", "Last 30 days", counts.last_30_days),
    figure("12m", "Last 12 months", counts.last_12_months),
    spark(counts.last_30_days),
  ];
}

/** One thin bar per day of the last 30, scaled to the busiest day. */
function spark(days: PeriodCount[]): HTMLElement {
  const most = Math.max(1, ...days.map((d) => d.messages + d.attempts));
  return h(
    "span",
    { class: "spark", "aria-hidden": "true", title: "Messages per day, last 30 days" },
    ...days.map((day) => {
      const bar = h("span", { class: "spark-bar", title: `${day.period}: ${day.messages} messages, ${day.attempts} attempts` });
      bar.style.height = `${Math.max(8, Math.round(((day.messages + day.attempts) / most) * 100))}%`;
      if (day.messages + day.attempts === 0) bar.classList.add("zero");
      return bar;
    }),
  );
}
