// The daemon's control API, for the page the daemon serves itself (same origin).
// Requests carry `Authorization: Bearer`; the WebSocket, which cannot set headers, `?token=`.
import { ApiFailure, isApiError, type Backend, type ConnectionListener } from "./backend";
import type { CallAction, CallInfo, DialRequest, Event, HistoryEntry, Lamp, Status, TransferRequest } from "./generated";

/** Reconnect delays for the event socket: quick at first, then every few seconds. */
const RECONNECT_MS = [250, 500, 1000, 2000, 4000];

export class HttpBackend implements Backend {
  readonly label: string;

  constructor(
    private readonly base: URL,
    private readonly token: string,
  ) {
    this.label = `daemon ${base.host}`;
  }

  status(): Promise<Status> {
    return this.request("GET", "status");
  }
  dial(request: DialRequest): Promise<CallInfo> {
    return this.request("POST", "calls", request);
  }
  answer(call: string | null): Promise<CallInfo> {
    return this.request("POST", `calls/${callPath(call)}/answer`);
  }
  hangup(call: string | null): Promise<CallInfo> {
    return this.request("POST", `calls/${callPath(call)}/hangup`);
  }
  act(call: string | null, action: CallAction): Promise<CallInfo> {
    return this.request("POST", `calls/${callPath(call)}/${action}`);
  }
  transfer(call: string | null, request: TransferRequest): Promise<CallInfo> {
    return this.request("POST", `calls/${callPath(call)}/transfer`, request);
  }
  async keys(keys: string, call: string | null): Promise<void> {
    await this.request("POST", `calls/${callPath(call)}/keys`, { keys });
  }
  lamps(): Promise<Lamp[]> {
    return this.request("GET", "blf");
  }
  calls(): Promise<CallInfo[]> {
    return this.request("GET", "calls");
  }
  history(limit: number): Promise<HistoryEntry[]> {
    return this.request("GET", `history?limit=${limit}`);
  }

  async subscribe(onEvent: (event: Event) => void, onConnection: ConnectionListener): Promise<() => void> {
    const url = new URL("api/v1/events/ws", this.base);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("token", this.token);
    let socket: WebSocket | null = null;
    let stopped = false;
    let attempt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const connect = () => {
      const ws = new WebSocket(url);
      socket = ws;
      ws.onopen = () => {
        attempt = 0;
        onConnection(true);
      };
      ws.onmessage = (message) => {
        try {
          onEvent(JSON.parse(String(message.data)) as Event);
        } catch (error) {
          console.error("frontdesk: an event was not JSON", message.data, error);
        }
      };
      ws.onclose = () => {
        if (stopped) return;
        onConnection(false);
        const delay = RECONNECT_MS[Math.min(attempt++, RECONNECT_MS.length - 1)];
        timer = setTimeout(connect, delay);
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket?.close();
    };
  }

  /** One JSON request; any failure becomes an ApiFailure with a message for the user. */
  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(`api/v1/${path}`, this.base), {
        method,
        headers: {
          Authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
      });
    } catch (error) {
      throw ApiFailure.from(error, `the Frontdesk daemon at ${this.base.host} does not answer`);
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.ok) return parsed as T;
    if (isApiError(parsed)) throw new ApiFailure(parsed);
    throw new ApiFailure({
      kind: "internal",
      message: `the daemon answered ${response.status} ${response.statusText} to ${method} ${path}`,
    });
  }
}

/** `current` is the API's name for "the obvious call". */
function callPath(call: string | null): string {
  return call === null ? "current" : encodeURIComponent(call);
}

/** Where the token comes from: the page URL's fragment `#token=…` (the daemon logs that URL). */
export function tokenFromLocation(location: Location, storage: Storage): string | null {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const token = fragment.get("token");
  if (token) {
    // Keep it for reloads of this tab, and take it out of the address bar.
    storage.setItem("frontdesk-token", token);
    history.replaceState(null, "", location.pathname + location.search);
    return token;
  }
  return storage.getItem("frontdesk-token");
}
