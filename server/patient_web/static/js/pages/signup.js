// @ts-check
// Self sign-up of a patient (confirmed by a code), then on to the directory to find a practitioner.
import { $, typed } from "../dom.js";
import { initLayout } from "../layout.js";
import { getSession } from "../session.js";
import { wireSignupCode } from "../signup_code.js";

if (getSession()) location.replace("/conversations");
initLayout();

wireSignupCode({
  signupForm: typed($("#signup-form"), HTMLFormElement),
  codeForm: typed($("#signup-code-form"), HTMLFormElement),
  summary: $("#form-error"),
  onSignedIn: () => location.assign("/annuaire?bienvenue=1"),
});
