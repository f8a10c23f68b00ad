// The hub's API, with the session's token. The token lives in sessionStorage only: never
// in a URL, never in a log line, gone when the tab closes.

const TOKEN_KEY = "deconfliction.token";

export class ApiError extends Error {
  constructor(status, type, message, details) {
    super(message);
    this.status = status;
    this.type = type;
    this.details = details;
  }
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** Call the API: JSON in and out; an ApiError with the hub's message on failure. */
export async function api(path, { method = "GET", body, headers = {}, raw = false } = {}) {
  const init = { method, headers: { ...headers }, cache: "no-store" };
  if (session.token) init.headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await fetch(`/v1${path}`, init);
  if (!response.ok) {
    let error = { type: "http_error", message: `${response.status} ${response.statusText}` };
    try {
      error = (await response.json()).error || error;
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, error.type, error.message, error.details);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

/** Who the token stands for: {kind: "party", me} or {kind: "admin"}; throws if neither. */
export async function whoAmI() {
  try {
    return { kind: "party", me: await api("/me") };
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      await api("/parties"); // the admin token reads every party; a bad token fails here
      return { kind: "admin" };
    }
    throw error;
  }
}
