// api: a small client of the Signroom HTTP API.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || String(status));
    this.status = status;
    this.code = code;
  }
}

// request sends a JSON request with an optional bearer token and returns the decoded body.
export async function request(path, { token, method = "GET", body } = {}) {
  const headers = { "Accept": "application/json" };
  if (token) headers["Authorization"] = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store", credentials: "omit" });
  } catch (e) {
    throw new ApiError(0, "network", e.message);
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const err = (data && data.error) || data || {};
    throw new ApiError(res.status, err.code || "http_" + res.status, err.message);
  }
  return data;
}
