// The twelve telephone keys, shared by the dial pad and the in-call keypad.
import { h } from "../dom";

export const KEYS: readonly (readonly [string, string])[] = [
  ["1", ""], ["2", "ABC"], ["3", "DEF"],
  ["4", "GHI"], ["5", "JKL"], ["6", "MNO"],
  ["7", "PQRS"], ["8", "TUV"], ["9", "WXYZ"],
  ["*", ""], ["0", "+"], ["#", ""],
];

/** A 3x4 grid of key buttons; `attribute` is `data-key` (dial pad) or `data-dtmf` (calls). */
export function keyGrid(attribute: string, onKey: (key: string) => void, className = "keypad"): HTMLElement {
  return h(
    "div",
    { class: className, role: "group", "aria-label": "Keypad" },
    ...KEYS.map(([key, letters]) =>
      h(
        "button",
        { type: "button", class: "key", [attribute]: key, onclick: () => onKey(key) },
        h("span", { class: "key-digit" }, key),
        h("span", { class: "key-letters" }, letters),
      ),
    ),
  );
}

/** Briefly highlights a key, so typed digits give the same feedback as clicked ones. */
export function flash(button: Element | null): void {
  if (!button) return;
  button.classList.add("pressed");
  setTimeout(() => button.classList.remove("pressed"), 140);
}
