// The desktop shell: Tauri commands mirroring Backend, and engine events as the Tauri event
// `frontdesk://event`. Command errors arrive as ApiError JSON.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWindow } from "@tauri-apps/api/window";
import { isPermissionGranted, onAction, requestPermission } from "@tauri-apps/plugin-notification";
import { ApiFailure, utcOffsetMinutes, type AudioFormat, type Backend, type ConnectionListener } from "./backend";
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
import type { Notification, Notifier, NotifierPermission } from "./notifier";

export const EVENT_NAME = "frontdesk://event";

export class TauriBackend implements Backend {
  readonly label = "desktop";
  readonly notifier: Notifier = new TauriNotifier();

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
  doNotDisturb(): Promise<DoNotDisturb> {
    return call("do_not_disturb");
  }
  setDoNotDisturb(on: boolean): Promise<DoNotDisturb> {
    return call("set_do_not_disturb", { on });
  }

  inbox(filter: InboxFilter): Promise<InboxEntry[]> {
    return call("inbox", { filter });
  }
  voicemail(id: number): Promise<VoicemailMessage> {
    return call("voicemail", { id });
  }
  markRead(id: number, read: boolean): Promise<InboxEntry> {
    return call("mark_read", { id, read });
  }
  deleteVoicemail(id: number): Promise<void> {
    return call("delete_voicemail", { id });
  }
  exportVoicemail(id: number, dir: string): Promise<ExportedMessage> {
    return call("export_voicemail", { id, dir });
  }
  inboxCounts(mailbox: string | null): Promise<InboxCounts> {
    return call("inbox_counts", { utcOffsetMinutes: utcOffsetMinutes(), mailbox });
  }
  /** The command answers the raw bytes (an ArrayBuffer), not JSON. */
  async voicemailAudio(id: number, format: AudioFormat): Promise<Blob> {
    const bytes = await call<ArrayBuffer>("voicemail_audio", { id, format });
    return new Blob([bytes], { type: format === "wav" ? "audio/wav" : "audio/ogg" });
  }

  contacts(filter: ContactFilter): Promise<ContactEntry[]> {
    return call("contacts", { filter });
  }
  importContacts(request: ContactImportRequest): Promise<ContactImportResult> {
    return call("import_contacts", { request });
  }
  deleteContact(id: number): Promise<void> {
    return call("delete_contact", { id });
  }
  speechModels(): Promise<SpeechModels> {
    return call("speech_models");
  }
  installSpeechModel(request: ModelInstallRequest): Promise<ModelInstallProgress> {
    return call("install_speech_model", { request });
  }

  async subscribe(onEvent: (event: Event) => void, onConnection: ConnectionListener): Promise<() => void> {
    const unlisten = await listen<Event>(EVENT_NAME, (event) => onEvent(event.payload));
    // The engine lives in the same process: the channel cannot drop.
    onConnection(true);
    return unlisten;
  }
}

/**
 * tauri-plugin-notification: the system's notification service (D-Bus on Linux). A click on a
 * notification comes back as the plugin's `actionPerformed` (`tap`), where the notification
 * server reports clicks; it raises the window and runs the notification's `onClick`.
 */
class TauriNotifier implements Notifier {
  /** What a click on each shown notification does, by tag (carried in the notification's `extra`). */
  private readonly clicks = new Map<string, () => void>();
  private listening: Promise<unknown> | null = null;
  private nextId = 1;

  async permission(): Promise<NotifierPermission> {
    try {
      return (await isPermissionGranted()) ? "granted" : "ask";
    } catch {
      return "unsupported";
    }
  }

  async request(): Promise<boolean> {
    try {
      return (await requestPermission()) === "granted";
    } catch {
      return false;
    }
  }

  async show(note: Notification, onClick: () => void): Promise<void> {
    try {
      if (!(await isPermissionGranted())) return;
      // The listener must exist before the notification, or the plugin offers no click.
      this.listening ??= onAction((action: unknown) => void this.clicked(action)).catch((error: unknown) => {
        console.warn("frontdesk: notification clicks will not open messages", error);
      });
      await this.listening;
      this.clicks.set(note.tag, onClick);
      // The plugin's command itself (what its sendNotification fires and forgets), so a
      // missing notification service is caught here instead of an unhandled rejection.
      await invoke("plugin:notification|notify", {
        options: { id: this.nextId++, title: note.title, body: note.body, extra: { tag: note.tag } },
      });
    } catch (error) {
      console.warn("frontdesk: cannot show a notification", error);
    }
  }

  /** `{ actionId: "tap", notification: { extra: { tag } } }` from the plugin. */
  private async clicked(action: unknown): Promise<void> {
    const performed = action as { actionId?: string; notification?: { extra?: { tag?: unknown } } };
    const tag = performed.notification?.extra?.tag;
    const onClick = typeof tag === "string" ? this.clicks.get(tag) : undefined;
    if (performed.actionId !== "tap" || !onClick) return;
    await getCurrentWindow()
      .setFocus()
      .catch(() => {});
    onClick();
  }
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw ApiFailure.from(error, `the desktop command ${command} failed`);
  }
}
