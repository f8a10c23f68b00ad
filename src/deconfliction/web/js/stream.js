// The party's stream: WS /v1/stream, authenticated with the token offered as a subprotocol
// (never in the URL). A lost connection shows the banner and reconnects with ?after= the
// last event seen, so nothing is missed; nothing polls.

import { session } from "./api.js";
import { t } from "./i18n.js";

export const PROTOCOL = "deconfliction.v1";

export class Stream {
  /** `onEvent(event)` for each event; `onResync()` when the events since the last one seen
   * cannot be asked for (none seen yet): the caller reloads its state instead. */
  constructor({ lastSeq, onEvent, onResync, onState }) {
    this.lastSeq = lastSeq;
    this.onEvent = onEvent;
    this.onResync = onResync;
    this.onState = onState;
    this.delay = 500;
    this.stopped = false;
    this.everOpen = false;
  }

  start() {
    const base = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/v1/stream`;
    const url = this.lastSeq() === null ? base : `${base}?after=${this.lastSeq()}`;
    const socket = new WebSocket(url, [PROTOCOL, `bearer.${session.token}`]);
    this.socket = socket;
    socket.onopen = () => {
      this.delay = 500;
      const resumed = this.everOpen;
      this.everOpen = true;
      this.onState("open", resumed);
      if (this.resyncPending) {
        this.resyncPending = false;
        this.onResync(); // after the socket is open: nothing falls between the two
      }
      this.heartbeat = setInterval(() => socket.send('{"type":"ping"}'), 20000);
    };
    socket.onmessage = (message) => this.onEvent(JSON.parse(message.data));
    socket.onclose = (close) => {
      clearInterval(this.heartbeat);
      if (this.stopped) return;
      if (close.code === 4401 || close.code === 4403) {
        this.onState("refused", close.reason);
        return;
      }
      this.onState("lost");
      if (this.lastSeq() === null) this.resyncPending = true;
      setTimeout(() => this.start(), this.delay);
      this.delay = Math.min(this.delay * 2, 10000);
    };
  }

  stop() {
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.socket?.close(1000);
  }
}

export function bannerText(state) {
  return state === "refused" ? t("stream_refused") : t("stream_lost");
}
