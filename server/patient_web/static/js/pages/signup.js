// @ts-check
// Self sign-up of a patient, then on to the directory to find a practitioner.
import { api, apiError } from "../api.js";
import { $, typed } from "../dom.js";
import { clearErrors, formValues, setBusy, showError } from "../forms.js";
import { initLayout } from "../layout.js";
import { getSession, saveSession } from "../session.js";
/** @import { SessionPublic } from "../types.js" */

if (getSession()) location.replace("/conversations");
initLayout();

const form = typed($("#signup-form"), HTMLFormElement);
const summary = $("#form-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form, summary);
  const v = formValues(form);
  if (!v.email && !v.phone) {
    showError(form, summary, {
      detail: "Indiquez une adresse e-mail ou un numéro de téléphone portable.",
      field: "email",
    });
    return;
  }
  setBusy(form, true);
  try {
    /** @type {SessionPublic} */
    const session = await api("/auth/patients", {
      method: "POST",
      auth: false,
      body: {
        first_name: v.first_name,
        last_name: v.last_name,
        email: v.email || null,
        phone: v.phone || null,
        password: v.password,
      },
    });
    saveSession(session.token, session.user);
    location.assign("/annuaire?bienvenue=1");
  } catch (error) {
    showError(form, summary, apiError(error));
  } finally {
    setBusy(form, false);
  }
});
