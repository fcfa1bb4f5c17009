// Which backend this page talks to, decided at run time: inside the Tauri webview the IPC
// bridge is there; anywhere else the page was served by the daemon.
import type { Backend } from "./backend";
import { HttpBackend, tokenFromLocation } from "./http";

/** Why no backend could be made, in words that tell the user what to do. */
export class NoBackend extends Error {}

export async function selectBackend(): Promise<Backend> {
  if ("__TAURI_INTERNALS__" in window) {
    // Loaded only in the desktop app, so the browser bundle does not pay for it.
    const { TauriBackend } = await import("./tauri");
    return new TauriBackend();
  }
  const token = tokenFromLocation(window.location, window.sessionStorage);
  if (!token) {
    throw new NoBackend(
      "This page needs the daemon's access token. Open the address that `frontdesk ctl ui-url` prints " +
        "(it ends in #token=…).",
    );
  }
  return new HttpBackend(new URL("/", window.location.href), token);
}
