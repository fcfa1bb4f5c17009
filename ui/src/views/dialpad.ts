// The dial pad: a target field (#dial-target), the keys ([data-key]) and #dial-button.
// Typing anywhere on the page (outside other fields) goes to the target; Enter dials.
import type { App } from "../app";
import { byId, h } from "../dom";
import type { Store } from "../store";
import { flash, keyGrid } from "./keys";

/** Characters a target may be typed with from the keyboard outside the field. */
const TYPABLE = /^[0-9*#+]$/;

export function mountDialpad(app: App, store: Store): void {
  const form = byId<HTMLFormElement>("dial-form");
  const target = byId<HTMLInputElement>("dial-target");
  const button = byId<HTMLButtonElement>("dial-button");
  const account = byId<HTMLSelectElement>("dial-account");
  const pad = byId("keypad");

  const sync = () => {
    button.disabled = target.value.trim() === "";
  };
  const append = (key: string) => {
    target.value += key;
    sync();
  };
  pad.replaceChildren(keyGrid("data-key", append));

  let busy = false;
  const dial = async () => {
    const value = target.value.trim();
    if (!value || busy) return;
    busy = true;
    button.disabled = true;
    const ok = await app.dial({ target: value, account: account.value || null });
    busy = false;
    if (ok) target.value = "";
    sync();
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void dial();
  });
  target.addEventListener("input", sync);
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || isField(event.target)) return;
    if (TYPABLE.test(event.key)) {
      append(event.key);
      flash(pad.querySelector(`[data-key="${CSS.escape(event.key)}"]`));
    } else if (event.key === "Backspace") {
      target.value = target.value.slice(0, -1);
      sync();
    } else if (event.key === "Enter" && !(event.target instanceof HTMLButtonElement)) {
      void dial();
    } else if (event.key === "Escape") {
      target.value = "";
      sync();
    } else {
      return;
    }
    event.preventDefault();
  });

  // The account choice appears only when there is a choice to make.
  store.subscribe((state, previous) => {
    if (state.status?.accounts === previous.status?.accounts && account.options.length > 0) return;
    const names = state.status?.accounts.map((a) => a.name) ?? [];
    const chosen = account.value;
    account.replaceChildren(
      h("option", { value: "" }, "First online account"),
      ...names.map((name) => h("option", { value: name }, name)),
    );
    account.value = names.includes(chosen) ? chosen : "";
    account.hidden = names.length < 2;
  });
  sync();
}

function isField(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}
