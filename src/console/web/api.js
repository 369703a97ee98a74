// Every call goes through Coach's public REST API with the operator's key as a bearer token. The key
// lives in this tab's session storage only: never a cookie (no CSRF surface), never a URL (no logs).
const KEY = 'coach.apiKey';

export const session = {
  key: () => sessionStorage.getItem(KEY),
  signIn: (key) => sessionStorage.setItem(KEY, key),
  signOut: () => sessionStorage.clear(),
};

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `the API answered ${status}`);
    this.status = status;
    this.code = body?.error?.code;
  }
}

/** JSON in and out; `raw` returns the Response (exports). A string body is sent with its `contentType`. */
export async function api(path, { method = 'GET', body, contentType, raw = false, key = session.key() } = {}) {
  const headers = { authorization: `Bearer ${key}` };
  let payload;
  if (typeof body === 'string') {
    payload = body;
    headers['content-type'] = contentType ?? 'text/plain';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(path, { method, headers, body: payload });
  if (!res.ok) {
    const errorBody = await res.json().catch(() => null);
    throw new ApiError(res.status, errorBody);
  }
  return raw ? res : res.json();
}

export const query = (params) => {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') q.set(name, String(value));
  const text = q.toString();
  return text ? `?${text}` : '';
};

export const libraryPath = (libraryId, rest = '') => `/v1/libraries/${encodeURIComponent(libraryId)}${rest}`;
