// @ts-check
// The video call in the patient's conversation (a conversation plugin; signaling contract in
// docs/video.md). The patient joins with the camera button, or « Rejoindre » when the practitioner
// already waits; a pre-call check runs first and its result goes to the practitioner. Without an
// open call the patient waits in the waiting room (`call.waiting`, the practitioner is told);
// with one, the page says `call.ready` and answers the practitioner's offers. A reload of the page
// rejoins by itself (sessionStorage), and the practitioner's app offers again.
import { api, ApiError } from "./api.js";
import { CallPeer, prepareConnection, SPARE_MAX_AGE_MS } from "./call_peer.js";
/** @typedef {import("./call_peer.js").Spare} Spare */
import { CallView } from "./call_view.js";
import { registerConversationPlugin } from "./conversation.js";
import { AUDIO_CONSTRAINTS, permissionHelp, runPrecheck } from "./precheck.js";
/** @import { ConversationView } from "./conversation.js" */
/** @import { Realtime } from "./realtime.js" */
/** @import { Call, CurrentCall, EventData, IncomingFrame, OutgoingFrame, PrecheckResult } from "./types.js" */

const JOINED_KEY = "teleconsult.call.joined"; // conversation id → rejoin after a reload
/** @type {Record<string, [number, number]>} ?video=480|720 → the camera size asked for */
const SIZES = { 480: [640, 480], 720: [1280, 720] };
// In the waiting room, the practitioner's own `call.ready` follows the call's start at once; without
// it after this long (a start event replayed after a reconnection), the page says `call.ready` itself.
const READY_FALLBACK_MS = 2000;
const SIGNALS = ["call.ready", "call.offer", "call.answer", "call.candidate", "call.hangup", "call.presence.query"];

const ICE_FETCH_LIMIT_MS = 3000;
/** While the call reconnects, the socket is checked this often, and replaced when silent this long. */
const SOCKET_PROBE_EVERY_MS = 1500;
const SOCKET_SILENT_MS = 1000;
const QUALITY_EVERY_MS = 1000;
/** TURN credentials closer than this to their expiry are fetched again before a new connection. */
const CREDENTIAL_MARGIN_MS = 60_000;
const SPEAKER_GONE = "Votre haut-parleur s'est déconnecté : vous entendez votre praticien sur la sortie audio par défaut.";

/**
 * True when a TURN entry's credentials (coturn's REST scheme, username « <expiry>:<user> »)
 * expire within CREDENTIAL_MARGIN_MS: a connection built with them could not allocate a relay.
 * @param {RTCIceServer[]} servers
 */
export function credentialsExpireSoon(servers) {
  return servers.some((server) => {
    const match = /^(\d+):/.exec(String(server.username || ""));
    return match !== null && Number(match[1]) * 1000 - Date.now() < CREDENTIAL_MARGIN_MS;
  });
}

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
    /** @type {string | null} a call whose practitioner said `call.ready` before its start event came */
    this.earlyReady = null;
    /** @type {string | null} the call this page last said `call.ready` for */
    this.readySent = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.readyTimer = undefined;
    /** @type {ReturnType<typeof setInterval> | undefined} the socket checks while reconnecting */
    this.socketWatch = undefined;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.qualityTimer = undefined;
    /** @type {Spare | null} prepared while waiting (see keepSpare) */
    this.spare = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.spareTimer = undefined;
    /** @type {string | null} the last link quality shown ("good", "fair", "poor"), for support and tests */
    this.quality = null;
    this.ui.cameraButton.addEventListener("click", () => this.join());
    this.ui.joinButton.addEventListener("click", () => this.join());
    this.ui.hangupButton.addEventListener("click", () => this.hangUp());
    this.ui.closeButton.addEventListener("click", () => this.ui.close());
    this.ui.micButton.addEventListener("click", () => this.toggleMicrophone());
    this.ui.camButton.addEventListener("click", () => this.toggleCamera());
    this.ui.soundButton.addEventListener("click", () => this.playRemote());
    this.ui.cameraSelect.addEventListener("change", () => this.switchDevice("video", this.ui.cameraSelect.value));
    this.ui.microphoneSelect.addEventListener("change", () => this.switchDevice("audio", this.ui.microphoneSelect.value));
    this.ui.speakerSelect.addEventListener("change", () => this.switchSpeaker(this.ui.speakerSelect.value));
    if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) {
      navigator.mediaDevices.addEventListener("devicechange", () => this.listDevices());
    }
    for (const type of SIGNALS) realtime.onFrame(type, (frame) => this.onSignal(frame));
    const previousError = realtime.frameHandlers.get("error");
    realtime.onFrame("error", (frame) => {
      if (previousError) previousError(frame);
      this.onError(frame);
    });
    const previousStatus = realtime.onStatus;
    realtime.onStatus = (status) => {
      previousStatus(status);
      if (status === "connected") {
        this.announce();
        // Back on a new socket while the media is down (a new network): ask for a new
        // connection now rather than at the peer's next watchdog tick.
        if (this.peer) this.peer.askRenegotiationNow("socket-back");
      }
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
    if (typeof RTCPeerConnection === "undefined") {
      this.noWebRtc();
      return;
    }
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

  /**
   * A browser without WebRTC (an old Safari, some in-app browsers, WebKitGTK builds): no call
   * possible. The practitioner gets the check (network « failed », the browser's name); the
   * patient gets what to do instead of a button that does nothing.
   */
  noWebRtc() {
    this.stopMedia();
    if (this.precheck) {
      this.send({ type: "call.precheck", conversation_id: this.conversationId, result: this.precheck });
    }
    this.ui.setStatus("L'appel vidéo est impossible dans ce navigateur.");
    this.ui.showHelp(
      "Votre navigateur ne permet pas les appels vidéo",
      "Mettez-le à jour (sur iPhone ou iPad : Réglages → Général → Mise à jour logicielle), ou ouvrez " +
        "cette page dans un navigateur récent : Safari, Chrome, Firefox ou Edge. Vos messages et vos " +
        "documents restent disponibles ici.",
      "/aide/impossible-de-se-connecter#navigateur",
      () => this.retry(),
      "Voir l'aide sur les navigateurs",
    );
    // The call view has the screen on a phone: « Fermer » gives the messages back.
    this.ui.closeButton.hidden = false;
  }

  /** Start over after the patient fixed a permission (the help's « Réessayer »). */
  async retry() {
    this.stopMedia();
    this.joined = false;
    await this.join();
    if (this.peer && this.stream) this.peer.setLocalStream(this.stream);
  }

  /**
   * Tell the practitioner where we are: the check, then ready (a call is open) or waiting.
   * @param {boolean} [ready]  false: the call just started and its practitioner's app will say
   *   `call.ready` itself (answered in onSignal), so ours would be a duplicate
   */
  announce(ready = true) {
    if (!this.joined) return;
    if (this.precheck) {
      this.send({ type: "call.precheck", conversation_id: this.conversationId, result: this.precheck });
    }
    if (this.call) {
      const peer = this.ensurePeer(this.call);
      if (ready) this.sayReady(this.call.id);
      if (!peer.pc) this.ui.setStatus("Connexion à votre praticien…");
    } else {
      this.send({ type: "call.waiting", conversation_id: this.conversationId, state: "waiting" });
      this.ui.setStatus("Vous êtes en salle d'attente : votre praticien est prévenu. Restez sur cette page.");
      this.keepSpare();
    }
  }

  /**
   * While the patient waits: a connection gathering (TURN relay included) for the call to come,
   * renewed before it is too old to be used, so the practitioner's offer is answered without
   * waiting for coturn.
   */
  keepSpare() {
    clearTimeout(this.spareTimer);
    if (this.spare) this.spare.pc.close();
    this.spare = typeof RTCPeerConnection === "undefined" ? null : prepareConnection(this.iceServers);
    this.spareTimer = setTimeout(() => {
      if (this.joined && !this.peer) this.keepSpare();
    }, SPARE_MAX_AGE_MS - 10000);
  }

  /** @returns {Spare | null} the waiting room's prepared connection, now owned by the caller */
  takeSpare() {
    clearTimeout(this.spareTimer);
    const spare = this.spare;
    this.spare = null;
    return spare;
  }

  /** @param {string} callId */
  sayReady(callId) {
    this.readySent = callId;
    this.send({ type: "call.ready", call_id: callId, peer: this.peerId });
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
      refreshIceServers: () => this.freshIceServers(),
      send: (frame) => this.send(frame),
      remoteVideo: this.ui.remoteVideo,
      onState: (state) => this.onPeerState(state),
      spare: this.takeSpare(),
    });
    peer.setLocalStream(this.stream);
    this.peer = peer;
    return peer;
  }

  /**
   * The ICE servers for a new connection: those of the pre-call check while their TURN
   * credentials stay valid, else fetched again (a patient who waited, a long call that
   * renegotiates). A server that does not answer in time leaves the old list: host and
   * server-reflexive candidates still work.
   * @returns {Promise<RTCIceServer[]>}
   */
  async freshIceServers() {
    if (!credentialsExpireSoon(this.iceServers)) return this.iceServers;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const late = new Promise((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error("timeout")), ICE_FETCH_LIMIT_MS);
    });
    try {
      const fetched = /** @type {Promise<RTCIceServer[]>} */ (api("/calls/ice-servers"));
      this.iceServers = /** @type {RTCIceServer[]} */ (await Promise.race([fetched, late]));
    } catch {
      // keep the previous list
    } finally {
      clearTimeout(timer);
    }
    return this.iceServers;
  }

  showPreview() {
    this.ui.localVideo.srcObject = this.stream;
    this.ui.showStage(true);
    if (this.stream) for (const track of this.stream.getTracks()) this.watchTrack(track);
    this.listDevices();
  }

  /**
   * A camera or microphone unplugged during the call ends its track: say so, the call goes on.
   * @param {MediaStreamTrack} track
   */
  watchTrack(track) {
    track.addEventListener("ended", () => {
      if (!this.stream || !this.stream.getTracks().includes(track)) return; // replaced by a choice
      this.ui.setDeviceProblem(
        track.kind === "video"
          ? "Votre caméra s'est déconnectée : l'appel continue avec le son. Rebranchez-la ou choisissez-en une autre."
          : "Votre micro s'est déconnecté : rebranchez-le ou choisissez-en un autre.",
      );
      this.listDevices();
    });
  }

  // ------------------------------------------------------------------ devices during the call
  /**
   * Fill the chooser with the cameras, microphones and speakers the browser offers (labels need
   * the permission). A chosen speaker no longer listed (a headset unplugged) gives way to the
   * default output.
   */
  async listDevices() {
    if (!this.stream || !navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return;
    const devices = await navigator.mediaDevices.enumerateDevices();
    /** @param {"audio" | "video"} kind */
    const inUse = (kind) => {
      const track = this.stream && this.stream.getTracks().find((t) => t.kind === kind);
      return (track && track.getSettings().deviceId) || "";
    };
    /** @param {MediaDeviceKind} kind  the devices of that kind, without Windows' « communications » alias */
    const listed = (kind) => devices.filter((d) => d.kind === kind && d.deviceId && d.deviceId !== "communications");
    const speakers = this.ui.canChooseSpeaker ? listed("audiooutput") : [];
    const video = this.ui.remoteVideo;
    if (this.ui.canChooseSpeaker && video.sinkId && !speakers.some((d) => d.deviceId === video.sinkId)) {
      await video.setSinkId("").then(
        () => this.ui.setDeviceProblem(SPEAKER_GONE),
        () => {}, // nothing better to offer: the browser keeps its own fallback
      );
    }
    this.ui.setDevices({
      camera: { devices: listed("videoinput"), current: inUse("video") },
      microphone: { devices: listed("audioinput"), current: inUse("audio") },
      // No sinkId yet: the default output, listed first (Media Capture and Streams, enumerateDevices).
      speaker: { devices: speakers, current: video.sinkId || (speakers.length ? speakers[0].deviceId : "") },
    });
  }

  /**
   * Play the practitioner on another output: `setSinkId` on the remote video, the element that
   * plays the call's sound. The element stays for the whole page, so the choice holds across a new
   * connection (new RTCPeerConnection, new remote tracks) and the next call. A refusal (device
   * gone, output not allowed) is said and the previous output stays.
   * @param {string} deviceId
   */
  async switchSpeaker(deviceId) {
    const video = this.ui.remoteVideo;
    if (video.sinkId === deviceId) return;
    try {
      await video.setSinkId(deviceId);
      this.ui.setDeviceProblem("");
    } catch (error) {
      const refused = error instanceof DOMException && error.name === "NotAllowedError";
      this.ui.setDeviceProblem(
        refused
          ? "Votre navigateur n'autorise pas ce haut-parleur : le son reste sur le précédent."
          : "Impossible d'utiliser ce haut-parleur : le son reste sur le précédent.",
      );
    }
    await this.listDevices(); // the list shows the output in use
  }

  /**
   * Send another camera or microphone without interrupting the call: a new track from
   * `getUserMedia`, put in the senders with `replaceTrack` (nothing renegotiated), the old one stopped.
   * @param {"audio" | "video"} kind
   * @param {string} deviceId
   */
  async switchDevice(kind, deviceId) {
    const stream = this.stream;
    if (!stream) return;
    const old = stream.getTracks().find((t) => t.kind === kind) || null;
    if (old && old.getSettings().deviceId === deviceId) return;
    const exact = { deviceId: { exact: deviceId } };
    /** @type {MediaStreamConstraints} */
    const constraints =
      kind === "video" ? { video: { ...videoConstraints(), facingMode: undefined, ...exact } } : { audio: { ...AUDIO_CONSTRAINTS, ...exact } };
    /** @type {MediaStreamTrack | null} */
    let track = null;
    try {
      track = (await navigator.mediaDevices.getUserMedia(constraints)).getTracks()[0];
    } catch (error) {
      // A phone opens one camera at a time: release the current one, then try again.
      if (old && kind === "video" && error instanceof DOMException && error.name === "NotReadableError") {
        old.stop();
        track = await navigator.mediaDevices.getUserMedia(constraints).then((s) => s.getTracks()[0], () => null);
      }
    }
    if (!track) {
      this.ui.setDeviceProblem(
        kind === "video"
          ? "Impossible d'utiliser cette caméra : l'appel continue avec la précédente."
          : "Impossible d'utiliser ce micro : l'appel continue avec le précédent.",
      );
      await this.listDevices(); // puts the chooser back on the device in use
      return;
    }
    track.enabled = kind === "audio" ? !this.micOff : !this.camOff;
    this.watchTrack(track);
    if (old) stream.removeTrack(old);
    stream.addTrack(track);
    if (this.peer) await this.peer.replaceTrack(track);
    if (old) old.stop();
    this.ui.setDeviceProblem("");
    if (kind === "video") this.ui.localVideo.srcObject = stream;
    await this.listDevices();
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
      // The practitioner's app says `call.ready` once its engine runs and we answer it; when it
      // came before this event (and was put aside), answer now.
      const early = this.earlyReady === call.id;
      this.earlyReady = null;
      if (this.joined) {
        this.announce(early);
        clearTimeout(this.readyTimer);
        if (!early) {
          this.readyTimer = setTimeout(() => {
            const current = this.call;
            if (this.joined && current && current.id === call.id && this.readySent !== call.id) this.sayReady(call.id);
          }, READY_FALLBACK_MS);
        }
      }
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
    if (this.joined && frame.type === "call.ready" && (!call || frame.call_id !== call.id)) {
      this.earlyReady = frame.call_id ?? null; // before the call's start event: answered there
      return;
    }
    if (!this.joined || !call || frame.call_id !== call.id) return;
    const peer = this.ensurePeer(call);
    const { session = "", sdp = "" } = frame;
    try {
      if (frame.type === "call.ready") {
        this.sayReady(call.id);
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
      clearInterval(this.socketWatch);
      this.socketWatch = undefined;
      this.ui.setStatus("En appel avec votre praticien.");
      this.playRemote();
      if (this.qualityTimer === undefined) {
        this.qualityTimer = setInterval(() => this.updateQuality(), QUALITY_EVERY_MS);
      }
    } else if (state === "reconnecting") {
      this.ui.setStatus("Connexion instable : reconnexion en cours…");
      // The media stopped: the network may have changed under the socket too. Check it now and
      // while the call reconnects, so the signaling that repairs the call gets through.
      if (this.socketWatch === undefined) {
        this.realtime.probe(SOCKET_SILENT_MS);
        this.socketWatch = setInterval(() => this.realtime.probe(SOCKET_SILENT_MS), SOCKET_PROBE_EVERY_MS);
      }
    }
  }

  async updateQuality() {
    const quality = this.peer ? await this.peer.linkQuality() : null;
    this.quality = quality ? quality.level : null;
    this.ui.setQuality(quality);
    // Nothing arrives any more: the network may have changed under the socket too (chromium
    // reports ICE "disconnected" only seconds later); check it now.
    if (quality && quality.stalled) this.realtime.probe(SOCKET_SILENT_MS);
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
    clearInterval(this.qualityTimer);
    clearInterval(this.socketWatch);
    this.qualityTimer = this.socketWatch = undefined;
    this.quality = null;
    this.ui.setQuality(null);
    if (this.peer) this.peer.close();
    this.peer = null;
    const spare = this.takeSpare();
    if (spare) spare.pc.close();
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
