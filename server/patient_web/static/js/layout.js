// @ts-check
// What every page shares: the navigation for signed-in patients and signing out.
import { api } from "./api.js";
import { $$ } from "./dom.js";
import { clearSession, getSession, markSigningOut } from "./session.js";

/**
 * Sign out here and on the server, then go to `destination` (null: stay on the page).
 * @param {string | null} [destination]
 */
export async function signOut(destination = "/connexion?deconnecte=1") {
  markSigningOut();
  try {
    await api("/auth/logout", { method: "POST" });
  } catch {
    // The session is closed on this device anyway; the server expires it on its own.
  }
  clearSession();
  if (destination) location.assign(destination);
}

/** Sign-out buttons already listened to: initLayout() runs again when the session changes. */
const wired = new WeakSet();

/** Show the navigation for the current session; sign-out buttons sign out (once per click). */
export function initLayout() {
  const signedIn = Boolean(getSession());
  for (const nav of $$("[data-when]")) {
    nav.hidden = nav.dataset.when !== (signedIn ? "signed-in" : "signed-out");
  }
  for (const button of $$('[data-action="sign-out"]')) {
    if (wired.has(button)) continue;
    wired.add(button);
    button.addEventListener("click", () => signOut());
  }
}

/** The session, or a redirect to the sign-in page that comes back here afterwards. */
export function requireSession() {
  const session = getSession();
  if (!session) {
    location.replace(`/connexion?suite=${encodeURIComponent(location.pathname)}`);
    return null;
  }
  return session;
}
