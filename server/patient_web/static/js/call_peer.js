// @ts-check
// One side of a call in the browser: an RTCPeerConnection per session, standard WebRTC only.
// The patient's page is the answerer (docs/video.md): on each offer it closes the previous
// connection, answers with the same `session`, and trickles its candidates then `null`. The
// offerer side exists for the browser-to-browser benchmark, which must run this same code.
// Mute and camera off use track.enabled = false (packets keep flowing, nothing renegotiates).

/** @import { OutgoingFrame } from "./types.js" */

/**
 * Instants (ms since the epoch) of the call's steps, for diagnostics and the benchmark: offer,
 * answer, track_audio, track_video, connected, first_frame (and first_frame_size, « 1280x720 »).
 * @typedef {Record<string, number | string>} Timeline
 */

/**
 * What stats() reports (the benchmark and the tests read it; `state` "none" when there is no peer).
 * @typedef {object} CallStats
 * @property {{framesDecoded?: number, frameWidth?: number, frameHeight?: number, framesPerSecond?: number, decoder?: string}} video
 * @property {{packetsReceived?: number, totalSamplesReceived?: number, audioLevel?: number, jitterBufferMs?: number}} audio
 * @property {{framesEncoded?: number, frameWidth?: number}} sent
 * @property {{packetsSent?: number}} [sentAudio]
 * @property {RTCPeerConnectionState | "closed" | "none"} state
 */

/**
 * The link as this connection receives it (docs/video.md, « Qualité de la liaison »).
 * `stalled`: not one packet arrived since the previous measure on the same connection.
 * @typedef {{level: "good" | "fair" | "poor", loss: number, rtt: number, fps: number, stalled: boolean}} LinkQuality
 */

/** (fair, poor) limits, the same as the practitioner's indicator (desktop/video/stats.py). */
const LOSS_LIMITS = [0.03, 0.1];
const RTT_LIMITS_MS = [300, 600];
const FPS_LIMITS = [20, 10];

const RENEGOTIATE_AFTER_MS = 3000;
const RENEGOTIATE_EVERY_MS = 5000;
export const SPARE_MAX_AGE_MS = 60000; // a prepared connection older than this is not used

function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A connection gathering before its offer exists (see `prepareConnection`).
 * @typedef {{pc: RTCPeerConnection, servers: RTCIceServer[], at: number}} Spare
 */

/**
 * Start gathering for the next connection before its offer arrives. A connection with a
 * candidate pool (`iceCandidatePoolSize`) allocates its TURN relay at once, so the answer does
 * not wait for coturn when the practitioner starts the call. The offer uses it if the ICE
 * servers are still the same list (same credentials) and it is younger than SPARE_MAX_AGE_MS.
 * @param {RTCIceServer[]} iceServers
 * @returns {Spare | null}  null where the browser refuses it (the offer then builds its own)
 */
export function prepareConnection(iceServers) {
  try {
    const pc = new RTCPeerConnection({ iceServers, bundlePolicy: "max-bundle", iceCandidatePoolSize: 1 });
    return { pc, servers: iceServers, at: Date.now() };
  } catch {
    return null;
  }
}

export class CallPeer {
  /**
   * @param {object} options
   * @param {string} options.callId
   * @param {RTCIceServer[]} options.iceServers  from GET /api/v1/calls/ice-servers ([]: host only)
   * @param {() => Promise<RTCIceServer[]>} [options.refreshIceServers]  the list for a new
   *   connection (fresh TURN credentials when the given ones are about to expire)
   * @param {(frame: OutgoingFrame) => boolean} options.send  sends a signaling frame over the socket
   * @param {HTMLVideoElement} options.remoteVideo
   * @param {(state: string) => void} [options.onState]  "connecting" | "connected" | "reconnecting"
   * @param {Spare | null} [options.spare]  a connection prepared while the patient waited
   */
  constructor({ callId, iceServers, refreshIceServers, send, remoteVideo, onState, spare }) {
    this.callId = callId;
    this.iceServers = iceServers || [];
    this.refreshIceServers = refreshIceServers;
    /** @type {string | null} the session whose ICE servers are being refreshed */
    this.preparing = null;
    this.send = send;
    this.remoteVideo = remoteVideo;
    this.onState = onState || (() => {});
    /** @type {MediaStream | null} */
    this.localStream = null;
    /** @type {RTCPeerConnection | null} */
    this.pc = null;
    /** @type {string | null} */
    this.session = null;
    /** @type {Map<string, (RTCIceCandidateInit | null)[]>} session → candidates that arrived before its description */
    this.pending = new Map();
    this.remoteStream = new MediaStream();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.watchdog = undefined;
    this.lastRenegotiate = 0;
    this.reconnecting = false; // ICE is down on the current connection
    this.stalled = false; // no packet at all since the previous linkQuality() (ICE may not know yet)
    this.closed = false;
    /** @type {Timeline} */
    this.timeline = {};
    this.framesPainted = 0;
    /** @type {{pc: RTCPeerConnection, received: number, lost: number} | null} counters at the last linkQuality() */
    this.counts = null;
    /** @type {Spare | null} gathering ahead of the first offer */
    this.spare = spare || null;
    this.watchFrames();
  }

  /** @param {string} name */
  mark(name) {
    if (this.timeline[name] === undefined) this.timeline[name] = performance.timeOrigin + performance.now();
  }

  /** @param {MediaStream | null} stream */
  setLocalStream(stream) {
    this.localStream = stream;
    if (this.pc) this.attachTracks(this.pc);
  }

  /**
   * Answer an offer (a new session replaces the current connection).
   * @param {string} session
   * @param {string} sdp
   */
  async acceptOffer(session, sdp) {
    if (this.closed || session === this.session || session === this.preparing) return;
    this.mark("offer");
    if (this.refreshIceServers) {
      this.preparing = session;
      const servers = await this.refreshIceServers();
      if (this.closed || this.preparing !== session) return; // a newer offer meanwhile
      this.preparing = null;
      this.iceServers = servers;
    }
    const pc = this.newConnection(session);
    await pc.setRemoteDescription({ type: "offer", sdp });
    this.attachTracks(pc);
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (pc !== this.pc || !pc.localDescription) return; // replaced meanwhile
    this.send({ type: "call.answer", call_id: this.callId, session, sdp: pc.localDescription.sdp });
    this.mark("answer");
    await this.flushPending(session);
  }

  /** Offerer side (browser-to-browser benchmark): a new session with our tracks. */
  async offer() {
    const session = `${newId()}-${Date.now()}`;
    const pc = this.newConnection(session);
    for (const kind of ["audio", "video"]) pc.addTransceiver(kind, { direction: "sendrecv" });
    this.attachTracks(pc);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    if (!pc.localDescription) return;
    this.send({ type: "call.offer", call_id: this.callId, session, sdp: pc.localDescription.sdp });
    this.mark("offer");
  }

  /**
   * @param {string} session
   * @param {string} sdp
   */
  async acceptAnswer(session, sdp) {
    if (!this.pc || session !== this.session) return;
    await this.pc.setRemoteDescription({ type: "answer", sdp });
    await this.flushPending(session);
  }

  /**
   * @param {string} session
   * @param {RTCIceCandidateInit | null} candidate  null: the end of the other side's candidates
   */
  async addCandidate(session, candidate) {
    if (this.closed) return;
    if (session !== this.session || !this.pc || !this.pc.remoteDescription) {
      const queued = this.pending.get(session) || [];
      queued.push(candidate);
      this.pending.set(session, queued);
      return;
    }
    try {
      await this.pc.addIceCandidate(candidate || null);
    } catch {
      // A candidate of a network the browser cannot use: the others still may work.
    }
  }

  /** @param {string} session */
  async flushPending(session) {
    const queued = this.pending.get(session) || [];
    this.pending.clear();
    for (const candidate of queued) await this.addCandidate(session, candidate);
  }

  /** @returns {RTCPeerConnection | null} the prepared connection when it may serve now */
  takeSpare() {
    const spare = this.spare;
    this.spare = null;
    if (!spare) return null;
    if (spare.servers === this.iceServers && Date.now() - spare.at <= SPARE_MAX_AGE_MS) return spare.pc;
    spare.pc.close(); // other credentials since (they expired), or too old
    return null;
  }

  /** @param {string} session */
  newConnection(session) {
    this.closeConnection();
    this.session = session;
    const spare = this.takeSpare();
    if (spare) this.mark("pooled");
    const pc = spare || new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: "max-bundle" });
    this.pc = pc;
    pc.addEventListener("track", (event) => this.onTrack(event.track));
    let ended = false; // Firefox ends with an empty candidate ("") then null: say it once
    pc.addEventListener("icecandidate", (event) => {
      if (pc !== this.pc) return;
      const candidate = event.candidate && event.candidate.candidate ? event.candidate.toJSON() : null;
      if (candidate === null) {
        if (ended) return;
        ended = true;
      }
      this.send({ type: "call.candidate", call_id: this.callId, session, candidate });
    });
    pc.addEventListener("connectionstatechange", () => this.onConnectionState(pc));
    pc.addEventListener("iceconnectionstatechange", () => this.onConnectionState(pc));
    this.reconnecting = false;
    this.stalled = false;
    this.onState("connecting");
    return pc;
  }

  /**
   * Send `track` instead of the current track of its kind (another camera or microphone chosen
   * during the call): `replaceTrack`, nothing renegotiated.
   * @param {MediaStreamTrack} track
   */
  async replaceTrack(track) {
    if (!this.pc) return;
    for (const transceiver of this.pc.getTransceivers()) {
      const kind = transceiver.receiver.track && transceiver.receiver.track.kind;
      if (kind === track.kind && transceiver.sender.track !== track) await transceiver.sender.replaceTrack(track);
    }
  }

  /** @param {RTCPeerConnection} pc */
  attachTracks(pc) {
    const stream = this.localStream;
    if (!stream) return;
    for (const transceiver of pc.getTransceivers()) {
      const kind = transceiver.receiver.track && transceiver.receiver.track.kind;
      const track = stream.getTracks().find((t) => t.kind === kind);
      if (!track || transceiver.sender.track === track) continue;
      transceiver.direction = "sendrecv";
      transceiver.sender.replaceTrack(track);
    }
  }

  /** @param {MediaStreamTrack} track */
  onTrack(track) {
    for (const old of this.remoteStream.getTracks()) {
      if (old.kind === track.kind && old !== track) this.remoteStream.removeTrack(old);
    }
    if (!this.remoteStream.getTracks().includes(track)) this.remoteStream.addTrack(track);
    if (this.remoteVideo.srcObject !== this.remoteStream) this.remoteVideo.srcObject = this.remoteStream;
    this.mark(`track_${track.kind}`);
  }

  /** @param {RTCPeerConnection} pc */
  onConnectionState(pc) {
    if (pc !== this.pc) return;
    const ice = pc.iceConnectionState;
    const state = pc.connectionState || ice;
    if (state === "connected" || ice === "connected" || ice === "completed") {
      this.mark("connected");
      this.reconnecting = false;
      clearTimeout(this.watchdog);
      this.watchdog = undefined;
      this.onState("connected");
    } else if (["disconnected", "failed"].includes(state) || ["disconnected", "failed"].includes(ice)) {
      this.reconnecting = true;
      this.onState("reconnecting");
      if (this.watchdog === undefined) {
        this.watchdog = setTimeout(() => this.askRenegotiation(pc), RENEGOTIATE_AFTER_MS);
      }
    }
  }

  /**
   * ICE has been down for a while: ask the practitioner's app for a new connection.
   * @param {RTCPeerConnection} pc
   */
  askRenegotiation(pc) {
    this.watchdog = undefined;
    if (this.closed || pc !== this.pc) return;
    const state = pc.iceConnectionState;
    if (state === "connected" || state === "completed") return;
    const now = Date.now();
    // A frame the socket could not send (it is being replaced) does not count.
    if (now - this.lastRenegotiate >= RENEGOTIATE_EVERY_MS && this.send(this.renegotiation(`ice-${state}`))) {
      this.lastRenegotiate = now;
    }
    this.watchdog = setTimeout(() => this.askRenegotiation(pc), RENEGOTIATE_EVERY_MS);
  }

  /**
   * Ask for a new connection at once (the socket just came back while the media is down).
   * @param {string} reason
   */
  askRenegotiationNow(reason) {
    if (this.closed || !(this.reconnecting || this.stalled)) return;
    if (this.send(this.renegotiation(reason))) this.lastRenegotiate = Date.now();
  }

  /**
   * @param {string} reason
   * @returns {OutgoingFrame}
   */
  renegotiation(reason) {
    return { type: "call.renegotiate", call_id: this.callId, reason };
  }

  /** Count painted remote frames; the first one's decode time is the "first frame" mark. */
  watchFrames() {
    const video = this.remoteVideo;
    if (!video.requestVideoFrameCallback) {
      video.addEventListener("loadeddata", () => this.mark("first_frame"), { once: true });
      return;
    }
    /** @type {VideoFrameRequestCallback} */
    const onFrame = (_now, meta) => {
      this.framesPainted += 1;
      if (this.timeline.first_frame === undefined) {
        const decoded = meta.receiveTime !== undefined ? meta.receiveTime + (meta.processingDuration || 0) * 1000 : null;
        this.timeline.first_frame = performance.timeOrigin + (decoded ?? meta.presentationTime);
        this.timeline.first_frame_size = `${meta.width}x${meta.height}`;
      }
      if (!this.closed) video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }

  /**
   * Numbers for diagnostics and tests: decoded and sent video, received audio.
   * @returns {Promise<CallStats>}
   */
  async stats() {
    /** @type {CallStats} */
    const out = { video: {}, audio: {}, sent: {}, state: this.pc ? this.pc.connectionState : "closed" };
    if (!this.pc) return out;
    const report = await this.pc.getStats();
    report.forEach((item) => {
      if (item.type === "inbound-rtp" && item.kind === "video") {
        out.video = {
          framesDecoded: item.framesDecoded || 0,
          frameWidth: item.frameWidth || 0,
          frameHeight: item.frameHeight || 0,
          framesPerSecond: item.framesPerSecond || 0,
          decoder: item.decoderImplementation || "",
        };
      } else if (item.type === "inbound-rtp" && item.kind === "audio") {
        out.audio = {
          packetsReceived: item.packetsReceived || 0,
          totalSamplesReceived: item.totalSamplesReceived || 0,
          audioLevel: item.audioLevel || 0,
          // Mean time a sample waited in the jitter buffer: what delays the sound (and its mute).
          jitterBufferMs: item.jitterBufferEmittedCount ? (1000 * item.jitterBufferDelay) / item.jitterBufferEmittedCount : 0,
        };
      } else if (item.type === "outbound-rtp" && item.kind === "video") {
        out.sent = { framesEncoded: item.framesEncoded || 0, frameWidth: item.frameWidth || 0 };
      } else if (item.type === "outbound-rtp" && item.kind === "audio") {
        out.sentAudio = { packetsSent: item.packetsSent || 0 };
      }
    });
    return out;
  }

  /**
   * The quality of the link since the previous call: packets lost on the way here, round trip
   * of the selected candidate pair, received frames per second.
   * @returns {Promise<LinkQuality | null>}
   */
  async linkQuality() {
    const pc = this.pc;
    if (!pc) return null;
    const report = await pc.getStats();
    let received = 0;
    let lost = 0;
    let fps = 0;
    /** @type {string | null} */
    let pairId = null;
    report.forEach((item) => {
      if (item.type === "inbound-rtp") {
        received += item.packetsReceived || 0;
        lost += item.packetsLost || 0;
        if (item.kind === "video") fps = item.framesPerSecond || 0;
      } else if (item.type === "transport" && item.selectedCandidatePairId) {
        pairId = item.selectedCandidatePairId;
      }
    });
    const pair = pairId ? report.get(pairId) : null;
    const rtt = pair && pair.currentRoundTripTime ? pair.currentRoundTripTime * 1000 : 0;
    const same = this.counts !== null && this.counts.pc === pc;
    const last = same && this.counts ? this.counts : { pc, received: 0, lost: 0 };
    this.counts = { pc, received, lost };
    this.stalled = same && received === last.received;
    const newLost = Math.max(0, lost - last.lost);
    const total = received - last.received + newLost;
    const loss = total > 0 ? newLost / total : 0;
    /** @type {LinkQuality["level"]} */
    let level = "good";
    if (loss > LOSS_LIMITS[1] || rtt > RTT_LIMITS_MS[1] || fps < FPS_LIMITS[1]) level = "poor";
    else if (loss > LOSS_LIMITS[0] || rtt > RTT_LIMITS_MS[0] || fps < FPS_LIMITS[0]) level = "fair";
    return { level, loss, rtt, fps, stalled: this.stalled };
  }

  closeConnection() {
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    if (this.pc) {
      this.pc.close();
      this.pc = null;
    }
    this.session = null;
  }

  close() {
    this.closed = true;
    if (this.spare) this.spare.pc.close();
    this.spare = null;
    this.closeConnection();
    for (const track of this.remoteStream.getTracks()) this.remoteStream.removeTrack(track);
    this.remoteVideo.srcObject = null;
  }
}
