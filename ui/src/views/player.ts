// The message player: #inbox-play (play/pause), #inbox-seek (a range input), #inbox-time and
// the hidden <audio id="inbox-audio">. The recording is fetched on the first play and played
// from an object URL (the HTTP API needs the token header, which <audio src> cannot send).
// Ogg Opus is asked for where the engine of this webview can decode it, WAV elsewhere; if
// Ogg fails to decode anyway, the player asks once more for WAV.
import type { AudioFormat } from "../api/backend";
import { h } from "../dom";
import { duration } from "../format";
import type { Inbox } from "../inbox";

type PlayerState = "idle" | "loading" | "playing" | "paused" | "ended";

export class Player {
  readonly element: HTMLElement;
  private readonly audio: HTMLAudioElement;
  private readonly button: HTMLButtonElement;
  private readonly seek: HTMLInputElement;
  private readonly time: HTMLElement;
  private id: number | null = null;
  private seconds = 0;
  private url: string | null = null;
  private format: AudioFormat = "ogg";
  /** Where to start when the user moved the bar before the first play. */
  private startAt = 0;
  private dragging = false;

  constructor(private readonly inbox: Inbox) {
    this.audio = h("audio", { id: "inbox-audio", preload: "auto" });
    this.button = h("button", { id: "inbox-play", class: "play", type: "button", "aria-label": "Play", onclick: () => void this.toggle() });
    this.seek = h("input", { id: "inbox-seek", class: "seek", type: "range", min: 0, max: 0, step: "0.01", value: 0, "aria-label": "Position" });
    this.time = h("span", { id: "inbox-time", class: "time" });
    this.element = h("div", { class: "player" }, this.button, this.seek, this.time, this.audio);

    this.seek.addEventListener("input", () => {
      this.dragging = true;
      this.showTime(Number(this.seek.value));
    });
    this.seek.addEventListener("change", () => {
      this.dragging = false;
      const at = Number(this.seek.value);
      if (this.url) this.audio.currentTime = at;
      else this.startAt = at;
    });
    this.audio.addEventListener("timeupdate", () => {
      if (!this.dragging) this.showPosition(this.audio.currentTime);
    });
    this.audio.addEventListener("durationchange", () => {
      if (Number.isFinite(this.audio.duration) && this.audio.duration > 0) {
        this.seconds = this.audio.duration;
        this.seek.max = String(this.seconds);
        this.showPosition(this.audio.currentTime);
      }
    });
    this.audio.addEventListener("play", () => this.setState("playing"));
    this.audio.addEventListener("pause", () => {
      if (!this.audio.ended) this.setState("paused");
    });
    this.audio.addEventListener("ended", () => {
      this.setState("ended");
      this.showPosition(this.seconds);
    });
    this.audio.addEventListener("error", () => void this.failed());
    this.reset(null, 0);
  }

  /** Shows message `id` (`durationMs` long until the audio knows better); stops any other. */
  show(id: number, durationMs: number, hasAudio: boolean): void {
    if (id !== this.id) this.reset(id, durationMs / 1000);
    this.element.hidden = !hasAudio;
  }

  /** Stops playing and lets go of the recording. */
  reset(id: number | null, seconds: number): void {
    delete this.element.dataset.error;
    this.audio.pause();
    this.audio.removeAttribute("src");
    this.audio.load();
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
    this.id = id;
    this.seconds = seconds;
    this.startAt = 0;
    this.format = canPlayOpus(this.audio) ? "ogg" : "wav";
    this.seek.max = String(seconds);
    this.showPosition(0);
    this.setState("idle");
  }

  private async toggle(): Promise<void> {
    if (this.id === null) return;
    if (!this.url) {
      if (this.element.dataset.state === "loading") return;
      await this.load(this.id);
      if (!this.url) return;
    }
    if (this.audio.paused || this.audio.ended) {
      if (this.audio.ended) this.audio.currentTime = 0;
      await this.audio.play().catch((error: unknown) => {
        // A newer click paused it meanwhile (AbortError); anything else leaves the button ready.
        if (!(error instanceof DOMException && error.name === "AbortError")) this.setState("paused");
      });
    } else {
      this.audio.pause();
    }
  }

  private async load(id: number): Promise<void> {
    this.setState("loading");
    const blob = await this.inbox.audio(id, this.format);
    if (this.id !== id) return; // another message was opened meanwhile
    if (!blob) {
      this.setState("idle");
      return;
    }
    this.url = URL.createObjectURL(blob);
    this.audio.src = this.url;
    this.audio.dataset.format = this.format;
    if (this.startAt > 0) this.audio.currentTime = this.startAt;
  }

  /** The webview could not decode the Ogg file: fetch WAV once and play that. */
  private async failed(): Promise<void> {
    if (!this.url || this.id === null) return;
    const id = this.id;
    if (this.format === "wav") {
      this.reset(id, this.seconds);
      this.element.dataset.error = "this recording cannot be played here";
      return;
    }
    URL.revokeObjectURL(this.url);
    this.url = null;
    this.format = "wav";
    await this.load(id);
    if (this.url && this.id === id) await this.audio.play().catch(() => this.setState("paused"));
  }

  private setState(state: PlayerState): void {
    this.element.dataset.state = state;
    const playing = state === "playing";
    this.button.classList.toggle("playing", playing);
    this.button.setAttribute("aria-label", playing ? "Pause" : "Play");
    this.button.title = playing ? "Pause" : "Play";
    this.button.disabled = state === "loading";
  }

  private showPosition(at: number): void {
    this.seek.value = String(at);
    this.showTime(at);
  }

  private showTime(at: number): void {
    this.time.textContent = `${duration(at)} / ${duration(this.seconds)}`;
    // The filled part of the bar, for browsers without a range progress pseudo-element.
    const share = this.seconds > 0 ? Math.min(100, (at / this.seconds) * 100) : 0;
    this.seek.style.setProperty("--progress", `${share}%`);
  }
}

function canPlayOpus(audio: HTMLAudioElement): boolean {
  return audio.canPlayType('audio/ogg; codecs="opus"') !== "";
}
