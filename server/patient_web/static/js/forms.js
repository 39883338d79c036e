// Form helpers: values, busy state, and errors shown next to the field and in a summary that
// takes focus (so screen-reader users hear what went wrong).
import { focusOn, show } from "./dom.js";

export function formValues(form) {
  const values = {};
  for (const [name, value] of new FormData(form).entries()) {
    values[name] = typeof value === "string" && name !== "password" ? value.trim() : value;
  }
  return values;
}

export function setBusy(form, busy) {
  for (const button of form.querySelectorAll("button[type=submit]")) {
    button.disabled = busy;
    button.setAttribute("aria-busy", busy ? "true" : "false");
  }
}

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

/** Show `error` (an ApiError or a message) on `form`: next to its field if the server named one. */
export function showError(form, summary, error) {
  const detail = typeof error === "string" ? error : error.detail || "Une erreur est survenue.";
  const input = form && error && error.field ? form.querySelector(`[name="${CSS.escape(error.field)}"]`) : null;
  if (input) {
    const id = `${input.id || input.name}-error`;
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
