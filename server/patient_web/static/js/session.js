// @ts-check
// The patient's session lives in sessionStorage (per tab, gone when the tab closes), never localStorage.
/** @import { StoredSession, User } from "./types.js" */

const KEY = "teleconsult.session";
const SEQ_PREFIX = "teleconsult.lastSeq.";

/** @returns {StoredSession | null} */
export function getSession() {
  try {
    const raw = sessionStorage.getItem(KEY);
    const value = raw ? JSON.parse(raw) : null;
    return value && typeof value.token === "string" ? value : null;
  } catch {
    return null;
  }
}

/**
 * @param {string} token
 * @param {User} user
 */
export function saveSession(token, user) {
  const { id, role, first_name, last_name } = user;
  sessionStorage.setItem(KEY, JSON.stringify({ token, user: { id, role, first_name, last_name } }));
}

export function clearSession() {
  const session = getSession();
  sessionStorage.removeItem(KEY);
  if (session) sessionStorage.removeItem(SEQ_PREFIX + session.user.id);
}

// Set while this page signs out: the socket closed by the logout is not a session that "ended"
// (the page is already on its way to /connexion?deconnecte=1; a second navigation would race it).
let signingOut = false;

export function markSigningOut() {
  signingOut = true;
}

export function isSigningOut() {
  return signingOut;
}

/**
 * The last event sequence number this tab saw for `userId`, or null.
 * @param {string} userId
 */
export function lastSeq(userId) {
  const value = Number(sessionStorage.getItem(SEQ_PREFIX + userId));
  return Number.isInteger(value) && value > 0 ? value : null;
}

/**
 * @param {string} userId
 * @param {number} seq
 */
export function setLastSeq(userId, seq) {
  sessionStorage.setItem(SEQ_PREFIX + userId, String(seq));
}

/**
 * A same-site path to go to after signing in (never another site).
 * @param {string | null} value
 * @param {string} [fallback]
 */
export function safeNext(value, fallback = "/conversations") {
  return typeof value === "string" && value.startsWith("/") && !value.startsWith("//") ? value : fallback;
}
