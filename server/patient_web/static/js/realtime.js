// @ts-check
// The realtime socket (protocol in server/api/realtime.py): the token goes in the first frame,
// never in the URL; a reconnect resumes after the last event seen, so nothing is missed.
import { clearSession, getSession, isSigningOut, setLastSeq } from "./session.js";
/** @import { EventData, IncomingFrame, OutgoingFrame } from "./types.js" */

/** @typedef {"connecting" | "connected" | "offline"} SocketStatus */

const AUTH_CODES = new Set(["invalid_token", "session_expired", "session_revoked", "unauthenticated"]);
const DELAYS = [1000, 2000, 5000, 10000, 20000];

export class Realtime {
  /**
   * @param {object} options
   * @param {string} options.userId
   * @param {number} options.startSeq  events after this sequence number are delivered
   * @param {(event: string, data: EventData) => void} options.onEvent
   * @param {(status: SocketStatus) => void} [options.onStatus]
   * @param {() => void} [options.onSessionEnded]
   * @param {() => void} [options.onReset]  the server no longer holds the events after ours
   *   (older than its resume window, or a restored database): the page reloads its state
   */
  constructor({ userId, startSeq, onEvent, onStatus, onSessionEnded, onReset }) {
    this.userId = userId;
    this.seq = startSeq || 0;
    this.onEvent = onEvent;
    this.onStatus = onStatus || (() => {});
    this.onSessionEnded = onSessionEnded || (() => {});
    this.onReset = onReset || (() => location.reload());
    /** @type {Map<string, (frame: IncomingFrame) => void>} */
    this.frameHandlers = new Map();
    /** @type {WebSocket | null} */
    this.ws = null;
    this.attempt = 0;
    this.stopped = true;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    this.authFailed = false;
    this.received = 0; // frames received on any socket (a probe checks that it moves)
    this.probing = false;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000);
    this.ws = null;
  }

  /**
   * Frames that are not persisted events (call signaling, presence) go to a handler by type.
   * @param {string} type
   * @param {(frame: IncomingFrame) => void} handler
   */
  onFrame(type, handler) {
    this.frameHandlers.set(type, handler);
  }

  /**
   * @param {OutgoingFrame} frame
   * @returns {boolean}  false when the socket is not open (the frame is dropped)
   */
  send(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  /**
   * Check that the socket still carries frames, and replace it at once when it does not: after
   * a change of network (a phone leaving Wi-Fi) or an outage, a TCP connection may look open and
   * never deliver again until long timeouts, and a new one may wait seconds for its SYN to be
   * retried. A ping goes out; if nothing at all arrives within `limitMs`, a new socket is opened
   * now (the retry delay, if one was pending, is skipped).
   * @param {number} limitMs
   */
  probe(limitMs) {
    if (this.stopped || this.probing) return;
    const ws = this.ws;
    if (!ws) {
      clearTimeout(this.timer);
      this.attempt = 0;
      this.connect();
      return;
    }
    const seen = this.received;
    this.probing = true;
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ping" }));
    setTimeout(() => {
      this.probing = false;
      if (ws !== this.ws || this.received !== seen || this.stopped) return; // replaced, or alive
      this.ws = null; // its close event is ignored from now on (see closed())
      ws.close();
      this.attempt = 0;
      this.onStatus("offline");
      this.connect();
    }, limitMs);
  }

  connect() {
    const session = getSession();
    if (!session) {
      if (!isSigningOut()) this.onSessionEnded();
      return;
    }
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}/api/v1/ws`);
    this.ws = ws;
    this.authFailed = false;
    this.onStatus("connecting");
    ws.addEventListener("open", () => {
      ws.send(JSON.stringify({ type: "auth", token: session.token, last_seq: this.seq }));
    });
    ws.addEventListener("message", (message) => this.handle(message.data));
    ws.addEventListener("close", (closed) => this.closed(ws, closed));
  }

  /** @param {unknown} raw  a text frame */
  handle(raw) {
    this.received += 1;
    /** @type {IncomingFrame} */
    let frame;
    try {
      frame = JSON.parse(String(raw));
    } catch {
      return;
    }
    if (!frame || typeof frame.type !== "string") return;
    if (frame.type === "ready") {
      this.attempt = 0;
      if (frame.reset) {
        // Resume from the server's numbering; what we missed is read again over REST.
        this.seq = frame.seq ?? 0;
        setLastSeq(this.userId, this.seq);
        this.onReset();
      }
      this.onStatus("connected");
    } else if (frame.type === "ping") {
      this.send({ type: "pong" });
    } else if (frame.type === "event") {
      const seq = frame.seq ?? 0;
      if (seq <= this.seq) return; // already seen (a resume may overlap what REST loaded)
      this.seq = seq;
      setLastSeq(this.userId, seq);
      this.onEvent(frame.event ?? "", frame.data ?? {});
    } else if (frame.type === "error" && AUTH_CODES.has(frame.code ?? "")) {
      this.authFailed = true;
    } else {
      this.frameHandlers.get(frame.type)?.(frame);
    }
  }

  /**
   * @param {WebSocket} ws
   * @param {CloseEvent} event
   */
  closed(ws, event) {
    if (ws !== this.ws) return;
    this.ws = null;
    if (this.stopped || isSigningOut()) return;
    if (event.code === 4401 || this.authFailed) {
      clearSession();
      this.onSessionEnded();
      return;
    }
    this.onStatus("offline");
    const delay = DELAYS[Math.min(this.attempt, DELAYS.length - 1)];
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), delay);
  }
}

/** @type {Record<SocketStatus, string>} */
export const STATUS_TEXT = {
  connecting: "Connexion en cours…",
  connected: "",
  offline: "Connexion perdue : nouvelle tentative dans un instant…",
};
