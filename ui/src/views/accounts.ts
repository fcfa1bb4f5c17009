// #accounts: one row per account with its registration state, and why it failed.
import { byId, h } from "../dom";
import { registration } from "../format";
import type { Store } from "../store";

export function mountAccounts(store: Store): void {
  const list = byId("accounts");
  store.subscribe((state, previous) => {
    if (state.status?.accounts === previous.status?.accounts && list.childElementCount > 0) return;
    const accounts = state.status?.accounts ?? [];
    if (!state.status) {
      list.replaceChildren(h("li", { class: "empty" }, "Loading…"));
      return;
    }
    if (accounts.length === 0) {
      list.replaceChildren(h("li", { class: "empty" }, "No accounts: calls go directly to SIP addresses."));
      return;
    }
    list.replaceChildren(
      ...accounts.map((account) =>
        h(
          "li",
          { class: "account", "data-account": account.name, "data-state": account.state, title: account.aor },
          h("span", { class: "dot", "aria-hidden": "true" }),
          h(
            "div",
            { class: "account-text" },
            h(
              "div",
              { class: "account-head" },
              h("span", { class: "account-name" }, account.name),
              h("span", { class: "account-state" }, registration(account.state)),
            ),
            h("div", { class: "account-aor" }, `${account.aor} · ${account.transport.toUpperCase()}`),
            account.state === "failed" && account.reason
              ? h("div", { class: "account-reason" }, account.reason)
              : null,
          ),
        ),
      ),
    );
  });
}
