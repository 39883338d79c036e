// @ts-check
// The check before a call: camera, microphone, permissions, the companion server and the network
// (an ICE gathering test with the servers the call will use: a relay candidate proves the TURN
// server answers). Its result goes to the practitioner before the call (`call.precheck`), and a
// refused permission gets help for the patient's own browser (/aide/camera-et-micro#<browser>).
/** @import { PrecheckResult } from "./types.js" */

/**
 * The patient's browser: `key` names its help section, `name` goes to the practitioner.
 * @typedef {{key: "chrome" | "edge" | "firefox" | "safari", name: string}} Browser
 */

/** @typedef {"ok" | "denied" | "missing" | "busy" | "error"} DeviceState */

const GATHER_LIMIT_MS = 3000;

/** The microphone as every call opens it (the chooser during a call too). */
export const AUDIO_CONSTRAINTS = Object.freeze({ echoCancellation: true, noiseSuppression: true, autoGainControl: true });

/**
 * The patient's browser, for the help anchor and the practitioner's summary.
 * @param {string} [ua]
 * @returns {Browser}
 */
export function detectBrowser(ua = navigator.userAgent) {
  /** @param {RegExp} pattern */
  const version = (pattern) => (ua.match(pattern) || [])[1] || "";
  if (/Edg(A|iOS)?\//.test(ua)) return { key: "edge", name: `Edge ${version(/Edg(?:A|iOS)?\/(\d+)/)}`.trim() };
  if (/Firefox\/|FxiOS\//.test(ua)) return { key: "firefox", name: `Firefox ${version(/(?:Firefox|FxiOS)\/(\d+)/)}`.trim() };
  if (/Chrome\/|Chromium\/|CriOS\//.test(ua)) {
    return { key: "chrome", name: `Chrome ${version(/(?:Chrome|Chromium|CriOS)\/(\d+)/)}`.trim() };
  }
  if (/Safari\//.test(ua)) return { key: "safari", name: `Safari ${version(/Version\/(\d+)/)}`.trim() };
  return { key: "chrome", name: "Navigateur" };
}

export const HELP_URL = "/aide/camera-et-micro";

/**
 * Short, browser-specific instructions when the camera or microphone was refused.
 * @param {Browser["key"]} browserKey
 */
export function permissionHelp(browserKey) {
  const phone = /Android|iPhone|iPad/.test(navigator.userAgent);
  /** @type {Record<Browser["key"], string>} */
  const texts = {
    chrome: phone
      ? "Appuyez sur l'icône à gauche de l'adresse, puis sur « Autorisations », et activez Caméra et Micro."
      : "Cliquez sur l'icône à gauche de l'adresse, mettez Caméra et Micro sur « Autoriser », puis rechargez la page.",
    firefox:
      "Cliquez sur l'icône de caméra barrée à gauche de l'adresse, retirez le blocage de la caméra et du micro, " +
      "puis rechargez la page.",
    safari: phone
      ? "Appuyez sur « aA » à gauche de l'adresse → Réglages du site web, mettez Caméra et Micro sur « Autoriser »."
      : "Menu Safari → Réglages → Sites web : autorisez Caméra et Micro pour ce site, puis rechargez la page.",
    edge: "Cliquez sur le cadenas à gauche de l'adresse → « Autorisations pour ce site », autorisez Caméra et Micro.",
  };
  return { text: texts[browserKey] || texts.chrome, url: `${HELP_URL}#${browserKey}` };
}

/**
 * @param {unknown} error  what getUserMedia rejected with (a DOMException)
 * @returns {DeviceState}
 */
function errorState(error) {
  const name = error instanceof Error || error instanceof DOMException ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return "denied";
  if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") return "missing";
  if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") return "busy";
  return "error";
}

/**
 * Open the camera and microphone; each one that fails is reported without failing the other.
 * @param {MediaTrackConstraints} video
 * @returns {Promise<{stream: MediaStream | null, camera: DeviceState, microphone: DeviceState}>}
 */
export async function openMedia(video) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return { stream: null, camera: "error", microphone: "error" };
  }
  const audio = AUDIO_CONSTRAINTS;
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio, video });
    return { stream, camera: "ok", microphone: "ok" };
  } catch (both) {
    if (errorState(both) === "denied") return { stream: null, camera: "denied", microphone: "denied" };
  }
  // One of the two is missing or busy: find which, and keep the other.
  const stream = new MediaStream();
  /** @type {{stream: MediaStream | null, camera: DeviceState, microphone: DeviceState}} */
  const result = { stream, camera: "ok", microphone: "ok" };
  /** @type {[("camera" | "microphone"), MediaStreamConstraints][]} */
  const parts = [["camera", { video }], ["microphone", { audio }]];
  for (const [kind, constraints] of parts) {
    try {
      const part = await navigator.mediaDevices.getUserMedia(constraints);
      for (const track of part.getTracks()) stream.addTrack(track);
    } catch (error) {
      result[kind] = errorState(error);
    }
  }
  if (stream.getTracks().length === 0) result.stream = null;
  return result;
}

/**
 * Gather candidates with the call's servers: any candidate = network ok; a relay one = TURN ok.
 * @param {RTCIceServer[]} iceServers
 * @returns {Promise<{network: "ok" | "failed", relay: "ok" | "failed" | "none"}>}
 */
export async function gatherTest(iceServers) {
  const hasTurn = iceServers.some((s) => [s.urls || []].flat().some((u) => /^turns?:/i.test(u)));
  if (typeof RTCPeerConnection === "undefined") return { network: "failed", relay: hasTurn ? "failed" : "none" };
  const pc = new RTCPeerConnection({ iceServers });
  const types = new Set();
  try {
    pc.createDataChannel("precheck");
    await /** @type {Promise<void>} */ (new Promise((resolve) => {
      const timer = setTimeout(resolve, GATHER_LIMIT_MS);
      pc.addEventListener("icecandidate", (event) => {
        if (!event.candidate || !event.candidate.candidate) {
          clearTimeout(timer);
          resolve();
          return;
        }
        const match = / typ (\w+)/.exec(event.candidate.candidate);
        if (match) types.add(match[1]);
        if (hasTurn && types.has("relay")) {
          clearTimeout(timer);
          resolve(); // the relay answered: no need to wait for the rest
        }
      });
      pc.createOffer()
        .then((offer) => pc.setLocalDescription(offer))
        .catch(() => resolve());
    }));
  } finally {
    pc.close();
  }
  return {
    network: types.size > 0 ? "ok" : "failed",
    relay: hasTurn ? (types.has("relay") ? "ok" : "failed") : "none",
  };
}

/**
 * Labels of the check list shown to the patient: each check's name, and a text per state.
 * @type {Record<"camera" | "microphone" | "server" | "network" | "relay", {label: string} & Record<string, string>>}
 */
export const CHECK_LABELS = {
  camera: { label: "Caméra", ok: "prête", denied: "accès refusé", missing: "introuvable", busy: "déjà utilisée par une autre application", error: "indisponible" },
  microphone: { label: "Micro", ok: "prêt", denied: "accès refusé", missing: "introuvable", busy: "déjà utilisé par une autre application", error: "indisponible" },
  server: { label: "Serveur Teleconsult", ok: "joignable", failed: "injoignable" },
  network: { label: "Réseau pour la vidéo", ok: "disponible", failed: "indisponible" },
  relay: { label: "Relais vidéo (TURN)", ok: "joignable", failed: "injoignable", none: "non nécessaire" },
};

/** @typedef {keyof typeof CHECK_LABELS} CheckKey */

/**
 * The whole check.
 * @param {object} options
 * @param {MediaTrackConstraints} options.video
 * @param {() => Promise<RTCIceServer[]>} options.loadIceServers  rejects when the server is unreachable
 * @param {() => Promise<boolean>} options.socketOnline  resolves once the socket is open (or not)
 * @param {(key: CheckKey, state: string) => void} options.onStep  each result as it comes
 * @returns {Promise<{result: PrecheckResult, stream: MediaStream | null, iceServers: RTCIceServer[], browser: Browser}>}
 */
export async function runPrecheck({ video, loadIceServers, socketOnline, onStep }) {
  const browser = detectBrowser();
  const media = await openMedia(video);
  onStep("camera", media.camera);
  onStep("microphone", media.microphone);
  /** @type {RTCIceServer[]} */
  let iceServers = [];
  let server = "ok";
  try {
    iceServers = await loadIceServers();
  } catch {
    server = "failed";
  }
  if (!(await socketOnline())) server = "failed";
  onStep("server", server);
  const network = await gatherTest(iceServers);
  onStep("network", network.network);
  onStep("relay", network.relay);
  const result = {
    camera: media.camera,
    microphone: media.microphone,
    server,
    network: network.network,
    relay: network.relay,
    browser: browser.name,
  };
  return { result, stream: media.stream, iceServers, browser };
}
