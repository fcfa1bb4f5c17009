// #notice: one message at a time (ApiError.message or an engine notice). Click dismisses;
// it also fades after a while, since a stale error next to a working screen misleads.
import { byId } from "../dom";

const SHOW_MS = 12_000;

/** Shows a message; `sticky` ones (nothing else on the page works) stay until clicked. */
export type Notify = (message: string, sticky?: boolean) => void;

export function mountNotice(): Notify {
  const notice = byId("notice");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hide = () => {
    notice.hidden = true;
    notice.textContent = "";
  };
  notice.addEventListener("click", hide);
  return (message, sticky = false) => {
    notice.textContent = message;
    notice.hidden = false;
    clearTimeout(timer);
    if (!sticky) timer = setTimeout(hide, SHOW_MS);
  };
}
