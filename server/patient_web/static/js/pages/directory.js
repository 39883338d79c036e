// @ts-check
// The directory: search PRO+ practitioners, send a connection request with a short message.
import { api, apiError } from "../api.js";
import { $, el, focusOn, show, typed } from "../dom.js";
import { initLayout, requireSession } from "../layout.js";
/** @import { ConnectionRequestOutcome, DirectoryPage, PractitionerCard } from "../types.js" */

const session = requireSession();
initLayout();

const form = typed($("#search-form"), HTMLFormElement);
const results = $("#results");
const count = $("#result-count");
const pageError = $("#page-error");

if (new URLSearchParams(location.search).get("bienvenue") === "1") {
  show($("#welcome"), true);
}

/** @param {PractitionerCard} card */
function describe(card) {
  const what = card.specialty_label ? `${card.profession_label} (${card.specialty_label})` : card.profession_label;
  return [what, card.city].filter(Boolean).join(" — ");
}

/**
 * @param {PractitionerCard} card
 * @param {HTMLElement} item  the card's list item
 */
function requestForm(card, item) {
  const id = `msg-${card.id}`;
  const error = el("p", { class: "field-error", role: "alert" });
  const textarea = el("textarea", { id, name: "message", rows: 3, maxlength: 500 });
  const requestFormNode = el(
    "form",
    { class: "form", novalidate: true },
    el(
      "div",
      { class: "field" },
      el("label", { for: id }, `Votre message à ${card.display_name} (facultatif)`),
      textarea,
      el("p", { class: "hint" }, "Quelques mots suffisent : par exemple la raison de votre demande. 500 caractères au plus."),
    ),
    el("button", { type: "submit", class: "button button--primary" }, "Envoyer la demande"),
    " ",
    el("button", { type: "button", class: "button", onclick: () => renderItem(card, item, true) }, "Annuler"),
    error,
  );
  requestFormNode.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const submit = typed($("button[type=submit]", requestFormNode), HTMLButtonElement);
    submit.disabled = true;
    try {
      /** @type {ConnectionRequestOutcome} */
      const outcome = await api("/connection-requests", {
        method: "POST",
        body: { practitioner_id: card.id, message: textarea.value.trim() },
      });
      if (outcome.outcome === "existing_conversation") {
        card.conversation_id = outcome.conversation_id;
      } else {
        card.request_status = "pending";
        card.just_sent = true;
      }
      renderItem(card, item, true);
    } catch (failure) {
      error.textContent = apiError(failure).detail;
      submit.disabled = false;
      textarea.setAttribute("aria-invalid", "true");
      textarea.focus();
    }
  });
  return requestFormNode;
}

/**
 * @param {PractitionerCard} card
 * @param {HTMLElement} item  the card's list item
 * @param {boolean} [focus]  move the focus to the card's action (after a change)
 */
function renderItem(card, item, focus = false) {
  const heading = el("h2", { id: `p-${card.id}` }, card.display_name);
  /** @type {HTMLElement} */
  let action;
  if (card.conversation_id) {
    action = el("a", { class: "button", href: `/conversations/${encodeURIComponent(card.conversation_id)}` }, "Ouvrir la conversation");
  } else if (card.request_status === "pending") {
    action = el(
      "p",
      { class: "notice notice--ok", role: "status" },
      card.just_sent
        ? `Demande envoyée à ${card.display_name}. Vous serez prévenu(e) dans « Mes conversations » dès sa réponse.`
        : "Demande envoyée : en attente de réponse.",
    );
  } else {
    action = el(
      "button",
      {
        type: "button",
        class: "button button--primary",
        "aria-describedby": `p-${card.id}`,
        onclick: () => {
          const formNode = requestForm(card, item);
          action.replaceWith(formNode);
          $("textarea", formNode).focus();
        },
      },
      "Demander une mise en relation",
    );
  }
  item.replaceChildren(heading, el("p", {}, describe(card)), action);
  if (focus) focusOn(action);
}

let searches = 0; // the latest search: an older one's late answer must not replace its results

async function search() {
  const mine = ++searches;
  show(pageError, false);
  // The previous results stay readable but are marked stale until the answer: a card clicked now
  // would be replaced (and its open request form lost) when the new results arrive.
  count.textContent = "Recherche en cours…";
  results.setAttribute("aria-busy", "true");
  const data = new FormData(form);
  const params = new URLSearchParams();
  for (const key of ["q", "profession", "city"]) {
    const value = String(data.get(key) || "").trim();
    if (value) params.set(key, value);
  }
  try {
    /** @type {DirectoryPage} */
    const found = await api(`/directory?${params}`);
    if (mine !== searches) return;
    results.removeAttribute("aria-busy");
    results.replaceChildren(
      ...found.items.map((card) => {
        const item = el("li", { class: "card", "aria-labelledby": `p-${card.id}` });
        renderItem(card, item);
        return item;
      }),
    );
    const n = found.items.length;
    count.textContent =
      n === 0
        ? "Aucun praticien trouvé. Essayez avec moins de mots, ou sans la ville."
        : `${n} praticien${n > 1 ? "s" : ""} trouvé${n > 1 ? "s" : ""}.`;
  } catch (error) {
    if (mine !== searches) return;
    results.removeAttribute("aria-busy");
    count.textContent = "";
    pageError.textContent = apiError(error).detail;
    show(pageError, true);
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  search();
});

if (session) search();
