import type { HeartbeatAnswer } from "./types.js";

/** Options of a {@link Heartbeat}. */
export interface HeartbeatOptions {
  /** Seconds between beats (default: a third of the server's timeout, from its answer). */
  interval?: number;
  /** The host's game can name the guests it sees; called before every beat. */
  players?: () => string[] | undefined;
  /** Called with a failed beat's error (the heartbeat keeps going). */
  onError?: (error: unknown) => void;
}

/**
 * Keeps a session alive while the tab or process lives: a heartbeat now, then one every
 * `interval`, and one at once when a hidden tab becomes visible again (browsers slow timers in
 * background tabs). The timer never keeps a Node process alive by itself. `stop()` ends it.
 */
export class Heartbeat {
  /** The last answer of the server. */
  last: HeartbeatAnswer | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private readonly onVisible = () => {
    if (globalThis.document?.visibilityState === "visible") void this.beat();
  };

  constructor(
    private readonly send: (players?: string[]) => Promise<HeartbeatAnswer>,
    private readonly options: HeartbeatOptions = {},
  ) {
    globalThis.document?.addEventListener?.("visibilitychange", this.onVisible);
    void this.beat();
  }

  /** Send a beat now (and restart the interval). */
  async beat(): Promise<void> {
    if (this.stopped) return;
    try {
      this.last = await this.send(this.options.players?.());
    } catch (error) {
      this.options.onError?.(error);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const seconds = this.options.interval ?? (this.last ? this.last.timeout / 3 : 5);
    const timer = setTimeout(() => void this.beat(), seconds * 1000);
    (timer as { unref?: () => void }).unref?.();
    this.timer = timer;
  }

  /** Stop beating. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    globalThis.document?.removeEventListener?.("visibilitychange", this.onVisible);
  }
}
