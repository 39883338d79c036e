// @ts-check
// JSON API client: bearer token from the session, errors as ApiError with the server's French detail.
import { clearSession, getSession } from "./session.js";

export class ApiError extends Error {
  /**
   * @param {number} status  HTTP status, 0 when the server could not be reached
   * @param {string} code  the server's error code ("network" for no answer)
   * @param {string} detail  a French sentence for the patient
   * @param {string | null} [field]  the request field the error is about
   */
  constructor(status, code, detail, field = null) {
    super(detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.field = field;
  }
}

const NETWORK = "Connexion au serveur impossible. Vérifiez votre connexion Internet, puis réessayez.";
const UNEXPECTED = "Une erreur inattendue est survenue. Réessayez dans un instant.";

/**
 * What a `catch` caught, as the pages show it: the ApiError itself, or for any other failure (a
 * bug, a browser API that refused) an error with status 0 and `fallback` as its detail.
 * @param {unknown} error
 * @param {string} [fallback]
 * @returns {ApiError}
 */
export function apiError(error, fallback = UNEXPECTED) {
  return error instanceof ApiError ? error : new ApiError(0, "error", fallback);
}

/**
 * The error body of a failed answer ({code, detail, field}), or null when it is not JSON.
 * @param {Response} response
 * @returns {Promise<{code?: string, detail?: string, field?: string | null} | null>}
 */
async function errorBody(response) {
  try {
    const data = await response.json();
    return data && typeof data === "object" ? data : null;
  } catch {
    return null;
  }
}

/**
 * Call the JSON API (`path` under /api/v1). The answer's type is the caller's to name (a JSDoc
 * `@type` on the variable that receives it, from types.js): JSON is not checked at run time.
 * @template [T=unknown]
 * @param {string} path
 * @param {{method?: string, body?: unknown, auth?: boolean}} [options]
 * @returns {Promise<T>}  null for 204 No Content
 */
export async function api(path, { method = "GET", body, auth = true } = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const session = getSession();
  if (auth && session) headers.Authorization = `Bearer ${session.token}`;
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network", NETWORK);
  }
  if (response.status === 204) return /** @type {T} */ (null);
  if (!response.ok) {
    const data = await errorBody(response);
    if (response.status === 401 && auth && session) clearSession();
    throw new ApiError(response.status, data?.code ?? "error", data?.detail ?? UNEXPECTED, data?.field ?? null);
  }
  try {
    return await response.json();
  } catch {
    return /** @type {T} */ (null);
  }
}

/**
 * A protected file (attachment) as a Blob, fetched with the bearer token.
 * @param {string} path  under /api/v1
 * @returns {Promise<Blob>}
 */
export async function fetchBlob(path) {
  const session = getSession();
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      headers: session ? { Authorization: `Bearer ${session.token}` } : {},
      credentials: "omit",
    });
  } catch {
    throw new ApiError(0, "network", NETWORK);
  }
  if (!response.ok) {
    const data = await errorBody(response);
    throw new ApiError(response.status, data?.code ?? "error", data?.detail ?? "Document indisponible.");
  }
  return response.blob();
}
