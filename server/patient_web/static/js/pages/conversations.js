// @ts-check
// The patient's conversations (newest first) and connection requests, kept live by the socket.
import { api, apiError } from "../api.js";
import { $, el, focusOn, show } from "../dom.js";
import { formatWhen } from "../format.js";
import { practitionerName } from "../labels.js";
import { initLayout, requireSession } from "../layout.js";
import { Realtime, STATUS_TEXT } from "../realtime.js";
/** @import { ConnectionRequest, ConnectionRequestsPage, Conversation, ConversationsPage, Message, User } from "../types.js" */

const session = requireSession();
initLayout();

const list = $("#conversation-list");
const requests = $("#requests");
const statusLine = $("#connection-status");
const pageError = $("#page-error");

/** @param {Message | null} message */
function preview(message) {
  if (!message) return "Nouvelle conversation";
  if (message.kind === "attachment") {
    // In words, not an emoji: without an emoji font it shows as an empty box.
    const info = message.data?.attachment;
    const kind = info?.content_type?.startsWith("image/") ? "Photo" : "Document";
    return info?.filename ? `${kind} : ${info.filename}` : kind;
  }
  const who = message.sender_role === "patient" ? "Vous : " : "";
  return who + message.body;
}

/** @param {Conversation[]} items */
function renderConversations(items) {
  list.replaceChildren(
    ...items.map((c) => {
      const name = practitionerName(c.practitioner);
      const unread = c.unread
        ? el("span", { class: "badge", "aria-label": `${c.unread} message${c.unread > 1 ? "s" : ""} non lu${c.unread > 1 ? "s" : ""}` }, String(c.unread))
        : null;
      const when = c.last_message ? c.last_message.created_at : c.updated_at;
      return el(
        "li",
        {},
        el(
          "a",
          { href: `/conversations/${encodeURIComponent(c.id)}` },
          el("span", { class: "who" }, name),
          el("span", { class: "when" }, el("time", { datetime: when }, formatWhen(when))),
          el("span", { class: "preview" }, preview(c.last_message)),
          el("span", {}, unread),
        ),
      );
    }),
  );
  show($("#empty"), items.length === 0);
}

/** @param {ConnectionRequest[]} items */
function renderRequests(items) {
  const shown = items.filter((r) => r.status !== "accepted");
  requests.replaceChildren(
    ...shown.map((r) => {
      const name = r.practitioner.display_name;
      const text =
        r.status === "pending"
          ? `Demande envoyée à ${name} : en attente de sa réponse.`
          : `${name} n'a pas pu donner suite à votre demande. Vous pouvez contacter son cabinet directement.`;
      return el("li", { class: "card" }, el("p", {}, text));
    }),
  );
  show($("#requests-section"), shown.length > 0);
}

let refreshes = 0; // the latest refresh: an older one's late answer must not replace its lists

async function refresh() {
  const mine = ++refreshes;
  try {
    const [conversations, sent] = await Promise.all([
      /** @type {Promise<ConversationsPage>} */ (api("/conversations?limit=100")),
      /** @type {Promise<ConnectionRequestsPage>} */ (api("/connection-requests")),
    ]);
    if (mine !== refreshes) return;
    renderConversations(conversations.items);
    renderRequests(sent.items);
    show(pageError, false);
  } catch (error) {
    if (mine !== refreshes) return;
    pageError.textContent = apiError(error).detail;
    show(pageError, true);
  }
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
function refreshSoon() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 150);
}

async function main() {
  /** @type {User} */
  const me = await api("/me");
  await refresh();
  focusOn($("#titre"));
  const realtime = new Realtime({
    userId: me.id,
    startSeq: me.event_seq,
    onEvent: (event, data) => {
      if (event === "connection_request.updated" && data.request && data.request.status === "accepted") {
        statusLine.textContent = `${data.request.practitioner.display_name} a accepté votre demande : la conversation est ouverte.`;
      }
      refreshSoon();
    },
    onStatus: (status) => {
      statusLine.textContent = STATUS_TEXT[status];
    },
    onSessionEnded: () => location.replace("/connexion?suite=/conversations"),
  });
  realtime.start();
}

if (session) {
  main().catch((failure) => {
    const error = apiError(failure, "Erreur de chargement.");
    if (error.status === 401) location.replace("/connexion?suite=/conversations");
    pageError.textContent = error.detail;
    show(pageError, true);
  });
}
