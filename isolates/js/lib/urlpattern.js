// URLPattern over the Go implementation in isolates/urlpattern. The pattern strings are copied
// here once, so the getters stay in JavaScript; errors carry workerd's messages.
const kPattern = Symbol("urlpattern");
const components = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
// WebIDL reads dictionary members in lexicographic order.
const initOrder = ["baseURL", "hash", "hostname", "password", "pathname", "port", "protocol", "search", "username"];

// str is WebIDL's USVString conversion: strings handed to Go get lone surrogates replaced there.
const str = (v) => `${v}`;

// toInit converts a URLPatternInit to [protocol, ..., hash, baseURL] and an echo of what was
// given, for exec()'s result.inputs.
function toInit(o) {
  const given = {};
  if (o !== undefined && o !== null) {
    if (typeof o !== "object" && typeof o !== "function") throw new TypeError("Failed to construct URLPattern");
    for (const k of initOrder) {
      const v = o[k];
      if (v !== undefined) given[k] = str(v);
    }
  }
  const arr = components.map((k) => given[k]);
  arr.push(given.baseURL);
  return { arr, given };
}

function state(self, what) {
  const s = self !== null && typeof self === "object" ? self[kPattern] : undefined;
  if (s === undefined) throw new TypeError(`Failed to execute '${what}' on 'URLPattern': Illegal invocation`);
  return s;
}

// input converts test()/exec()'s first argument: a string or a URLPatternInit.
function input(v) {
  if (v === undefined) return { init: toInit(undefined), s: null };
  if (typeof v === "object" || typeof v === "function") return { init: toInit(v), s: null };
  return { init: null, s: str(v) };
}

class URLPattern {
  constructor(inp = undefined, baseOrOptions = undefined, opts = undefined) {
    let base, options = opts;
    if (typeof baseOrOptions === "string") base = baseOrOptions;
    else if (baseOrOptions !== undefined && (baseOrOptions === null || typeof baseOrOptions === "object" || typeof baseOrOptions === "function")) options = baseOrOptions;
    else if (baseOrOptions !== undefined) base = str(baseOrOptions);
    let ignoreCase = false;
    if (options !== undefined && options !== null) {
      if (typeof options !== "object" && typeof options !== "function") throw new TypeError("Failed to construct URLPattern");
      ignoreCase = !!options.ignoreCase;
    }
    const i = input(inp);
    const r = natives.compile(i.s, i.init && i.init.arr, base, ignoreCase);
    if (r === null) throw new TypeError("Failed to construct URLPattern");
    this[kPattern] = r;
  }
  test(inp = undefined, base = undefined) {
    const s = state(this, "test");
    const i = input(inp);
    const r = natives.exec(s[0], i.s, i.init && i.init.arr, base === undefined ? undefined : str(base), true);
    if (r === undefined) throw new TypeError("Failed to test URLPattern");
    return r;
  }
  exec(inp = undefined, base = undefined) {
    const s = state(this, "exec");
    const i = input(inp);
    if (base !== undefined) base = str(base);
    const r = natives.exec(s[0], i.s, i.init && i.init.arr, base, false);
    if (r === undefined) throw new TypeError("Failed to exec URLPattern");
    if (r === null) return null;
    const out = { inputs: [i.s !== null ? i.s : i.init.given] };
    if (base !== undefined) out.inputs.push(base);
    // r holds, per component, its input and then name, value pairs (undefined when the group
    // did not take part).
    for (let c = 0; c < 8; c++) {
      const m = r[c];
      const groups = {};
      for (let j = 1; j < m.length; j += 2) Object.defineProperty(groups, m[j], { value: m[j + 1], writable: true, enumerable: true, configurable: true });
      out[components[c]] = { input: m[0], groups };
    }
    return out;
  }
  get hasRegExpGroups() { return state(this, "hasRegExpGroups")[9]; }
  get [Symbol.toStringTag]() { return "URLPattern"; }
}
for (let c = 0; c < 8; c++) {
  Object.defineProperty(URLPattern.prototype, components[c], {
    get() { return state(this, components[c])[c + 1]; }, enumerable: true, configurable: true,
  });
}

return { URLPattern };
