// api: a small client of the Signroom HTTP API.

export class ApiError extends Error {
  // fields: the API's field errors ({field, message, rule, param}) of a 422 or 400.
  constructor(status, code, message, fields = []) {
    super(message || code || String(status));
    this.status = status;
    this.code = code;
    this.fields = fields;
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
    throw new ApiError(res.status, err.code || "http_" + res.status, err.message, err.fields || []);
  }
  return data;
}

// upload sends a file as the request body (its own content type) with XMLHttpRequest, whose
// upload progress events fetch does not give; onProgress(fraction) follows the bytes sent.
export function upload(path, file, { token, onProgress = () => {} } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Content-Type", file.type || "application/pdf");
    if (token) xhr.setRequestHeader("Authorization", "Bearer " + token);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onerror = () => reject(new ApiError(0, "network", "network error"));
    xhr.onload = () => {
      let data = null;
      try { data = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch { data = null; }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(data);
      const err = (data && data.error) || {};
      reject(new ApiError(xhr.status, err.code || "http_" + xhr.status, err.message, err.fields || []));
    };
    xhr.send(file);
  });
}
