// @ts-check
// Payment requests in the conversation view: one banner per pending request, showing the fee, its
// label, the practitioner's convention sector and when the fee was announced, before any payment.
// « Payer » opens the payment page (Stripe Checkout) when the server takes online payments;
// otherwise the banner says the practitioner records the payment. Banners follow payment.created /
// payment.updated live. A conversation plugin: the page only imports this module.
import { api, ApiError } from "./api.js";
import { registerConversationPlugin } from "./conversation.js";
import { el } from "./dom.js";
import { formatLongDate } from "./format.js";
/** @import { ConversationView } from "./conversation.js" */
/** @import { Checkout, EventData, Payment, PaymentsPage } from "./types.js" */

const euros = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });
const OFFLINE_TEXT =
  "Vous réglez directement votre praticien (carte bancaire au cabinet, chèque, virement ou espèces) : " +
  "il enregistrera lui-même votre règlement.";
/** @type {Record<string, string>} the ?paiement= of the return from the payment page */
const RETURN_TEXT = {
  reussi: "Paiement effectué : sa confirmation arrive dans un instant.",
  abandonne: "Paiement abandonné : rien n'a été débité. Vous pouvez réessayer quand vous le souhaitez.",
};

function loadStyles() {
  if (document.querySelector("link[data-payments-css]")) return;
  document.head.append(
    el("link", { rel: "stylesheet", href: "/static/css/payments.css", dataset: { paymentsCss: "1" } }),
  );
}

/** « 25,00 € ». @param {number} cents */
export const formatAmount = (cents) => euros.format(cents / 100);

export class PaymentBanners {
  /** @param {ConversationView} view */
  constructor(view) {
    this.view = view;
    /** @type {Map<string, Payment>} id → payment (server shape) */
    this.payments = new Map();
    /** @type {Set<string>} paid while this page was open: thanked once */
    this.justPaid = new Set();
    this.returned = new URLSearchParams(location.search).get("paiement");
    this.root = el("section", { class: "payments", "aria-label": "Paiements", "aria-live": "polite", hidden: true });
    // At the end of the conversation's scrolling box, after the messages: a banner arriving once
    // the messages are shown moves nothing on screen (CLS), and stays where the next step is.
    view.dock.append(this.root);
  }

  async load() {
    /** @type {PaymentsPage} */
    const page = await api(`/conversations/${encodeURIComponent(this.view.conversationId)}/payments`);
    const recent = Date.now() - 15 * 60 * 1000;
    for (const payment of page.items) {
      this.payments.set(payment.id, payment);
      // Back from the payment page after the confirmation already arrived: thank the patient too.
      const paidAt = payment.paid_at ? Date.parse(payment.paid_at) : 0;
      if (this.returned === "reussi" && payment.status === "paid" && paidAt > recent) {
        this.justPaid.add(payment.id);
      }
    }
    this.render();
  }

  /**
   * @param {string} event
   * @param {EventData} data
   */
  handleEvent(event, data) {
    if (event !== "payment.created" && event !== "payment.updated") return;
    const payment = data.payment;
    if (!payment || payment.conversation_id !== this.view.conversationId) return;
    const before = this.payments.get(payment.id);
    if (payment.status === "paid" && (!before || before.status === "pending")) this.justPaid.add(payment.id);
    this.payments.set(payment.id, payment);
    this.render();
  }

  render() {
    const pending = [...this.payments.values()]
      .filter((p) => p.status === "pending")
      .sort((a, b) => a.created_at.localeCompare(b.created_at));
    const thanked = [...this.justPaid]
      .map((id) => this.payments.get(id))
      .filter(/** @returns {p is Payment} */ (p) => p?.status === "paid");
    this.root.replaceChildren(
      ...thanked.map((p) => this.paidNotice(p)),
      ...pending.map((p) => this.banner(p)),
    );
    const shown = pending.length > 0 || thanked.length > 0;
    const appeared = shown && this.root.hidden;
    this.root.hidden = !shown;
    if (appeared) this.view.scrollToEnd();
  }

  /**
   * Who did what: paid online by the patient (the practitioner is told by the payment service), or
   * a payment made to the practitioner, who recorded it himself (cheque, transfer, cash, card).
   * @param {Payment} payment
   */
  paidNotice(payment) {
    const amount = formatAmount(payment.amount_cents);
    const day = payment.paid_at ? ` le ${formatLongDate(payment.paid_at)}` : "";
    const text =
      payment.method === "online"
        ? [el("strong", {}, `Paiement de ${amount} reçu.`), " Merci ! Votre praticien en est informé."]
        : [
            el("strong", {}, `Règlement de ${amount} enregistré.`),
            ` Votre praticien a indiqué avoir reçu votre règlement${payment.method_label ? ` (${payment.method_label})` : ""}${day}.`,
          ];
    return el("p", { class: "payment-paid", dataset: { paymentId: payment.id } }, ...text);
  }

  /** @param {Payment} payment */
  banner(payment) {
    const amount = formatAmount(payment.amount_cents);
    const titleId = `payment-title-${payment.id}`;
    const who = payment.practitioner;
    const fee = [who.display_name, who.profession_label, who.sector_notice].filter(Boolean).join(" · ");
    const error = el("p", { class: "error", role: "alert" });
    const children = [
      el(
        "p",
        { class: "payment-title", id: titleId },
        el("strong", {}, `Paiement demandé : ${amount}`),
        ` — ${payment.label}`,
      ),
      el("p", { class: "payment-fee" }, fee),
      el("p", { class: "payment-notice" }, payment.fee_notice),
    ];
    if (this.returned && RETURN_TEXT[this.returned]) {
      children.push(el("p", { class: "notice payment-return", role: "status" }, RETURN_TEXT[this.returned]));
    }
    if (payment.can_pay_online) {
      const button = el("button", { type: "button", class: "button button--primary" }, `Payer ${amount}`);
      button.addEventListener("click", () => this.pay(payment, button, error));
      children.push(
        el("div", { class: "payment-actions" }, button),
        el("p", { class: "hint" }, "Paiement sécurisé par Stripe (carte bancaire et autres moyens proposés) : " +
          "vous quittez Teleconsult le temps du paiement, puis vous y revenez."),
      );
    } else {
      children.push(el("p", { class: "payment-offline" }, OFFLINE_TEXT));
    }
    children.push(error);
    return el(
      "div",
      { class: "payment-banner", role: "region", "aria-labelledby": titleId, dataset: { paymentId: payment.id } },
      ...children,
    );
  }

  /**
   * @param {Payment} payment
   * @param {HTMLButtonElement} button
   * @param {HTMLElement} error
   */
  async pay(payment, button, error) {
    error.textContent = "";
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      /** @type {Checkout} */
      const { url } = await api(`/payments/${encodeURIComponent(payment.id)}/checkout`, { method: "POST" });
      location.assign(url);
    } catch (failure) {
      error.textContent = failure instanceof ApiError ? failure.detail : "Le paiement n'a pas pu commencer.";
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }
}

registerConversationPlugin(({ view }) => {
  loadStyles();
  const banners = new PaymentBanners(view);
  // The page hands socket events to view.handleEvent: payment events also go to the banners.
  const handleEvent = view.handleEvent.bind(view);
  view.handleEvent = (event, data) => {
    handleEvent(event, data);
    banners.handleEvent(event, data);
  };
  banners.load().catch((failure) => {
    const detail = failure instanceof ApiError ? failure.detail : "Les paiements n'ont pas pu être chargés.";
    banners.root.replaceChildren(el("p", { class: "error", role: "alert" }, detail));
    banners.root.hidden = false;
  });
});
