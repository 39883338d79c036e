// @ts-check
// The video call in the patient's conversation (a conversation plugin; signaling contract in
// docs/video.md). The patient joins with the camera button, or « Rejoindre » when the practitioner
// already waits; a pre-call check runs first and its result goes to the practitioner. Without an
// open call the patient waits in the waiting room (`call.waiting`, the practitioner is told);
// with one, the page says `call.ready` and answers the practitioner's offers. A reload of the page
// rejoins by itself (sessionStorage), and the practitioner's app offers again.
import { api, ApiError } from "./api.js";
import { CallPeer } from "./call_peer.js";
import { CallView } from "./call_view.js";
import { registerConversationPlugin } from "./conversation.js";
import { permissionHelp, runPrecheck } from "./precheck.js";
/** @import { ConversationView } from "./conversation.js" */
/** @import { Realtime } from "./realtime.js" */
/** @import { Call, CurrentCall, EventData, IncomingFrame, OutgoingFrame, PrecheckResult } from "./types.js" */

const JOINED_KEY = "teleconsult.call.joined"; // conversation id → rejoin after a reload
/** @type {Record<string, [number, number]>} ?video=480|720 → the camera size asked for */
const SIZES = { 480: [640, 480], 720: [1280, 720] };
const SIGNALS = ["call.ready", "call.offer", "call.answer", "call.candidate", "call.hangup", "call.presence.query"];

function randomPeer() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** @returns {MediaTrackConstraints} */
function videoConstraints() {
  const asked = new URLSearchParams(location.search).get("video") || "720";
  const [width, height] = SIZES[asked] || SIZES[720];
  return { width: { ideal: width }, height: { ideal: height }, frameRate: { ideal: 30, max: 30 }, facingMode: "user" };
}

export class CallController {
  /** @param {{view: ConversationView, toolbar: HTMLElement, realtime: Realtime}} context */
  constructor({ view, toolbar, realtime }) {
    this.chat = view;
    this.conversationId = view.conversationId;
    this.realtime = realtime;
    this.ui = new CallView(view.root, toolbar);
    this.peerId = randomPeer();
    /** @type {Call | null} the open call, or null */
    this.call = null;
    this.events = 0; // call events received (see load())
    this.joined = false; // the patient clicked: media open, in the waiting room or the call
    /** @type {MediaStream | null} */
    this.stream = null;
    /** @type {RTCIceServer[]} */
    this.iceServers = [];
    /** @type {PrecheckResult | null} */
    this.precheck = null;
    /** @type {CallPeer | null} */
    this.peer = null;
    this.micOff = false;
    this.camOff = false;
    this.ui.cameraButton.addEventListener("click", () => this.join());
    this.ui.joinButton.addEventListener("click", () => this.join());
    this.ui.hangupButton.addEventListener("click", () => this.hangUp());
    this.ui.closeButton.addEventListener("click", () => this.ui.close());
    this.ui.micButton.addEventListener("click", () => this.toggleMicrophone());
    this.ui.camButton.addEventListener("click", () => this.toggleCamera());
    this.ui.soundButton.addEventListener("click", () => this.playRemote());
    for (const type of SIGNALS) realtime.onFrame(type, (frame) => this.onSignal(frame));
    const previousError = realtime.frameHandlers.get("error");
    realtime.onFrame("error", (frame) => {
      if (previousError) previousError(frame);
      this.onError(frame);
    });
    const previousStatus = realtime.onStatus;
    realtime.onStatus = (status) => {
      previousStatus(status);
      if (status === "connected") this.announce();
    };
    /** @type {Window & {teleconsultCall?: CallController}} */ (window).teleconsultCall = this; // diagnostics (support, tests): stats(), timeline
  }

  async load() {
    const seen = this.events;
    /** @type {CurrentCall} */
    const { call } = await api(`/conversations/${encodeURIComponent(this.conversationId)}/calls/current`);
    // A call event that arrived while this answer was on its way is newer: keep it.
    if (this.events === seen) this.setCall(call);
    if (sessionStorage.getItem(JOINED_KEY) === this.conversationId) await this.join();
  }

  /** @param {Call | null} call */
  setCall(call) {
    this.call = call && call.status === "active" ? call : null;
    const invited = Boolean(this.call) && !this.joined;
    const appeared = invited && this.ui.invite.hidden;
    this.ui.showInvite(invited);
    if (appeared) this.chat.scrollToEnd();
  }

  /** @param {OutgoingFrame} frame */
  send(frame) {
    return this.realtime.send(frame);
  }

  /**
   * Resolves true once the socket is open, false after `limit` ms without it.
   * @param {number} limit
   */
  async socketOpen(limit) {
    const open = () => Boolean(this.realtime.ws && this.realtime.ws.readyState === WebSocket.OPEN);
    const deadline = Date.now() + limit;
    while (!open() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    return open();
  }

  // ------------------------------------------------------------------ joining
  async join() {
    if (this.joined) {
      this.ui.open();
      return;
    }
    this.ui.open();
    this.ui.showInvite(false);
    this.ui.resetChecks();
    this.ui.setStatus("Vérification de votre caméra, de votre micro et de votre connexion…");
    const check = await runPrecheck({
      video: videoConstraints(),
      loadIceServers: () => /** @type {Promise<RTCIceServer[]>} */ (api("/calls/ice-servers")),
      socketOnline: () => this.socketOpen(3000),
      onStep: (key, state) => this.ui.setCheck(key, state),
    });
    this.precheck = check.result;
    this.stream = check.stream;
    this.iceServers = check.iceServers;
    this.joined = true;
    sessionStorage.setItem(JOINED_KEY, this.conversationId);
    this.showPreview();
    const { camera, microphone } = check.result;
    if (camera === "denied" || microphone === "denied") {
      const help = permissionHelp(check.browser.key);
      this.ui.showHelp("Votre navigateur bloque la caméra ou le micro", help.text, help.url, () => this.retry());
    } else if (camera !== "ok" || microphone !== "ok") {
      const text =
        camera === "busy" || microphone === "busy"
          ? "Fermez les autres applications qui utilisent la caméra (Zoom, Teams, WhatsApp…), puis réessayez."
          : "Branchez ou activez votre caméra et votre micro, puis réessayez.";
      const help = permissionHelp(check.browser.key);
      this.ui.showHelp("Votre caméra ou votre micro n'est pas disponible", text, help.url, () => this.retry());
    }
    this.announce();
  }

  /** Start over after the patient fixed a permission (the help's « Réessayer »). */
  async retry() {
    this.stopMedia();
    this.joined = false;
    await this.join();
    if (this.peer && this.stream) this.peer.setLocalStream(this.stream);
  }

  /** Tell the practitioner where we are: the check, then ready (a call is open) or waiting. */
  announce() {
    if (!this.joined) return;
    if (this.precheck) {
      this.send({ type: "call.precheck", conversation_id: this.conversationId, result: this.precheck });
    }
    if (this.call) {
      const peer = this.ensurePeer(this.call);
      this.send({ type: "call.ready", call_id: this.call.id, peer: this.peerId });
      if (!peer.pc) this.ui.setStatus("Connexion à votre praticien…");
    } else {
      this.send({ type: "call.waiting", conversation_id: this.conversationId, state: "waiting" });
      this.ui.setStatus("Vous êtes en salle d'attente : votre praticien est prévenu. Restez sur cette page.");
    }
  }

  /**
   * The peer connection side of `call` (a new one when the call changed).
   * @param {Call} call
   * @returns {CallPeer}
   */
  ensurePeer(call) {
    if (this.peer && this.peer.callId === call.id) return this.peer;
    if (this.peer) this.peer.close();
    const peer = new CallPeer({
      callId: call.id,
      iceServers: this.iceServers,
      send: (frame) => this.send(frame),
      remoteVideo: this.ui.remoteVideo,
      onState: (state) => this.onPeerState(state),
    });
    peer.setLocalStream(this.stream);
    this.peer = peer;
    return peer;
  }

  showPreview() {
    this.ui.localVideo.srcObject = this.stream;
    this.ui.showStage(true);
  }

  // ------------------------------------------------------------------ frames and events
  /**
   * @param {string} event
   * @param {EventData} data
   */
  handleEvent(event, data) {
    const call = data && data.call;
    if (!call || call.conversation_id !== this.conversationId) return;
    this.events += 1;
    if (event === "call.started") {
      this.setCall(call);
      if (this.joined) this.announce();
    } else if (event === "call.ended" && this.call && this.call.id === call.id) {
      this.finish("L'appel est terminé.");
    }
  }

  /**
   * A signaling frame relayed from the practitioner (the server checked its shape).
   * @param {IncomingFrame} frame
   */
  async onSignal(frame) {
    if (frame.conversation_id !== this.conversationId) return;
    if (frame.type === "call.presence.query") {
      this.announce();
      return;
    }
    const call = this.call;
    if (!this.joined || !call || frame.call_id !== call.id) return;
    const peer = this.ensurePeer(call);
    const { session = "", sdp = "" } = frame;
    try {
      if (frame.type === "call.ready") {
        this.send({ type: "call.ready", call_id: call.id, peer: this.peerId });
      } else if (frame.type === "call.offer") {
        await peer.acceptOffer(session, sdp);
      } else if (frame.type === "call.answer") {
        await peer.acceptAnswer(session, sdp);
      } else if (frame.type === "call.candidate") {
        await peer.addCandidate(session, frame.candidate ?? null);
      } else if (frame.type === "call.hangup") {
        this.finish("Votre praticien a raccroché. L'appel est terminé.");
      }
    } catch {
      if (this.call !== call) return; // ended while the offer was being answered: nothing to retry
      this.ui.setStatus("La connexion vidéo a échoué : nouvelle tentative…");
      this.send({ type: "call.renegotiate", call_id: call.id, reason: "answer-failed" });
    }
  }

  /** @param {IncomingFrame} frame  a refusal from the server */
  onError(frame) {
    if (this.call && frame.call_id === this.call.id && frame.code === "call_ended") {
      this.finish("L'appel est terminé.");
    }
  }

  /** @param {string} state  CallPeer's "connecting" | "connected" | "reconnecting" */
  onPeerState(state) {
    if (state === "connected") {
      this.ui.setStatus("En appel avec votre praticien.");
      this.playRemote();
    } else if (state === "reconnecting") {
      this.ui.setStatus("Connexion instable : reconnexion en cours…");
    }
  }

  playRemote() {
    const video = this.ui.remoteVideo;
    video.muted = false;
    const playing = video.play();
    if (!playing) return;
    playing
      .then(() => {
        this.ui.soundButton.hidden = true;
      })
      .catch(() => {
        // Autoplay with sound refused (the page was reloaded, no click yet): show the picture
        // muted and offer a button for the sound.
        video.muted = true;
        video.play().catch(() => {});
        this.ui.soundButton.hidden = false;
      });
  }

  // ------------------------------------------------------------------ controls
  /**
   * @param {"audio" | "video"} kind
   * @param {boolean} enabled
   */
  setTracks(kind, enabled) {
    if (!this.stream) return;
    for (const track of this.stream.getTracks()) if (track.kind === kind) track.enabled = enabled;
  }

  toggleMicrophone() {
    this.micOff = !this.micOff;
    this.setTracks("audio", !this.micOff);
    this.ui.setToggle(this.ui.micButton, this.micOff, "Couper le micro", "Rétablir le micro");
  }

  toggleCamera() {
    this.camOff = !this.camOff;
    this.setTracks("video", !this.camOff);
    this.ui.setToggle(this.ui.camButton, this.camOff, "Couper la caméra", "Rétablir la caméra");
  }

  hangUp() {
    if (this.call) {
      this.send({ type: "call.hangup", call_id: this.call.id, reason: "hangup" });
    } else {
      this.send({ type: "call.waiting", conversation_id: this.conversationId, state: "left" });
    }
    this.finish("Vous avez raccroché. L'appel est terminé.");
  }

  stopMedia() {
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.ui.localVideo.srcObject = null;
  }

  /** @param {string} text  the status shown once the call is over */
  finish(text) {
    sessionStorage.removeItem(JOINED_KEY);
    if (this.peer) this.peer.close();
    this.peer = null;
    this.stopMedia();
    this.joined = false;
    this.call = null;
    this.ui.showInvite(false);
    this.ui.ended(text);
  }

  /** For diagnostics and tests. */
  async stats() {
    return this.peer ? this.peer.stats() : { video: {}, audio: {}, sent: {}, state: "none" };
  }

  get timeline() {
    return this.peer ? this.peer.timeline : {};
  }
}

registerConversationPlugin(({ view, toolbar, realtime }) => {
  const controller = new CallController({ view, toolbar, realtime });
  const handleEvent = view.handleEvent.bind(view);
  view.handleEvent = (event, data) => {
    handleEvent(event, data);
    controller.handleEvent(event, data);
  };
  controller.load().catch((failure) => {
    controller.ui.setStatus(failure instanceof ApiError ? failure.detail : "L'appel vidéo n'a pas pu être chargé.");
  });
});
