// #incoming: the prompt shown while a call rings here, with #incoming-answer and
// #incoming-busy (486) and #incoming-decline (603). With several ringing calls it offers the oldest first.
import type { App } from "../app";
import { byId } from "../dom";
import { detail, who } from "../format";
import type { Store } from "../store";

export function mountIncoming(app: App, store: Store): void {
  const panel = byId("incoming");
  const name = byId("incoming-name");
  const number = byId("incoming-detail");
  const more = byId("incoming-more");
  const answer = byId<HTMLButtonElement>("incoming-answer");
  const decline = byId<HTMLButtonElement>("incoming-decline");
  const busy = byId<HTMLButtonElement>("incoming-busy");
  const buttons = [answer, decline, busy];
  const enable = (on: boolean) => buttons.forEach((b) => (b.disabled = !on));
  let current: string | null = null;

  store.subscribe((state) => {
    const ringing = state.calls.filter((c) => c.state === "incoming");
    const call = ringing[0];
    panel.hidden = !call;
    if (!call) {
      current = null;
      return;
    }
    if (current !== call.id) {
      current = call.id;
      enable(true);
    }
    panel.dataset.callId = call.id;
    name.textContent = who(call);
    number.textContent = [detail(call), call.account ? `on ${call.account}` : null].filter(Boolean).join(" · ");
    more.textContent = ringing.length > 1 ? `${ringing.length - 1} more waiting` : "";
  });

  const act = async (action: (id: string) => Promise<boolean>) => {
    if (!current) return;
    enable(false);
    const ok = await action(current);
    if (!ok) enable(true);
  };
  answer.addEventListener("click", () => void act((id) => app.answer(id)));
  decline.addEventListener("click", () => void act((id) => app.act(id, "decline")));
  busy.addEventListener("click", () => void act((id) => app.act(id, "busy")));
}
