// @ts-check
// Forgotten password: ask for a code (email or SMS), then set a new password with it.
import { api, apiError } from "../api.js";
import { $, show, typed } from "../dom.js";
import { clearErrors, formValues, setBusy, showError } from "../forms.js";
import { initLayout } from "../layout.js";
import { saveSession } from "../session.js";
/** @import { PasswordResetStarted, SessionPublic } from "../types.js" */

initLayout();

const requestForm = typed($("#request-form"), HTMLFormElement);
const confirmForm = typed($("#confirm-form"), HTMLFormElement);
const summary = $("#form-error");
const identifierInput = typed($("#fp-identifier"), HTMLInputElement);
let resetId = "";

const prefill = new URLSearchParams(location.search).get("identifiant");
if (prefill) identifierInput.value = prefill;

requestForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(requestForm, summary);
  const { identifier } = formValues(requestForm);
  if (!identifier) {
    showError(requestForm, summary, { detail: "Indiquez votre adresse e-mail ou votre numéro.", field: "identifier" });
    return;
  }
  setBusy(requestForm, true);
  try {
    /** @type {PasswordResetStarted} */
    const started = await api("/auth/password-reset", {
      method: "POST",
      auth: false,
      body: { identifier, role: "patient" },
    });
    resetId = started.reset_id;
    $("#code-sent").textContent = started.detail;
    show(requestForm, false);
    show(confirmForm, true);
    $("#fp-code").focus();
  } catch (failure) {
    const error = apiError(failure);
    showError(requestForm, summary, error.field === "identifier" || !error.field ? { detail: error.detail, field: "identifier" } : error);
  } finally {
    setBusy(requestForm, false);
  }
});

confirmForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(confirmForm, summary);
  const { code, password } = formValues(confirmForm);
  if (!/^\d{6}$/.test(code || "")) {
    showError(confirmForm, summary, { detail: "Le code comporte 6 chiffres.", field: "code" });
    return;
  }
  setBusy(confirmForm, true);
  try {
    /** @type {SessionPublic} */
    const session = await api(`/auth/password-reset/${encodeURIComponent(resetId)}/confirm`, {
      method: "POST",
      auth: false,
      body: { code, password },
    });
    saveSession(session.token, session.user);
    location.assign("/conversations");
  } catch (failure) {
    const error = apiError(failure);
    showError(confirmForm, summary, error);
    if (error.code === "code_expired") restart();
  } finally {
    setBusy(confirmForm, false);
  }
});

function restart() {
  show(confirmForm, false);
  show(requestForm, true);
}

$('[data-action="restart"]').addEventListener("click", () => {
  clearErrors(confirmForm, summary);
  restart();
  identifierInput.focus();
});
