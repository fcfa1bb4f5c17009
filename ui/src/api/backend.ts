// The one interface the views use. Two implementations speak the same contract:
// HttpBackend (daemon's /api/v1 over fetch + WebSocket) and TauriBackend (IPC commands).
import type {
  ApiError,
  CallAction,
  CallInfo,
  DialRequest,
  DoNotDisturb,
  ErrorKind,
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
import type { Notifier } from "./notifier";

export type * from "./generated";
export type { Notifier, Notification } from "./notifier";

/**
 * The recording's container: Ogg Opus as stored (small), or WAV decoded by Frontdesk for
 * webviews without an Opus decoder.
 */
export type AudioFormat = "ogg" | "wav";

/** Called with `true` when the event stream is (re)connected, `false` when it drops. */
export type ConnectionListener = (connected: boolean) => void;

export interface Backend {
  /** A short name for the status bar, e.g. "daemon 127.0.0.1:4100" or "desktop". */
  readonly label: string;
  status(): Promise<Status>;
  dial(request: DialRequest): Promise<CallInfo>;
  answer(call: string | null): Promise<CallInfo>;
  hangup(call: string | null): Promise<CallInfo>;
  /** Any CallAction on a call (answer, hangup, decline, busy). */
  act(call: string | null, action: CallAction): Promise<CallInfo>;
  /** Blind or announced transfer of a call. */
  transfer(call: string | null, request: TransferRequest): Promise<CallInfo>;
  keys(keys: string, call: string | null): Promise<void>;
  calls(): Promise<CallInfo[]>;
  lamps(): Promise<Lamp[]>;
  history(limit: number): Promise<HistoryEntry[]>;
  /** Whether do-not-disturb is on (the voicemail takes every call at once). */
  doNotDisturb(): Promise<DoNotDisturb>;
  /** Switches do-not-disturb (kept across restarts); answers the state after the switch. */
  setDoNotDisturb(on: boolean): Promise<DoNotDisturb>;

  // --- the voicemail inbox ---
  /** Inbox entries matching `filter`, newest first. */
  inbox(filter: InboxFilter): Promise<InboxEntry[]>;
  /** One message with its whole transcript. */
  voicemail(id: number): Promise<VoicemailMessage>;
  /** Marks a message read or unread; answers its row after the change. */
  markRead(id: number, read: boolean): Promise<InboxEntry>;
  /** Deletes a message and its recording. */
  deleteVoicemail(id: number): Promise<void>;
  /** Writes WAV + transcript into `dir` on the machine that runs Frontdesk. */
  exportVoicemail(id: number, dir: string): Promise<ExportedMessage>;
  /** Dashboard counts, days cut at this browser's local midnight; all mailboxes when null. */
  inboxCounts(mailbox: string | null): Promise<InboxCounts>;
  /** The recording's bytes, for an `<audio>` element through an object URL. */
  voicemailAudio(id: number, format: AudioFormat): Promise<Blob>;
  // --- the contact book ---
  /** Contacts matching `filter`, by name. */
  contacts(filter: ContactFilter): Promise<ContactEntry[]>;
  /** Imports a CSV or vCard file; answers the counts and the problems per line. */
  importContacts(request: ContactImportRequest): Promise<ContactImportResult>;
  /** Deletes a contact. */
  deleteContact(id: number): Promise<void>;
  // --- the Whisper speech models ---
  /** The model catalogue, what is installed, and the model the voicemail uses. */
  speechModels(): Promise<SpeechModels>;
  /** Starts installing a model; `model_install` events report the rest. */
  installSpeechModel(request: ModelInstallRequest): Promise<ModelInstallProgress>;

  /** Desktop notifications the way this shell shows them. */
  readonly notifier: Notifier;

  /**
   * Delivers every engine event until the returned function is called. A reconnect reports
   * `true` again; the caller should re-read state then, since events may have been missed.
   */
  subscribe(onEvent: (event: Event) => void, onConnection: ConnectionListener): Promise<() => void>;
}

/** A failed request, always carrying the engine's `ApiError` shape. */
export class ApiFailure extends Error implements ApiError {
  readonly kind: ErrorKind;

  constructor(error: ApiError) {
    super(error.message);
    this.name = "ApiFailure";
    this.kind = error.kind;
  }

  /** Turns whatever a transport threw into an ApiFailure, keeping ApiError bodies intact. */
  static from(thrown: unknown, context: string): ApiFailure {
    if (thrown instanceof ApiFailure) return thrown;
    if (isApiError(thrown)) return new ApiFailure(thrown);
    if (typeof thrown === "string") {
      try {
        const parsed: unknown = JSON.parse(thrown);
        if (isApiError(parsed)) return new ApiFailure(parsed);
      } catch {
        // Not JSON: use the text as the message below.
      }
      return new ApiFailure({ kind: "internal", message: `${context}: ${thrown}` });
    }
    const detail = thrown instanceof Error ? thrown.message : String(thrown);
    return new ApiFailure({ kind: "unavailable", message: `${context}: ${detail}` });
  }
}

const KINDS: readonly ErrorKind[] = ["bad_request", "not_found", "conflict", "unavailable", "internal"];

/** Minutes to add to UTC for local time now (the inverse of `getTimezoneOffset`). */
export function utcOffsetMinutes(now = new Date()): number {
  return -now.getTimezoneOffset();
}

export function isApiError(value: unknown): value is ApiError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.message === "string" && KINDS.includes(v.kind as ErrorKind);
}
