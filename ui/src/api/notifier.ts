// Desktop notifications behind one small interface: the browser's Web Notifications API for the
// page the daemon serves, tauri-plugin-notification in the desktop app (see tauri.ts).

/** What a notification says; `tag` replaces an earlier one with the same tag instead of stacking. */
export interface Notification {
  title: string;
  body: string;
  tag: string;
}

/**
 * `granted`: notifications show; `ask`: the user has not decided yet (browsers only ask after a
 * click, so the page offers a button); `denied`: the user said no; `unsupported`: there is no
 * notification service here.
 */
export type NotifierPermission = "granted" | "ask" | "denied" | "unsupported";

export interface Notifier {
  permission(): Promise<NotifierPermission>;
  /** Asks the user (call it from a click handler); answers whether notifications may show. */
  request(): Promise<boolean>;
  /**
   * Shows `note`; `onClick` runs when the user clicks it, where the platform reports clicks.
   * Failures are logged, never thrown: a missing notification service must not break the page.
   */
  show(note: Notification, onClick: () => void): Promise<void>;
}

/** The Web Notifications API; clicking a notification focuses the tab and runs `onClick`. */
export class WebNotifier implements Notifier {
  async permission(): Promise<NotifierPermission> {
    if (!("Notification" in window)) return "unsupported";
    switch (window.Notification.permission) {
      case "granted":
        return "granted";
      case "denied":
        return "denied";
      default:
        return "ask";
    }
  }

  async request(): Promise<boolean> {
    if (!("Notification" in window)) return false;
    try {
      return (await window.Notification.requestPermission()) === "granted";
    } catch (error) {
      console.warn("frontdesk: notification permission request failed", error);
      return false;
    }
  }

  async show(note: Notification, onClick: () => void): Promise<void> {
    if ((await this.permission()) !== "granted") return;
    try {
      const shown = new window.Notification(note.title, { body: note.body, tag: note.tag });
      shown.onclick = () => {
        window.focus();
        shown.close();
        onClick();
      };
    } catch (error) {
      // Some browsers allow notifications only from a service worker; the inbox badge remains.
      console.warn("frontdesk: cannot show a notification", error);
    }
  }
}
