// #lamps-panel: the busy-lamp panel, one #lamps row per watched extension ([data-extension],
// data-state idle/ringing/busy/unknown). A ringing colleague's row has a .pickup button that
// dials `*8` + the extension, the same code the keypad takes.
import type { App } from "../app";
import { byId, h } from "../dom";
import type { Store } from "../store";

const LABELS = { unknown: "unknown", idle: "free", ringing: "ringing", busy: "on the phone" } as const;

export function mountLamps(app: App, store: Store): void {
  const panel = byId("lamps-panel");
  const list = byId("lamps");
  store.subscribe((state) => {
    panel.hidden = state.lamps.length === 0;
    list.replaceChildren(
      ...state.lamps.map((lamp) => {
        const detail = lamp.caller ? `call from ${lamp.caller}` : (lamp.problem ?? "");
        const pickup = h(
          "button",
          {
            type: "button",
            class: "pickup",
            title: `Pick up the call ringing at ${lamp.extension}`,
            onclick: () => void app.dial({ target: `*8${lamp.extension}`, account: lamp.account }),
          },
          "Pick up",
        );
        pickup.hidden = lamp.state !== "ringing";
        return h(
          "li",
          { class: "lamp", "data-extension": lamp.extension, "data-state": lamp.state, title: detail },
          h("span", { class: "lamp-light", "aria-hidden": "true" }),
          h("span", { class: "lamp-extension" }, lamp.extension),
          h("span", { class: "lamp-state" }, LABELS[lamp.state]),
          h("span", { class: "lamp-detail" }, detail),
          pickup,
        );
      }),
    );
  });
}
