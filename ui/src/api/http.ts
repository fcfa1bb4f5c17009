// The daemon's control API, for the page the daemon serves itself (same origin).
// Requests carry `Authorization: Bearer`; the WebSocket, which cannot set headers, `?token=`.
import { ApiFailure, isApiError, utcOffsetMinutes, type AudioFormat, type Backend, type ConnectionListener } from "./backend";
import type {
  CallAction,
  CallInfo,
  DialRequest,
  DoNotDisturb,
  Event,
  ExportedMessage,
  HistoryEntry,
  InboxCounts,
  InboxEntry,
  InboxFilter,
  Lamp,
  Status,
  TransferRequest,
  VoicemailMessage,
} from "./generated";
import type { ContactEntry, ContactFilter, ContactImportRequest, ContactImportResult } from "./generated";
import type { ModelInstallProgress, ModelInstallRequest, SpeechModels } from "./generated";
import { WebNotifier, type Notifier } from "./notifier";

/** Reconnect delays for the event socket: quick at first, then every few seconds. */
const RECONNECT_MS = [250, 500, 1000, 2000, 4000];

export class HttpBackend implements Backend {
  readonly label: string;
  readonly notifier: Notifier = new WebNotifier();

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
  doNotDisturb(): Promise<DoNotDisturb> {
    return this.request("GET", "dnd");
  }
  setDoNotDisturb(on: boolean): Promise<DoNotDisturb> {
    return this.request("PUT", "dnd", { on });
  }

  inbox(filter: InboxFilter): Promise<InboxEntry[]> {
    return this.request("GET", `inbox${query(filter)}`);
  }
  voicemail(id: number): Promise<VoicemailMessage> {
    return this.request("GET", `inbox/${id}`);
  }
  markRead(id: number, read: boolean): Promise<InboxEntry> {
    return this.request("POST", `inbox/${id}/${read ? "read" : "unread"}`);
  }
  async deleteVoicemail(id: number): Promise<void> {
    await this.request("DELETE", `inbox/${id}`);
  }
  exportVoicemail(id: number, dir: string): Promise<ExportedMessage> {
    return this.request("POST", `inbox/${id}/export`, { dir });
  }
  inboxCounts(mailbox: string | null): Promise<InboxCounts> {
    return this.request("GET", `inbox/counts${query({ utc_offset: utcOffsetMinutes(), mailbox })}`);
  }
  /**
   * Fetched with the token header (an `<audio src>` could not send it, and the token stays out
   * of URLs); the page plays the Blob through an object URL.
   */
  async voicemailAudio(id: number, format: AudioFormat): Promise<Blob> {
    const path = `inbox/${id}/audio${format === "wav" ? "?format=wav" : ""}`;
    const response = await this.send("GET", path);
    if (response.ok) return response.blob();
    throw await failure(response, "GET", path);
  }

  contacts(filter: ContactFilter): Promise<ContactEntry[]> {
    return this.request("GET", `contacts${query(filter)}`);
  }
  importContacts(request: ContactImportRequest): Promise<ContactImportResult> {
    return this.request("POST", "contacts/import", request);
  }
  async deleteContact(id: number): Promise<void> {
    await this.request("DELETE", `contacts/${id}`);
  }
  speechModels(): Promise<SpeechModels> {
    return this.request("GET", "models");
  }
  installSpeechModel(request: ModelInstallRequest): Promise<ModelInstallProgress> {
    return this.request("POST", "models/install", request);
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
    const response = await this.send(method, path, body);
    if (response.status === 204) return undefined as T;
    if (!response.ok) throw await failure(response, method, path);
    const text = await response.text();
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new ApiFailure({ kind: "internal", message: `the daemon's answer to ${method} ${path} is not JSON` });
    }
  }

  /** Sends one authenticated request; only a network failure throws. */
  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(new URL(`api/v1/${path}`, this.base), {
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
  }
}

/** The ApiError in a failed response's body, or one naming the status. */
async function failure(response: Response, method: string, path: string): Promise<ApiFailure> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await response.text());
  } catch {
    parsed = undefined;
  }
  if (isApiError(parsed)) return new ApiFailure(parsed);
  return new ApiFailure({
    kind: "internal",
    message: `the daemon answered ${response.status} ${response.statusText} to ${method} ${path}`,
  });
}

/** `?a=1&b=x` from the set values of `params` (undefined and null are left out). */
function query(params: object): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
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
