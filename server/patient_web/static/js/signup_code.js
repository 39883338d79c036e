// @ts-check
// Patient sign-up in two steps: the form sends the details, the server sends a 6-digit code to the
// email (or the mobile); entering the code creates the account and signs in. The server answers
// the same whether or not the contact already has an account (then its owner is told by email or
// SMS, and no code arrives).
import { api, apiError } from "./api.js";
import { $, focusOn, show, typed } from "./dom.js";
import { clearErrors, formValues, setBusy, showError } from "./forms.js";
import { saveSession } from "./session.js";
/** @import { PatientSignupStarted, SessionPublic, User } from "./types.js" */

/**
 * Wire the sign-up form and its code form.
 * @param {object} parts
 * @param {HTMLFormElement} parts.signupForm  first_name, last_name, email, phone, password
 * @param {HTMLFormElement} parts.codeForm  a `code` input, `[data-code-sent]`, `[data-action="restart"]`
 * @param {HTMLElement} parts.summary  the error summary
 * @param {(user: User) => void} parts.onSignedIn  called once the account exists and is signed in
 * @param {(detail: string) => boolean} [parts.onConflict]  the account was created meanwhile
 */
export function wireSignupCode({ signupForm, codeForm, summary, onSignedIn, onConflict }) {
  let signupId = "";
  const codeInput = typed($("input[name=code]", codeForm), HTMLInputElement);

  /** @param {boolean} codeStep */
  function step(codeStep) {
    show(signupForm, !codeStep);
    show(codeForm, codeStep);
  }

  signupForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(signupForm, summary);
    const v = formValues(signupForm);
    if (!v.email && !v.phone) {
      showError(signupForm, summary, {
        detail: "Indiquez une adresse e-mail ou un numéro de téléphone portable.",
        field: "email",
      });
      return;
    }
    setBusy(signupForm, true);
    try {
      /** @type {PatientSignupStarted} */
      const started = await api("/auth/patients", {
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
      signupId = started.signup_id;
      $("[data-code-sent]", codeForm).textContent = started.detail;
      codeInput.value = "";
      step(true);
      focusOn(codeInput);
    } catch (failure) {
      showError(signupForm, summary, apiError(failure));
    } finally {
      setBusy(signupForm, false);
    }
  });

  codeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(codeForm, summary);
    const { code } = formValues(codeForm);
    if (!/^\d{6}$/.test((code || "").trim())) {
      showError(codeForm, summary, { detail: "Le code comporte 6 chiffres.", field: "code" });
      return;
    }
    setBusy(codeForm, true);
    try {
      /** @type {SessionPublic} */
      const session = await api(`/auth/patients/${encodeURIComponent(signupId)}/confirm`, {
        method: "POST",
        auth: false,
        body: { code: (code || "").trim() },
      });
      saveSession(session.token, session.user);
      onSignedIn(session.user);
    } catch (failure) {
      const error = apiError(failure);
      if (error.code === "account_exists" && onConflict && onConflict(error.detail)) return;
      showError(codeForm, summary, error);
      if (error.code === "code_expired") step(false);
    } finally {
      setBusy(codeForm, false);
    }
  });

  $('[data-action="restart"]', codeForm).addEventListener("click", () => {
    clearErrors(codeForm, summary);
    step(false);
    focusOn($("input", signupForm));
  });
}
