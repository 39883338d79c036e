// @ts-check
// Sign in with an email or a phone number and a password.
import { api, apiError } from "../api.js";
import { $, show, typed } from "../dom.js";
import { clearErrors, formValues, setBusy, showError } from "../forms.js";
import { initLayout } from "../layout.js";
import { getSession, safeNext, saveSession } from "../session.js";
/** @import { SessionPublic } from "../types.js" */

const params = new URLSearchParams(location.search);
const next = safeNext(params.get("suite"));
if (getSession()) location.replace(next);
initLayout();

const form = typed($("#signin-form"), HTMLFormElement);
const summary = $("#form-error");
const status = $("#status-message");
if (params.get("deconnecte") === "1") {
  status.textContent = "Vous êtes déconnecté(e). À bientôt !";
  show(status, true);
} else if (params.get("suite")) {
  status.textContent = "Connectez-vous pour continuer.";
  show(status, true);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form, summary);
  const values = formValues(form);
  if (!values.identifier || !values.password) {
    showError(form, summary, {
      detail: "Indiquez votre adresse e-mail (ou téléphone) et votre mot de passe.",
      field: values.identifier ? "password" : "identifier",
    });
    return;
  }
  setBusy(form, true);
  try {
    /** @type {SessionPublic} */
    const session = await api("/auth/login", {
      method: "POST",
      auth: false,
      body: { role: "patient", identifier: values.identifier, password: values.password },
    });
    saveSession(session.token, session.user);
    location.assign(next);
  } catch (failure) {
    const error = apiError(failure);
    showError(form, summary, error.field === "role" ? { detail: error.detail } : error);
  } finally {
    setBusy(form, false);
  }
});
