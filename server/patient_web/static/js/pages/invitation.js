// @ts-check
// Invitation landing: sign up (prefilled) or sign in, then accept → the conversation opens.
// The page itself was rendered by the server for this link's state; invalid links need no script
// (their page has none of the forms: only the layout is set up then).
import { api, apiError } from "../api.js";
import { $, $$, $maybe, focusOn, show, typed } from "../dom.js";
import { clearErrors, formValues, setBusy, showError } from "../forms.js";
import { initLayout, signOut } from "../layout.js";
import { getSession, saveSession } from "../session.js";
import { wireSignupCode } from "../signup_code.js";
/** @import { InvitationAccepted, SessionPublic, User } from "../types.js" */

/** @typedef {"accept" | "signup" | "signin"} Step */

initLayout();

const token = decodeURIComponent(location.pathname.split("/")[2] || "");
const acceptSection = $maybe("#accept-section");

/** The forms of a valid link, wired once the page knows whether the patient is signed in. */
function landing(/** @type {HTMLElement} */ accept) {
  const summary = $("#form-error");
  /** @type {Record<Step, HTMLElement>} */
  const sections = { accept, signup: $("#signup-section"), signin: $("#signin-section") };
  const signupForm = typed($("#signup-form"), HTMLFormElement);
  const signinForm = typed($("#signin-form"), HTMLFormElement);
  const acceptButton = typed($("#accept-button"), HTMLButtonElement);
  const accountHint = $maybe("[data-account-hint]");

  /**
   * @param {Step} name
   * @param {boolean} [focus]
   */
  function showOnly(name, focus = true) {
    for (const [key, section] of Object.entries(sections)) show(section, key === name);
    if (focus) focusOn(name === "accept" ? acceptButton : $maybe("input", sections[name]));
  }

  /**
   * @param {Pick<User, "first_name" | "last_name">} user
   * @param {boolean} [focus]
   */
  function showAccept(user, focus = true) {
    $("[data-me-name]").textContent = `${user.first_name} ${user.last_name}`;
    showOnly("accept", focus);
    initLayout();
  }

  let wired = false;
  function wireForms() {
    if (wired) return;
    wired = true;
    for (const button of $$("[data-show]")) {
      button.addEventListener("click", () => {
        clearErrors(null, summary);
        showOnly(button.dataset.show === "signin" ? "signin" : "signup");
      });
    }
    wireSignupCode({
      signupForm,
      codeForm: typed($("#signup-code-form"), HTMLFormElement),
      summary,
      onSignedIn: (user) => showAccept(user),
      onConflict: (detail) => {
        showOnly("signin", false);
        showError(signinForm, summary, { detail, field: "password" });
        return true;
      },
    });
    signinForm.addEventListener("submit", signIn);
  }

  /** @param {SubmitEvent} event */
  async function signIn(event) {
    event.preventDefault();
    const form = signinForm;
    clearErrors(form, summary);
    const v = formValues(form);
    if (!v.identifier || !v.password) {
      showError(form, summary, {
        detail: "Indiquez votre adresse e-mail (ou téléphone) et votre mot de passe.",
        field: v.identifier ? "password" : "identifier",
      });
      return;
    }
    setBusy(form, true);
    try {
      /** @type {SessionPublic} */
      const session = await api("/auth/login", {
        method: "POST",
        auth: false,
        body: { role: "patient", identifier: v.identifier, password: v.password },
      });
      saveSession(session.token, session.user);
      showAccept(session.user);
    } catch (failure) {
      const error = apiError(failure);
      showError(form, summary, error.field === "role" ? { detail: error.detail } : error);
    } finally {
      setBusy(form, false);
    }
  }

  acceptButton.addEventListener("click", async () => {
    clearErrors(null, summary);
    acceptButton.disabled = true;
    acceptButton.setAttribute("aria-busy", "true");
    try {
      /** @type {InvitationAccepted} */
      const accepted = await api("/invitation-links/accept", { method: "POST", body: { token } });
      location.assign(`/conversations/${encodeURIComponent(accepted.conversation_id)}`);
    } catch (error) {
      showError(null, summary, apiError(error));
      acceptButton.disabled = false;
      acceptButton.setAttribute("aria-busy", "false");
    }
  });

  $('[data-action="switch-account"]').addEventListener("click", async () => {
    await signOut(null);
    initLayout();
    wireForms();
    showOnly(accountHint && !accountHint.hidden ? "signin" : "signup");
  });

  async function start() {
    if (getSession()) {
      try {
        /** @type {User} */
        const me = await api("/me");
        if (me.role === "patient") {
          showAccept(me, false);
          return;
        }
      } catch {
        // the stored session expired: show the forms
      }
    }
    wireForms();
  }

  start();
}

if (acceptSection) landing(acceptSection);
