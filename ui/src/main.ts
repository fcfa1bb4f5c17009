// Entry point: pick the backend (Tauri IPC or the daemon's HTTP API), then mount the views.
import "./style.css";
import { App } from "./app";
import { byId } from "./dom";
import { Inbox } from "./inbox";
import { selectBackend } from "./api/select";
import { Store } from "./store";
import { mountAccounts } from "./views/accounts";
import { mountCalls } from "./views/calls";
import { mountContacts } from "./views/contacts";
import { mountDialpad } from "./views/dialpad";
import { mountHeader } from "./views/header";
import { mountHistory } from "./views/history";
import { mountInbox } from "./views/inbox";
import { mountIncoming } from "./views/incoming";
import { mountLamps } from "./views/lamps";
import { mountModels } from "./views/models";
import { mountNotice } from "./views/notice";
import { mountTabs } from "./views/tabs";

async function main(): Promise<void> {
  const notify = mountNotice();
  let backend;
  try {
    backend = await selectBackend();
  } catch (error) {
    notify(error instanceof Error ? error.message : String(error), true);
    byId("connection").textContent = "Not connected";
    return;
  }
  const store = new Store();
  const inbox = new Inbox(backend, store, notify);
  const app = new App(backend, store, notify, inbox);
  mountHeader(app, store, backend.label);
  mountAccounts(store);
  mountDialpad(app, store);
  mountIncoming(app, store);
  mountCalls(app, store);
  mountLamps(app, store);
  mountHistory(store);
  mountTabs(store);
  mountInbox(inbox, store);
  mountContacts(backend, store, notify);
  mountModels(backend, notify);
  await app.start();
  document.body.dataset.ready = "true";
}

void main();
