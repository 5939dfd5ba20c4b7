// The REST API client used by every page: same-origin cookie + the CSRF header.

const CLIENT_HEADER = { "X-Kith-Client": "web" };

/** An API error: the HTTP status and the problem+json body. */
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }

  /** [{loc: [...], msg, type}] from problem+json, or []. */
  get fieldErrors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

function buildUrl(path, params) {
  const url = new URL(`/api/v1${path}`, location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    for (const item of [].concat(value)) {
      if (item === undefined || item === null || item === "") continue;
      url.searchParams.append(key, String(item));
    }
  }
  return url;
}

export function signInUrl() {
  const here = location.pathname + location.search;
  return here === "/" ? "/login" : `/login?next=${encodeURIComponent(here)}`;
}

/**
 * request("PATCH", "/contacts/ID", {body: {...}}) -> parsed JSON (null for 204).
 * A 401 sends the browser to the sign-in page unless `signInOn401` is false.
 */
export async function request(method, path, { params, body, signInOn401 = true } = {}) {
  const headers = { Accept: "application/json", ...CLIENT_HEADER };
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(buildUrl(path, params), init);
  } catch (error) {
    throw new ApiError(0, { title: "Network error", detail: String(error) });
  }
  if (response.status === 401 && signInOn401) {
    location.assign(signInUrl());
  }
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, data || { title: response.statusText });
  return data;
}

export const api = {
  get: (path, params) => request("GET", path, { params }),
  post: (path, body) => request("POST", path, { body }),
  patch: (path, body) => request("PATCH", path, { body }),
  del: (path, params) => request("DELETE", path, { params }),
};
