// @ts-check
// The call's markup in the conversation: the « Votre praticien vous attend » invitation, the
// pre-call check list with its help, and the call itself (remote video large, own preview small,
// micro / caméra / plein écran / raccrocher). While it is open the call has the screen to itself
// (body.in-call: header, messages and composer hidden on a phone; beside the chat on a wide screen).
// Only DOM here; call.js decides what to show.
import { CHECK_LABELS } from "./precheck.js";
import { el } from "./dom.js";
/** @import { CheckKey } from "./precheck.js" */
/** @typedef {{devices: MediaDeviceInfo[], current: string}} DeviceList  a kind's devices, the deviceId in use */

const ICON_CAMERA = "/static/img/camera.svg";

function loadStyles() {
  if (document.querySelector("link[data-call-css]")) return;
  document.head.append(el("link", { rel: "stylesheet", href: "/static/css/call.css", dataset: { callCss: "1" } }));
}

/** @type {Record<"good" | "fair" | "poor", string>} */
const QUALITY_TEXT = { good: "bonne", fair: "moyenne (l'image peut se dégrader)", poor: "faible (image ou son saccadés)" };

export class CallView {
  /**
   * @param {HTMLElement} chatRoot  #chat
   * @param {HTMLElement} toolbar  the header's actions slot
   */
  constructor(chatRoot, toolbar) {
    loadStyles();
    this.cameraButton = el(
      "button",
      { type: "button", class: "button call-button", "aria-label": "Appel vidéo avec votre praticien" },
      el("img", { src: ICON_CAMERA, alt: "", width: 20, height: 20 }),
      el("span", { class: "call-button-text" }, "Vidéo"),
    );
    toolbar.append(this.cameraButton);
    this.isEnded = false; // the panel shows a finished call (« L'appel est terminé »)

    this.joinButton = el("button", { type: "button", class: "button button--primary" }, "Rejoindre l'appel vidéo");
    this.invite = el(
      "div",
      { class: "call-invite", role: "status", hidden: true },
      el("p", { class: "call-invite-title" }, el("strong", {}, "Votre praticien vous attend")),
      el("p", {}, "Il a ouvert l'appel vidéo : rejoignez-le quand vous êtes prêt."),
      this.joinButton,
    );

    this.heading = el("h2", { class: "call-heading", tabindex: "-1" }, "Appel vidéo");
    this.checkList = el("ul", { class: "call-checks", "aria-label": "Vérification avant l'appel" });
    /** @type {Partial<Record<CheckKey, {item: HTMLElement, state: HTMLElement}>>} */
    this.checkItems = {};
    for (const key of /** @type {CheckKey[]} */ (Object.keys(CHECK_LABELS))) {
      const labels = CHECK_LABELS[key];
      const state = el("span", { class: "call-check-state" }, "vérification…");
      const item = el("li", { class: "call-check", dataset: { check: key, state: "pending" } }, `${labels.label} : `, state);
      this.checkItems[key] = { item, state };
      this.checkList.append(item);
    }
    this.help = el("div", { class: "call-help", role: "alert", hidden: true });
    this.status = el("p", { class: "call-status", role: "status", "aria-live": "polite" });

    this.remoteVideo = el("video", {
      class: "call-remote",
      autoplay: true,
      playsinline: true,
      "aria-label": "Vidéo de votre praticien",
    });
    this.localVideo = el("video", {
      class: "call-local",
      autoplay: true,
      playsinline: true,
      muted: true,
      "aria-label": "Votre image (aperçu)",
    });
    this.localVideo.muted = true; // the attribute alone does not mute in every browser
    this.soundButton = el("button", { type: "button", class: "button call-sound", hidden: true }, "Activer le son");
    // The link with the practitioner, as this page receives it; a live region that speaks only
    // when the level changes (the figures stay in its title).
    this.quality = el("p", { class: "call-quality", role: "status", "aria-live": "polite", hidden: true });
    this.stage = el("div", { class: "call-stage", hidden: true }, this.remoteVideo, this.localVideo, this.soundButton);

    this.micButton = el("button", { type: "button", class: "button call-control" }, "Couper le micro");
    this.camButton = el("button", { type: "button", class: "button call-control" }, "Couper la caméra");
    this.fullscreenButton = el(
      "button",
      { type: "button", class: "button call-control", hidden: !document.fullscreenEnabled },
      "Plein écran",
    );
    this.hangupButton = el("button", { type: "button", class: "button call-hangup" }, "Raccrocher");
    this.closeButton = el("button", { type: "button", class: "button call-close", hidden: true }, "Fermer");
    this.controls = el(
      "div",
      { class: "call-controls", role: "group", "aria-label": "Commandes de l'appel", hidden: true },
      this.micButton,
      this.camButton,
      this.fullscreenButton,
      this.hangupButton,
    );
    this.fullscreenButton.addEventListener("click", () => this.toggleFullscreen());
    document.addEventListener("fullscreenchange", () => {
      this.fullscreenButton.textContent = document.fullscreenElement ? "Quitter le plein écran" : "Plein écran";
    });
    // Changing camera, microphone or speaker during the call (filled once the browser lists them).
    // The speaker only where a page can send its sound to another output (`setSinkId`: Chromium,
    // recent Firefox; not Safari nor an older Firefox ESR): elsewhere no list, the system's output.
    this.canChooseSpeaker = "setSinkId" in HTMLMediaElement.prototype;
    this.cameraSelect = el("select", { class: "call-device-select", id: "call-camera-select" });
    this.microphoneSelect = el("select", { class: "call-device-select", id: "call-microphone-select" });
    this.speakerSelect = el("select", { class: "call-device-select", id: "call-speaker-select" });
    this.speakerLabel = el("label", { for: "call-speaker-select" }, "Haut-parleur");
    this.deviceProblem = el("p", { class: "call-device-problem", role: "alert", hidden: true });
    this.devices = el(
      "div",
      { class: "call-devices", role: "group", "aria-label": "Changer d'appareil pendant l'appel", hidden: true },
      el("label", { for: "call-camera-select" }, "Caméra"),
      this.cameraSelect,
      el("label", { for: "call-microphone-select" }, "Micro"),
      this.microphoneSelect,
      ...(this.canChooseSpeaker ? [this.speakerLabel, this.speakerSelect] : []),
      this.deviceProblem,
    );

    this.panel = el(
      "section",
      { class: "call-panel", "aria-labelledby": "call-heading", hidden: true },
      this.heading,
      this.status,
      this.checkList,
      this.help,
      this.stage,
      this.quality,
      this.controls,
      this.devices,
      this.closeButton,
    );
    this.heading.id = "call-heading";
    this.root = el("div", { class: "call", dataset: { call: "1" } }, this.panel);
    chatRoot.insertBefore(this.root, chatRoot.querySelector("#composer"));
    // The invitation comes last in the messages' scrolling box (after the payments): shown once the
    // page is there, it moves nothing on screen (CLS).
    const dock = chatRoot.querySelector("#chat-dock");
    if (dock) dock.append(this.invite);
    else this.root.prepend(this.invite);
  }

  /** Fullscreen for the whole call view (video and controls); Esc or the button leaves it. */
  async toggleFullscreen() {
    try {
      if (document.fullscreenElement) await document.exitFullscreen();
      else await this.panel.requestFullscreen({ navigationUI: "hide" });
    } catch {
      this.setStatus("Le plein écran n'est pas disponible dans ce navigateur.");
    }
  }

  /**
   * @param {{level: "good" | "fair" | "poor", loss: number, rtt: number, fps: number, stalled: boolean} | null} quality  null: hide
   */
  setQuality(quality) {
    if (!quality) {
      this.quality.hidden = true;
      return;
    }
    const text = `Qualité de la liaison avec votre praticien : ${QUALITY_TEXT[quality.level]}`;
    if (this.quality.textContent !== text) this.quality.textContent = text;
    this.quality.dataset.quality = quality.level;
    const percent = (quality.loss * 100).toLocaleString("fr-FR", { maximumFractionDigits: 1 });
    this.quality.title = `Pertes : ${percent} %, aller-retour : ${Math.round(quality.rtt)} ms, ${Math.round(quality.fps)} images/s`;
    this.quality.hidden = false;
  }

  /** @param {boolean} visible */
  showInvite(visible) {
    this.invite.hidden = !visible;
    // A new call's invitation replaces the previous call's « L'appel est terminé » panel.
    if (visible && this.isEnded) this.close();
    this.cameraButton.classList.toggle("call-button--ringing", visible);
    this.cameraButton.setAttribute(
      "aria-label",
      visible ? "Appel vidéo : votre praticien vous attend" : "Appel vidéo avec votre praticien",
    );
  }

  open() {
    this.isEnded = false;
    this.panel.hidden = false;
    this.closeButton.hidden = true;
    document.body.classList.add("in-call");
    window.scrollTo(0, 0);
    this.heading.focus();
  }

  close() {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    this.panel.hidden = true;
    document.body.classList.remove("in-call");
    this.cameraButton.focus();
  }

  resetChecks() {
    for (const { item, state } of Object.values(this.checkItems).filter((entry) => entry !== undefined)) {
      item.dataset.state = "pending";
      state.textContent = "vérification…";
    }
    this.checkList.hidden = false;
    this.help.hidden = true;
    this.help.replaceChildren();
  }

  /**
   * @param {CheckKey} key
   * @param {string} value  the check's state ("ok", "denied"…)
   */
  setCheck(key, value) {
    const entry = this.checkItems[key];
    if (!entry) return;
    entry.item.dataset.state = value === "ok" || value === "none" ? "ok" : "problem";
    entry.state.textContent = CHECK_LABELS[key][value] || value;
  }

  /**
   * Help for a refused or missing device, with a link to the detailed help page.
   * @param {string} title
   * @param {string} text
   * @param {string} url
   * @param {() => void} onRetry
   * @param {string} [linkText]
   */
  showHelp(title, text, url, onRetry, linkText = "Voir l'aide détaillée pour votre navigateur") {
    const retry = el("button", { type: "button", class: "button" }, "Réessayer");
    retry.addEventListener("click", onRetry);
    this.help.replaceChildren(
      el("p", {}, el("strong", {}, title)),
      el("p", {}, text),
      el("p", {}, el("a", { href: url, target: "_blank", rel: "noopener" }, linkText)),
      retry,
    );
    this.help.hidden = false;
  }

  /** @param {string} text */
  setStatus(text) {
    this.status.textContent = text;
  }

  /** @param {boolean} visible */
  showStage(visible) {
    this.stage.hidden = !visible;
    this.controls.hidden = !visible;
    if (!visible) this.devices.hidden = true;
    if (visible) this.checkList.hidden = true;
  }

  /**
   * A switch whose label says what a press does (« Couper le micro » / « Rétablir le micro »).
   * @param {HTMLButtonElement} button
   * @param {boolean} off
   * @param {string} offText  the label while on (what a press does: switch off)
   * @param {string} onText  the label while off
   */
  setToggle(button, off, offText, onText) {
    button.textContent = off ? onText : offText;
    button.classList.toggle("call-control--off", off);
  }

  /**
   * The device chooser: one list per kind, the device in use selected (a list of one is shown
   * disabled). Shown when there is a choice to make (two cameras, microphones or speakers).
   * @param {Record<"camera" | "microphone" | "speaker", DeviceList>} lists  the speakers are left
   *   out where the browser cannot choose one (canChooseSpeaker)
   */
  setDevices(lists) {
    /** @type {[HTMLSelectElement, DeviceList, string][]} */
    const rows = [
      [this.cameraSelect, lists.camera, "Caméra"],
      [this.microphoneSelect, lists.microphone, "Micro"],
    ];
    if (this.canChooseSpeaker) rows.push([this.speakerSelect, lists.speaker, "Haut-parleur"]);
    // A browser that lists no output (none exposed to the page): no empty list.
    this.speakerLabel.hidden = this.speakerSelect.hidden = lists.speaker.devices.length === 0;
    for (const [select, { devices, current }, fallback] of rows) {
      select.replaceChildren(
        ...devices.map((device, i) =>
          el("option", { value: device.deviceId, selected: device.deviceId === current }, device.label || `${fallback} ${i + 1}`),
        ),
      );
      select.value = current;
      select.disabled = devices.length < 2;
    }
    const choice = rows.some(([, { devices }]) => devices.length >= 2);
    this.devices.hidden = this.stage.hidden || (!choice && this.deviceProblem.hidden);
  }

  /** @param {string} text  empty: no problem */
  setDeviceProblem(text) {
    this.deviceProblem.textContent = text;
    this.deviceProblem.hidden = !text;
    if (text && !this.stage.hidden) this.devices.hidden = false;
  }

  /** @param {string} text */
  ended(text) {
    this.isEnded = true;
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    this.showStage(false);
    this.checkList.hidden = true;
    this.setStatus(text);
    this.closeButton.hidden = false;
    this.closeButton.focus();
  }
}
