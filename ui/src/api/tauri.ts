// The desktop shell: Tauri commands mirroring Backend, and engine events as the Tauri event
// `frontdesk://event`. Command errors arrive as ApiError JSON.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { ApiFailure, type Backend, type ConnectionListener } from "./backend";
import type { CallAction, CallInfo, DialRequest, Event, HistoryEntry, Lamp, Status, TransferRequest } from "./generated";

export const EVENT_NAME = "frontdesk://event";

export class TauriBackend implements Backend {
  readonly label = "desktop";

  status(): Promise<Status> {
    return call("status");
  }
  dial(request: DialRequest): Promise<CallInfo> {
    return call("dial", { request });
  }
  answer(callId: string | null): Promise<CallInfo> {
    return call("answer", { call: callId });
  }
  hangup(callId: string | null): Promise<CallInfo> {
    return call("hangup", { call: callId });
  }
  act(callId: string | null, action: CallAction): Promise<CallInfo> {
    return call("act", { call: callId, action });
  }
  transfer(callId: string | null, request: TransferRequest): Promise<CallInfo> {
    return call("transfer", { call: callId, request });
  }
  keys(keys: string, callId: string | null): Promise<void> {
    return call("keys", { keys, call: callId });
  }
  lamps(): Promise<Lamp[]> {
    return call("lamps");
  }
  calls(): Promise<CallInfo[]> {
    return call("calls");
  }
  history(limit: number): Promise<HistoryEntry[]> {
    return call("history", { limit });
  }

  async subscribe(onEvent: (event: Event) => void, onConnection: ConnectionListener): Promise<() => void> {
    const unlisten = await listen<Event>(EVENT_NAME, (event) => onEvent(event.payload));
    // The engine lives in the same process: the channel cannot drop.
    onConnection(true);
    return unlisten;
  }
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw ApiFailure.from(error, `the desktop command ${command} failed`);
  }
}
