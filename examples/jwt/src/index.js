// A JWT verifier for HS256 and ES256 bearer tokens on crypto.subtle: GET /verify with
// "Authorization: Bearer <token>" answers the token's claims, or 401 with the reason.

class TokenError extends Error {}

const encoder = new TextEncoder();

// Only the algorithms we hold a key for are accepted, so "none" and algorithm confusion
// (an HS256 token signed with the ES256 public key) fail as unsupported or as a bad signature.
const algorithms = {
  HS256: { verify: "HMAC", key: (env) => crypto.subtle.importKey("raw", encoder.encode(env.JWT_SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]) },
  ES256: {
    verify: { name: "ECDSA", hash: "SHA-256" },
    key: (env) => crypto.subtle.importKey("jwk", JSON.parse(env.JWT_ES256_PUBLIC_JWK), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]),
  },
};

function base64url(s) {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new TokenError("malformed token");
  try {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  } catch {
    throw new TokenError("malformed token");
  }
}

function json(bytes) {
  try {
    const v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
    return v;
  } catch {
    throw new TokenError("malformed token");
  }
}

async function verify(token, env) {
  const parts = token.split(".");
  if (parts.length !== 3) throw new TokenError("malformed token");
  const [h, p, s] = parts;
  const header = json(base64url(h));
  const claims = json(base64url(p));
  const alg = Object.prototype.hasOwnProperty.call(algorithms, header.alg) ? algorithms[header.alg] : undefined;
  if (alg === undefined) throw new TokenError(`unsupported alg ${JSON.stringify(header.alg)}`);
  const key = await alg.key(env);
  if (!(await crypto.subtle.verify(alg.verify, key, base64url(s), encoder.encode(h + "." + p)))) {
    throw new TokenError("bad signature");
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp === "number" && now >= claims.exp) throw new TokenError("token expired");
  if (typeof claims.nbf === "number" && now < claims.nbf) throw new TokenError("token not yet valid");
  return { alg: header.alg, claims };
}

function unauthorized(error) {
  return Response.json({ valid: false, error }, {
    status: 401,
    headers: { "www-authenticate": `Bearer error="invalid_token", error_description="${error}"` },
  });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== "/verify") return new Response("GET /verify with Authorization: Bearer <token>\n", { status: 404 });
    const auth = request.headers.get("authorization") || "";
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) return unauthorized("missing bearer token");
    try {
      const { alg, claims } = await verify(m[1], env);
      return Response.json({ valid: true, alg, claims });
    } catch (e) {
      if (e instanceof TokenError) return unauthorized(e.message);
      throw e;
    }
  },
};
