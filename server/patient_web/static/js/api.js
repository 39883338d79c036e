// JSON API client: bearer token from the session, errors as ApiError with the server's French detail.
import { clearSession, getSession } from "./session.js";

export class ApiError extends Error {
  constructor(status, code, detail, field = null) {
    super(detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.field = field;
  }
}

const NETWORK = "Connexion au serveur impossible. Vérifiez votre connexion Internet, puis réessayez.";

export async function api(path, { method = "GET", body, auth = true } = {}) {
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
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    if (response.status === 401 && auth && session) clearSession();
    throw new ApiError(
      response.status,
      data?.code ?? "error",
      data?.detail ?? "Une erreur inattendue est survenue. Réessayez dans un instant.",
      data?.field ?? null,
    );
  }
  return data;
}

/** A protected file (attachment) as a Blob, fetched with the bearer token. */
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
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    throw new ApiError(response.status, data?.code ?? "error", data?.detail ?? "Document indisponible.");
  }
  return response.blob();
}
