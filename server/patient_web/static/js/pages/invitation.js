// Invitation landing: sign up (prefilled) or sign in, then accept → the conversation opens.
// The page itself was rendered by the server for this link's state; invalid links need no script.
import { api } from "../api.js";
import { $, $$, focusOn, show } from "../dom.js";
import { clearErrors, formValues, setBusy, showError } from "../forms.js";
import { initLayout, signOut } from "../layout.js";
import { getSession, saveSession } from "../session.js";

initLayout();

const token = decodeURIComponent(location.pathname.split("/")[2] || "");
const summary = $("#form-error");
const sections = {
  accept: $("#accept-section"),
  signup: $("#signup-section"),
  signin: $("#signin-section"),
};

async function start() {
  if (getSession()) {
    try {
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

function showOnly(name, focus = true) {
  for (const [key, section] of Object.entries(sections)) show(section, key === name);
  if (focus) {
    const target = name === "accept" ? $("#accept-button") : sections[name].querySelector("input");
    focusOn(target);
  }
}

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
      showOnly(button.dataset.show);
    });
  }
  $("#signup-form").addEventListener("submit", signUp);
  $("#signin-form").addEventListener("submit", signIn);
}

async function signUp(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearErrors(form, summary);
  const v = formValues(form);
  setBusy(form, true);
  try {
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
    showAccept(session.user);
  } catch (error) {
    if (error.code === "account_exists") {
      showOnly("signin", false);
      $("#si-identifier").value = v.email || v.phone || "";
      showError($("#signin-form"), summary, { detail: error.detail, field: "password" });
    } else {
      showError(form, summary, error);
    }
  } finally {
    setBusy(form, false);
  }
}

async function signIn(event) {
  event.preventDefault();
  const form = event.currentTarget;
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
    const session = await api("/auth/login", {
      method: "POST",
      auth: false,
      body: { role: "patient", identifier: v.identifier, password: v.password },
    });
    saveSession(session.token, session.user);
    showAccept(session.user);
  } catch (error) {
    showError(form, summary, error.field === "role" ? { detail: error.detail } : error);
  } finally {
    setBusy(form, false);
  }
}

$("#accept-button")?.addEventListener("click", async (event) => {
  const button = event.currentTarget;
  clearErrors(null, summary);
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    const accepted = await api("/invitation-links/accept", { method: "POST", body: { token } });
    location.assign(`/conversations/${encodeURIComponent(accepted.conversation_id)}`);
  } catch (error) {
    showError(null, summary, error);
    button.disabled = false;
    button.setAttribute("aria-busy", "false");
  }
});

$('[data-action="switch-account"]')?.addEventListener("click", async () => {
  await signOut(null);
  initLayout();
  wireForms();
  showOnly($("[data-account-hint]") && !$("[data-account-hint]").hidden ? "signin" : "signup");
});

// Last: every binding above is initialised before the first call.
if (sections.accept) start();
