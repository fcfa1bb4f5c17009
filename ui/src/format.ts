// How values read to a receptionist: names before numbers, short times, plain-word outcomes.
import type { CallInfo, CallState, HistoryEntry, InboxEntry, RegistrationState } from "./api/backend";

export function who(party: Pick<CallInfo, "remote_name" | "remote_display" | "remote_uri">): string {
  return party.remote_name?.trim() || party.remote_display || party.remote_uri;
}

/** The secondary line under a name: the number when it adds something, else the address. */
export function detail(party: Pick<CallInfo, "remote_name" | "remote_display" | "remote_uri">): string {
  const name = party.remote_name?.trim();
  if (name && party.remote_display && party.remote_display !== name) return party.remote_display;
  return party.remote_uri;
}

/** `m:ss`, or `h:mm:ss` for long calls. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return hh > 0 ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

/** Today: `14:05`; earlier: `12 Mar 14:05`. */
export function when(millis: number, now = Date.now()): string {
  const date = new Date(millis);
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (new Date(now).toDateString() === date.toDateString()) return time;
  return `${date.toLocaleDateString([], { day: "numeric", month: "short" })} ${time}`;
}

const CALL_STATES: Record<CallState, string> = {
  dialing: "Calling…",
  ringing: "Ringing",
  incoming: "Incoming",
  active: "Connected",
  ended: "Ended",
};

export function callState(state: CallState): string {
  return CALL_STATES[state];
}

const REGISTRATION: Record<RegistrationState, string> = {
  disabled: "Not registering",
  registering: "Connecting…",
  registered: "Online",
  failed: "Offline",
  unregistered: "Signed out",
};

export function registration(state: RegistrationState): string {
  return REGISTRATION[state];
}

/** The engine's stable end reasons in words; unknown ones are shown as they are. */
export function endReason(entry: Pick<HistoryEntry, "end_reason" | "direction" | "answered_at">): string {
  const reason = entry.end_reason ?? "";
  switch (reason) {
    case "local_hangup":
      return "You hung up";
    case "remote_hangup":
      return "Caller hung up";
    case "cancelled":
      return entry.direction === "incoming" ? "Missed" : "Cancelled";
    case "declined":
      return "Declined";
    case "busy":
      return "Busy";
    case "no_answer":
      return "No answer";
    case "error":
      return "Failed";
    case "":
      return entry.answered_at ? "Ended" : "—";
  }
  const failed = /^failed:(\d+)$/.exec(reason);
  return failed ? `Failed (${failed[1]})` : reason;
}

/** True for outcomes a receptionist should notice: unanswered incoming calls and failures. */
export function isProblem(entry: Pick<HistoryEntry, "end_reason" | "direction" | "answered_at">): boolean {
  const reason = entry.end_reason ?? "";
  if (entry.direction === "incoming" && !entry.answered_at) return true;
  return reason === "error" || reason === "busy" || reason.startsWith("failed:");
}

/** Who left a voicemail, as the inbox shows it. */
export interface Caller {
  /** The contact, else the name the caller sent, else the number, else "Unknown caller". */
  name: string;
  /** The number when the name is not the number. */
  number: string;
  /** 0–100 when the contact was guessed from the transcript; null when certain or unknown. */
  guessedPercent: number | null;
}

export function callerOf(
  entry: Pick<InboxEntry, "contact_name" | "contact_confidence" | "caller_name" | "caller_display" | "caller_number">,
): Caller {
  const number = entry.caller_display || entry.caller_number;
  const name = entry.contact_name?.trim() || entry.caller_name?.trim() || number || "Unknown caller";
  const confidence = entry.contact_name ? entry.contact_confidence : null;
  return {
    name,
    number: name === number ? "" : number,
    guessedPercent: confidence !== null && confidence < 1 ? Math.round(confidence * 100) : null,
  };
}

/** `invoice` → `Invoice`; the engine's category names are lower case words. */
export function categoryLabel(category: string): string {
  return category ? category.charAt(0).toUpperCase() + category.slice(1) : "General";
}
