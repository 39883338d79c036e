// @ts-check
// One conversation: messages in real time, sending, and the closed-conversation banner.
import { api, apiError } from "../api.js";
import { ConversationView } from "../conversation.js";
import { $, show } from "../dom.js";
import { initLayout, requireSession } from "../layout.js";
import { Realtime, STATUS_TEXT } from "../realtime.js";
import "../payments.js"; // payment banners (conversation plugin)
import "../call.js"; // video call with the practitioner (conversation plugin)
/** @import { User } from "../types.js" */

const session = requireSession();
initLayout();

const conversationId = decodeURIComponent(location.pathname.split("/")[2] || "");
const pageError = $("#page-error");
const statusLine = $("#connection-status");

async function main() {
  /** @type {User} */
  const me = await api("/me");
  const view = new ConversationView($("#chat"), { conversationId, me });
  await view.load();
  const realtime = new Realtime({
    userId: me.id,
    startSeq: me.event_seq,
    onEvent: (event, data) => view.handleEvent(event, data),
    onStatus: (status) => {
      statusLine.textContent = STATUS_TEXT[status];
    },
    onSessionEnded: () => location.replace(`/connexion?suite=${encodeURIComponent(location.pathname)}`),
  });
  view.attach(realtime);
  $("#chat").removeAttribute("aria-busy"); // shown at once, with the plugins' toolbar buttons
  realtime.start();
  if (!$("#composer").hidden) $("#composer-input").focus();
}

if (session) {
  main().catch((failure) => {
    const error = apiError(failure, "Erreur de chargement.");
    if (error.status === 401) {
      location.replace(`/connexion?suite=${encodeURIComponent(location.pathname)}`);
      return;
    }
    $("#chat").removeAttribute("aria-busy");
    pageError.textContent = error.status === 404 ? "Cette conversation est introuvable." : error.detail;
    show(pageError, true);
    show($("#composer"), false);
    pageError.focus();
  });
}
