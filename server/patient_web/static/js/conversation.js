// @ts-check
// The chat view of one conversation, independent of the page around it. Other modules plug in
// through registerConversationPlugin (the call module adds its camera button to the toolbar):
//   registerConversationPlugin(({ view, toolbar, conversation, realtime }) => { ... });
import { api, ApiError } from "./api.js";
import { renderAttachment } from "./attachments.js";
import { $, el, linkedText, show, typed } from "./dom.js";
import { dayKey, formatDay, formatLongDate, formatTime } from "./format.js";
import { practitionerName, professionLabel } from "./labels.js";
/** @import { Realtime } from "./realtime.js" */
/** @import { Conversation, EventData, Message, MessagesPage, PatientWrite, User } from "./types.js" */

/**
 * A module that adds to the conversation view once it is loaded (the call, the payments).
 * @callback ConversationPlugin
 * @param {{view: ConversationView, toolbar: HTMLElement, conversation: Conversation | null, realtime: Realtime}} context
 * @returns {void}
 */

/** @type {ConversationPlugin[]} */
const plugins = [];

/** @param {ConversationPlugin} plugin */
export function registerConversationPlugin(plugin) {
  plugins.push(plugin);
}

function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export class ConversationView {
  /**
   * @param {HTMLElement} root  the #chat element of conversation.html
   * @param {{conversationId: string, me: Pick<User, "id">}} options
   */
  constructor(root, { conversationId, me }) {
    this.root = root;
    this.conversationId = conversationId;
    this.me = me;
    /** @type {Conversation | null} */
    this.conversation = null;
    /** @type {Map<string, Message>} id → message (server shape, or pending local copy) */
    this.messages = new Map();
    /** @type {number} the last seq this page marked read */
    this.readSeq = 0;
    this.list = $("#messages", root);
    /** The box that scrolls: the messages, then the banners plugins put in `dock` (payments). */
    this.scroller = $("#chat-scroll", root);
    this.dock = $("#chat-dock", root);
    this.form = typed($("#composer", root), HTMLFormElement);
    this.input = typed($("#composer-input", root), HTMLTextAreaElement);
    this.error = $("#composer-error", root);
    this.banner = $("#closed-banner", root);
    this.closedDetail = $("#closed-detail", root);
    this.limit = $("#write-limit", root);
    this.toolbar = $('[data-slot="actions"]', root);
    /** @type {Realtime | null} */
    this.realtime = null;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendFromComposer();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.sendFromComposer();
      }
    });
    document.addEventListener("visibilitychange", () => this.markRead());
    // A focused control never hides under the sticky composer: the page scrolls it above.
    new ResizeObserver(() => {
      const height = this.form.hidden ? 0 : this.form.getBoundingClientRect().height;
      document.documentElement.style.setProperty("--composer-height", `${Math.ceil(height)}px`);
    }).observe(this.form);
  }

  async load() {
    const id = encodeURIComponent(this.conversationId);
    const [conversation, page] = await Promise.all([
      /** @type {Promise<Conversation>} */ (api(`/conversations/${id}`)),
      /** @type {Promise<MessagesPage>} */ (api(`/conversations/${id}/messages?limit=100`)),
    ]);
    this.setConversation(conversation);
    for (const message of page.items) this.messages.set(message.id, message);
    this.renderAll();
    this.markRead();
  }

  /** @param {Realtime} realtime */
  attach(realtime) {
    this.realtime = realtime;
    for (const plugin of plugins) {
      plugin({ view: this, toolbar: this.toolbar, conversation: this.conversation, realtime });
    }
  }

  /** @param {Conversation} conversation */
  setConversation(conversation) {
    this.conversation = conversation;
    const who = conversation.practitioner;
    const name = practitionerName(who);
    $("#chat-title", this.root).textContent = name;
    document.title = `${name} — Teleconsult`;
    const sub = [professionLabel(who.profession), who.city].filter(Boolean).join(" · ");
    $("#chat-subtitle", this.root).textContent = sub;
    this.setWritable(conversation.patient_can_write, conversation.patient_write);
  }

  /**
   * Open or close the composer, and say until when the patient may write (« jusqu'au » is a day in
   * France, included: docs/decisions.md).
   * @param {boolean} canWrite
   * @param {PatientWrite} [write]  the practitioner's setting, when known
   */
  setWritable(canWrite, write) {
    const wasOpen = !this.form.hidden;
    const until = write && write.mode === "until" && write.until ? formatLongDate(`${write.until}T12:00:00Z`) : "";
    this.limit.textContent = canWrite && until ? `Vous pouvez écrire à votre praticien jusqu'au ${until} inclus.` : "";
    show(this.limit, canWrite && Boolean(until));
    this.closedDetail.textContent = until
      ? `Vous pouviez lui écrire jusqu'au ${until} inclus ; il peut rouvrir la conversation.`
      : "Vous pourrez lui écrire à nouveau quand il rouvrira la conversation.";
    show(this.banner, !canWrite);
    show(this.form, canWrite);
    if (!canWrite && wasOpen && this.root.contains(document.activeElement)) this.banner.focus();
  }

  /**
   * Persisted events from the socket (plugins wrap this method to see them too).
   * @param {string} event
   * @param {EventData} data
   */
  handleEvent(event, data) {
    if (event === "message.created" && data.message && data.message.conversation_id === this.conversationId) {
      this.receive(data.message);
    } else if (event === "conversation.updated" && data.conversation_id === this.conversationId) {
      const canWrite = Boolean(data.patient_can_write);
      if (this.conversation) {
        this.conversation.patient_can_write = canWrite;
        if (data.patient_write) this.conversation.patient_write = data.patient_write;
      }
      this.setWritable(canWrite, data.patient_write);
    }
  }

  /** @param {Message} message */
  receive(message) {
    const known = this.messages.get(message.id);
    this.messages.set(message.id, message);
    if (known && known.pending === undefined) return; // already shown
    const last = this.lastRendered();
    if (!known && (!last || (message.seq ?? 0) > (last.seq ?? 0))) {
      this.appendMessage(message, last);
    } else {
      this.renderAll();
    }
    if (message.sender_id !== this.me.id) this.markRead();
  }

  /** The stored message with the highest seq (pending ones have none). */
  lastRendered() {
    /** @type {Message | null} */
    let last = null;
    for (const m of this.messages.values()) if (m.seq && (!last || m.seq > (last.seq ?? 0))) last = m;
    return last;
  }

  sorted() {
    return Array.from(this.messages.values()).sort((a, b) => (a.seq || Infinity) - (b.seq || Infinity));
  }

  renderAll() {
    this.list.replaceChildren();
    /** @type {Message | null} */
    let previous = null;
    for (const message of this.sorted()) {
      this.list.append(...this.itemsFor(message, previous));
      previous = message;
    }
    this.scrollToEnd();
  }

  /**
   * @param {Message} message
   * @param {Message | null} previous
   */
  appendMessage(message, previous) {
    // Pending local messages sit at the end: keep them there.
    const pendingNode = this.list.querySelector(".message--pending");
    for (const node of this.itemsFor(message, previous)) this.list.insertBefore(node, pendingNode);
    this.scrollToEnd();
  }

  /**
   * The message's list items: a day separator when its day (in France) is not the previous one's.
   * @param {Message} message
   * @param {Message | null} previous
   */
  itemsFor(message, previous) {
    const items = [];
    const when = message.created_at || new Date().toISOString();
    if (!previous || dayKey(previous.created_at || when) !== dayKey(when)) {
      items.push(el("li", { class: "day-separator" }, formatDay(when)));
    }
    const newDay = items.length > 0;
    const sameSender =
      !newDay && previous !== null && previous.sender_id === message.sender_id && previous.sender_role === message.sender_role;
    items.push(this.renderMessage(message, !sameSender));
    return items;
  }

  /**
   * @param {Message} message
   * @param {boolean} [showSender]  show the sender's name (the first of a run of their messages);
   *   a screen reader hears it on every message
   */
  renderMessage(message, showSender = true) {
    const mine = message.sender_id === this.me.id;
    const system = message.sender_role === "system";
    const practitioner = this.conversation ? practitionerName(this.conversation.practitioner) : "Votre praticien";
    const who = mine ? "Vous" : system ? "Information" : practitioner;
    const classes = ["message", mine ? "message--mine" : system ? "message--system" : "message--theirs"];
    if (message.pending) classes.push("message--pending");
    if (message.failed) classes.push("message--failed");
    const body =
      message.kind === "attachment" ? renderAttachment(message) : el("p", { class: "message-body" }, linkedText(message.body));
    let status = message.created_at ? formatTime(message.created_at) : "Envoi…";
    if (message.failed) status = "Non envoyé";
    const meta = el(
      "p",
      { class: "message-meta" },
      message.created_at ? el("time", { datetime: message.created_at }, status) : status,
    );
    const sender = el(
      "p",
      { class: showSender && !system ? "message-sender" : "message-sender visually-hidden" },
      who,
    );
    const item = el(
      "li",
      { class: classes.join(" "), dataset: { id: message.id, seq: String(message.seq || "") } },
      sender,
      body,
      meta,
    );
    if (message.failed) {
      item.append(
        el("button", { type: "button", class: "link-button", onclick: () => this.send(message.body, message.id) }, "Réessayer"),
      );
    }
    return item;
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  async sendFromComposer() {
    const body = this.input.value.trim();
    if (!body) {
      this.error.textContent = "Le message est vide.";
      this.input.focus();
      return;
    }
    this.input.value = "";
    await this.send(body);
    this.input.focus();
  }

  /**
   * Send with a client id: a retry (same id) never duplicates the message on the server.
   * @param {string} body
   * @param {string} [id]
   */
  async send(body, id = newId()) {
    this.error.textContent = "";
    this.messages.set(id, { id, body, kind: "text", sender_id: this.me.id, sender_role: "patient", pending: true });
    this.renderAll();
    try {
      /** @type {Message} */
      const stored = await api(
        `/conversations/${encodeURIComponent(this.conversationId)}/messages/${encodeURIComponent(id)}`,
        { method: "PUT", body: { body } },
      );
      this.messages.set(id, stored);
      this.renderAll();
    } catch (error) {
      this.messages.set(id, { id, body, kind: "text", sender_id: this.me.id, sender_role: "patient", failed: true, pending: true });
      this.renderAll();
      this.error.textContent = error instanceof ApiError ? error.detail : "Message non envoyé.";
      if (error instanceof ApiError && error.code === "conversation_closed") {
        this.messages.delete(id);
        this.renderAll();
        this.setWritable(false, this.conversation?.patient_write);
      }
    }
  }

  async markRead() {
    if (document.visibilityState !== "visible") return;
    const last = this.lastRendered();
    if (!last || !last.seq || !this.conversation || last.seq <= (this.readSeq || this.conversation.read_seq || 0)) return;
    this.readSeq = last.seq;
    try {
      await api(`/conversations/${encodeURIComponent(this.conversationId)}/read`, {
        method: "POST",
        body: { seq: last.seq },
      });
    } catch {
      this.readSeq = 0; // retried on the next message or visibility change
    }
  }
}
