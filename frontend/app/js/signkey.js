// signkey: the signer's key and signature, in the browser only (docs/evidence-format.md
// sections 1-2). The ECDSA P-256 key is made by WebCrypto as non-extractable and kept in
// IndexedDB (a CryptoKey survives structured cloning); only its public JWK leaves the page.
// A signature is a compact JWS {"alg":"ES256","kid":thumbprint,"typ":"JWT"} over the statement.

const DB_NAME = "signroom";
const STORE = "signer-keys";
const ALG = { name: "ECDSA", namedCurve: "P-256" };

function openDB() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(mode, fn) {
  const db = await openDB();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

// keyName is the IndexedDB key of a signer key: one per agreement and participant.
export function keyName(agreementId, participantId) { return agreementId + "/" + participantId; }

// loadKey returns the stored record {keyPair, jwk, thumbprint, registered} or undefined.
export function loadKey(name) { return tx("readonly", (s) => s.get(name)); }

// saveKey stores a record under name.
export function saveKey(name, record) { return tx("readwrite", (s) => s.put(record, name)); }

// createKey generates a non-extractable P-256 key pair and describes its public half.
export async function createKey() {
  const keyPair = await crypto.subtle.generateKey(ALG, false, ["sign", "verify"]);
  const full = await crypto.subtle.exportKey("jwk", keyPair.publicKey);
  const jwk = { kty: "EC", crv: full.crv, x: full.x, y: full.y };
  return { keyPair, jwk, thumbprint: await thumbprint(jwk), registered: false };
}

// thumbprint is the RFC 7638 thumbprint of an EC public JWK: base64url(SHA-256) over its
// required members in lexicographic order with no whitespace.
export async function thumbprint(jwk) {
  const canonical = `{"crv":${JSON.stringify(jwk.crv)},"kty":"EC","x":${JSON.stringify(jwk.x)},"y":${JSON.stringify(jwk.y)}}`;
  return b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical)));
}

// signStatement returns the compact JWS of statement signed with privateKey.
export async function signStatement(statement, privateKey, kid) {
  const enc = new TextEncoder();
  const head = b64url(enc.encode(JSON.stringify({ alg: "ES256", kid, typ: "JWT" })));
  const body = b64url(enc.encode(JSON.stringify(statement)));
  const input = enc.encode(head + "." + body);
  const sig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, input);
  return head + "." + body + "." + b64url(sig);
}

// sha256Hex is the lowercase hex SHA-256 of bytes.
export async function sha256Hex(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// b64url encodes bytes (ArrayBuffer or Uint8Array) as unpadded base64url.
export function b64url(bytes) {
  return b64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// b64 encodes bytes as standard padded base64 (what Go's []byte JSON fields expect).
export function b64(bytes) {
  const u = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode(...u.subarray(i, i + 0x8000));
  return btoa(s);
}
