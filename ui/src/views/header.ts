// The top bar: where the engine listens for SIP, and whether the event stream is live.
import { byId } from "../dom";
import type { Store } from "../store";

export function mountHeader(store: Store, backendLabel: string): void {
  const listening = byId("status-listening");
  const connection = byId("connection");
  const version = byId("version");
  store.subscribe((state) => {
    const addresses = state.status?.listening ?? [];
    listening.textContent = addresses.length ? addresses.join("  ·  ") : "not listening";
    listening.title = "SIP listen addresses";
    version.textContent = state.status ? `v${state.status.version} · ${backendLabel}` : backendLabel;
    connection.dataset.connected = String(state.connected);
    connection.textContent = state.connected ? "Live" : "Reconnecting…";
  });
}
