// The top bar: where the engine listens for SIP, the do-not-disturb switch, and whether the
// event stream is live.
import type { App } from "../app";
import { byId } from "../dom";
import type { Store } from "../store";

export function mountHeader(app: App, store: Store, backendLabel: string): void {
  const listening = byId("status-listening");
  const dnd = byId<HTMLButtonElement>("dnd");
  const connection = byId("connection");
  const version = byId("version");
  dnd.addEventListener("click", async () => {
    const on = store.state.status?.do_not_disturb;
    if (on === undefined) return;
    dnd.disabled = true;
    await app.setDoNotDisturb(!on);
    dnd.disabled = false;
  });
  store.subscribe((state) => {
    const addresses = state.status?.listening ?? [];
    listening.textContent = addresses.length ? addresses.join("  ·  ") : "not listening";
    listening.title = "SIP listen addresses";
    const on = state.status?.do_not_disturb ?? false;
    dnd.hidden = state.status === null;
    dnd.dataset.on = String(on);
    dnd.setAttribute("aria-pressed", String(on));
    dnd.title = on
      ? "Do not disturb is on: the voicemail takes every call at once. Click to let calls ring."
      : "Do not disturb is off: calls ring. Click to send every call to the voicemail.";
    version.textContent = state.status ? `v${state.status.version} · ${backendLabel}` : backendLabel;
    connection.dataset.connected = String(state.connected);
    connection.textContent = state.connected ? "Live" : "Reconnecting…";
  });
}
