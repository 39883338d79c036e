// @ts-check
// Form helpers: values, busy state, and errors shown next to the field and in a summary that
// takes focus (so screen-reader users hear what went wrong).
import { focusOn, show } from "./dom.js";

/**
 * An error to show: a sentence, or an ApiError (or its like) whose `field` names the input.
 * @typedef {string | {detail?: string, field?: string | null}} FormError
 */

/**
 * The form's text fields by name, trimmed (passwords as typed).
 * @param {HTMLFormElement} form
 * @returns {Record<string, string>}
 */
export function formValues(form) {
  /** @type {Record<string, string>} */
  const values = {};
  for (const [name, value] of new FormData(form).entries()) {
    if (typeof value === "string") values[name] = name === "password" ? value : value.trim();
  }
  return values;
}

/**
 * @param {HTMLFormElement} form
 * @param {boolean} busy
 */
export function setBusy(form, busy) {
  for (const button of form.querySelectorAll("button[type=submit]")) {
    if (!(button instanceof HTMLButtonElement)) continue;
    button.disabled = busy;
    button.setAttribute("aria-busy", busy ? "true" : "false");
  }
}

/**
 * @param {HTMLFormElement | null} form
 * @param {HTMLElement | null} summary
 */
export function clearErrors(form, summary) {
  if (summary) {
    summary.textContent = "";
    show(summary, false);
  }
  if (!form) return;
  for (const node of form.querySelectorAll(".field-error")) node.remove();
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    const described = (input.getAttribute("aria-describedby") || "")
      .split(" ")
      .filter((id) => id && !id.endsWith("-error"))
      .join(" ");
    if (described) input.setAttribute("aria-describedby", described);
    else input.removeAttribute("aria-describedby");
  }
}

/**
 * Show `error` on `form`: next to its field if the server named one, and in the summary.
 * @param {HTMLFormElement | null} form
 * @param {HTMLElement | null} summary
 * @param {FormError} error
 */
export function showError(form, summary, error) {
  const detail = typeof error === "string" ? error : error.detail || "Une erreur est survenue.";
  const field = typeof error === "string" ? null : error.field;
  const found = form && field ? form.querySelector(`[name="${CSS.escape(field)}"]`) : null;
  const input = found instanceof HTMLElement ? found : null;
  if (input) {
    const id = `${input.id || input.getAttribute("name")}-error`;
    const message = document.createElement("p");
    message.className = "field-error";
    message.id = id;
    message.textContent = detail;
    input.closest(".field")?.append(message);
    input.setAttribute("aria-invalid", "true");
    const described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", described ? `${described} ${id}` : id);
  }
  if (summary) {
    summary.textContent = detail;
    show(summary, true);
    if (input) input.focus();
    else focusOn(summary);
  } else if (input) {
    input.focus();
  }
}
