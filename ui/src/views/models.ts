// The speech model banner #model-setup at the top of the Voicemail tab: shown while the
// voicemail has no Whisper model (messages are recorded without a transcript). It offers
// #model-install ("Install base (about 148 MB)"), shows the download in #model-progress with
// #model-progress-text, a failure in #model-error, and when no SHA-256 is published for the
// model, #model-install-unchecked to install it without the check after the user read why.
// Progress arrives as `model_install` events (forwarded by the app as the window event
// MODEL_INSTALL_EVENT); the banner hides once the voicemail uses a model.
import { ApiFailure, type Backend, type ModelInstallProgress, type SpeechModels } from "../api/backend";
import { byId, h } from "../dom";
import type { Notify } from "./notice";

/** The window event the app turns each `model_install` engine event into. */
export const MODEL_INSTALL_EVENT = "frontdesk-model-install";

export function mountModels(backend: Backend, notify: Notify): { reload: () => Promise<void> } {
  const box = byId("model-setup");
  let models: SpeechModels | null = null;

  const reload = async (): Promise<void> => {
    try {
      models = await backend.speechModels();
    } catch {
      // A backend without voicemail: no banner.
      models = null;
    }
    render();
  };

  const install = async (noVerify: boolean): Promise<void> => {
    if (!models) return;
    try {
      const progress = await backend.installSpeechModel({ name: models.preferred, no_verify: noVerify });
      models = { ...models, install: progress };
      render();
    } catch (error) {
      notify(ApiFailure.from(error, "cannot install the speech model").message);
    }
  };

  const render = (): void => {
    const install_ = models?.install ?? null;
    const downloading = install_?.state === "downloading";
    if (!models || (models.in_use !== null && !downloading)) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    box.hidden = false;
    box.dataset.state = install_?.state ?? "none";
    if (downloading && install_) {
      box.replaceChildren(
        h("span", { class: "model-title" }, `Installing the speech model ${install_.name}…`),
        progressBar(install_),
        h("span", { id: "model-progress-text", class: "model-detail" }, progressText(install_)),
      );
      return;
    }
    const entry = models.models.find((m) => m.name === models?.preferred);
    const size = entry?.approx_mb ? ` (about ${entry.approx_mb} MB)` : "";
    const children: (HTMLElement | string)[] = [
      h("span", { class: "model-title" }, "No speech model is installed: messages are recorded without a transcript."),
      h(
        "button",
        { id: "model-install", type: "button", class: "tool primary", onclick: () => void install(false) },
        `Install ${models.preferred}${size}`,
      ),
    ];
    if (install_?.state === "failed") {
      if (install_.no_digest) {
        children.push(
          h(
            "p",
            { id: "model-error", class: "model-detail problem" },
            `No SHA-256 is published for ${install_.name} at ${models.download_url}, so the download cannot be checked against one. Install it anyway only if you trust that server.`,
          ),
          h(
            "button",
            { id: "model-install-unchecked", type: "button", class: "tool", onclick: () => void install(true) },
            "Install without checking",
          ),
        );
      } else {
        children.push(h("p", { id: "model-error", class: "model-detail problem" }, install_.message ?? "The install failed."));
      }
    }
    box.replaceChildren(...children);
  };

  window.addEventListener(MODEL_INSTALL_EVENT, (event) => {
    const progress = (event as CustomEvent<ModelInstallProgress>).detail;
    if (!models) return;
    models = { ...models, install: progress };
    // Installed: read again which model the voicemail uses now.
    if (progress.state === "installed") void reload();
    else render();
  });
  void reload();
  return { reload };
}

function progressBar(progress: ModelInstallProgress): HTMLProgressElement {
  const bar = h("progress", { id: "model-progress", max: String(progress.total_bytes ?? 1) });
  if (progress.total_bytes) bar.value = progress.done_bytes;
  else bar.removeAttribute("value");
  return bar;
}

function progressText(progress: ModelInstallProgress): string {
  const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;
  if (!progress.total_bytes) return mb(progress.done_bytes);
  const percent = Math.floor((progress.done_bytes * 100) / progress.total_bytes);
  return `${percent} % · ${mb(progress.done_bytes)} of ${mb(progress.total_bytes)}`;
}
