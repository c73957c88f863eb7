package js

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moltworker/molt/bindings/kv"
)

// kvWorker runs the case named by the request path against env.KV and answers with its result
// as JSON, or with the name and message of what it threw.
var kvWorker = casesWorker("KV", `
const enc = new TextEncoder(), dec = new TextDecoder();
const now = () => Math.floor(Date.now() / 1000);
const cases = {
  async text(KV) { await KV.put("t", "hello ✓"); return [await KV.get("t"), await KV.get("t", "text"), await KV.get("t", { type: "text", cacheTtl: 60 })]; },
  async missing(KV) { return [await KV.get("nope"), await KV.get("nope", "json"), await KV.get("nope", "bogus"), await KV.getWithMetadata("nope")]; },
  async json(KV) { await KV.put("j", JSON.stringify({ a: [1, 2] })); return [await KV.get("j", "json"), await KV.get("j", { type: "json" })]; },
  async arrayBuffer(KV) {
    await KV.put("b", new Uint8Array([1, 2, 255]));
    const ab = await KV.get("b", "arrayBuffer");
    return [ab instanceof ArrayBuffer, Array.from(new Uint8Array(ab))];
  },
  async views(KV) {
    const buf = new Uint8Array([9, 8, 7, 6, 5]).buffer;
    await KV.put("v1", new DataView(buf, 1, 2));
    await KV.put("v2", buf);
    await KV.put("v3", new Uint16Array([0x4141, 0x4242]));
    return [await KV.get("v1", "arrayBuffer").then((b) => Array.from(new Uint8Array(b))), (await KV.get("v2", "arrayBuffer")).byteLength, await KV.get("v3")];
  },
  async stream(KV) {
    await KV.put("s", "streamed value");
    const s = await KV.get("s", "stream");
    return [s instanceof ReadableStream, await new Response(s).text()];
  },
  async streamPut(KV) {
    let i = 0;
    await KV.put("sp", new ReadableStream({ pull(c) { if (i++ < 3) c.enqueue(enc.encode("part" + i + ";")); else c.close(); } }));
    return await KV.get("sp");
  },
  async streamResponse(KV) { await KV.put("sr", "passed through"); return await new Response(await KV.get("sr", "stream")).text(); },
  async coerced(KV) { await KV.put(42, 7); await KV.put("nul", null); return [await KV.get("42"), await KV.get(42), await KV.get("nul")]; },
  async metadata(KV) {
    await KV.put("m", "v", { metadata: { owner: "ann", n: 1 } });
    await KV.put("n", "w");
    const a = await KV.getWithMetadata("m"), b = await KV.getWithMetadata("n", "json").catch((e) => e.name);
    return [a, await KV.getWithMetadata("m", { type: "arrayBuffer" }).then((r) => [r.value.byteLength, r.metadata]), b];
  },
  async expiration(KV) {
    await KV.put("e1", "1", { expirationTtl: 300 });
    await KV.put("e2", "2", { expiration: now() + 3600, metadata: "m" });
    const { keys } = await KV.list({ prefix: "e" });
    return keys.map((k) => [k.name, k.expiration - now() > 250, k.metadata]);
  },
  async deleteKey(KV) { await KV.put("d", "x"); const r = await KV.delete("d"); return [r, await KV.get("d"), await KV.delete("never")]; },
  async list(_, env) {
    const KV = env.LIST;
    for (const k of ["b", "a", "c/2", "c/1", "c/10", "é", "Z"]) await KV.put(k, k, k === "a" ? { metadata: [1] } : undefined);
    const all = await KV.list();
    const pre = await KV.list({ prefix: "c/" });
    const p1 = await KV.list({ limit: 3 });
    const p2 = await KV.list({ limit: 3, cursor: p1.cursor });
    const p3 = await KV.list({ limit: 3, cursor: p2.cursor });
    return [all, pre.keys.map((k) => k.name), [p1.list_complete, typeof p1.cursor, p1.keys.map((k) => k.name)],
      p2.keys.map((k) => k.name), [p3.list_complete, "cursor" in p3, p3.keys.map((k) => k.name)], (await KV.list({ limit: 0, prefix: null })).keys.length];
  },
  async bulk(KV) {
    await KV.put("x", "1"); await KV.put("y", '{"y":true}', { metadata: { m: 2 } });
    const m = await KV.get(["x", "y", "none"]);
    const j = await KV.get(["y"], "json");
    const w = await KV.getWithMetadata(["y", "none"], { type: "json" });
    return [m instanceof Map, [...m], [...j], [...w]];
  },
  emptyKey(KV) { return KV.get(""); },
  dotKey(KV) { return KV.put(".", "x"); },
  dotDotKey(KV) { return KV.delete(".."); },
  longKey(KV) { return KV.get("k".repeat(513)); },
  longKeyPut(KV) { return KV.put("é".repeat(257), "x"); },
  longKeyDelete(KV) { return KV.delete("k".repeat(600)); },
  noKey(KV) { return KV.get(); },
  badType(KV) { return KV.put("bt", "x").then(() => KV.get("bt", "blob")); },
  badValue(KV) { return KV.put("bv", { a: 1 }); },
  badValueSymbol(KV) { return KV.put("bv", Symbol("s")); },
  cacheTtl(KV) { return KV.get("k", { cacheTtl: 10 }); },
  ttlZero(KV) { return KV.put("k", "v", { expirationTtl: 0 }); },
  ttlShort(KV) { return KV.put("k", "v", { expirationTtl: 30 }); },
  expirationPast(KV) { return KV.put("k", "v", { expiration: 1000 }); },
  expirationSoon(KV) { return KV.put("k", "v", { expiration: now() + 10 }).catch((e) => { throw new e.constructor(e.message.replace(/of \d+/, "of N")); }); },
  bigMetadata(KV) { return KV.put("k", "v", { metadata: "x".repeat(1023) }); },
  bigValue(KV) { return KV.put("k", new Uint8Array(25 * 1024 * 1024 + 1)); },
  bigStream(KV) {
    let n = 0;
    return KV.put("k", new ReadableStream({ pull(c) { if (n++ < 26) c.enqueue(new Uint8Array(1024 * 1024)); else c.close(); } }));
  },
  listLimit(KV) { return KV.list({ limit: 1001 }); },
  listPrefix(KV) { return KV.list({ prefix: "p".repeat(513) }); },
  bulkTooMany(KV) { return KV.get(Array.from({ length: 101 }, (_, i) => "k" + i)); },
  bulkNone(KV) { return KV.get([]); },
  bulkType(KV) { return KV.get(["a"], "arrayBuffer"); },
  bulkNotJSON(KV) { return KV.put("nj", "not json").then(() => KV.get(["nj"], "json")); },
  async illegal(KV) { return [await KV.get.call({}, "x").catch((e) => e.message), String(KV), Object.keys(KV)]; },
};
`)

func TestKVFromJS(t *testing.T) {
	store, err := kv.OpenBolt(filepath.Join(t.TempDir(), "kv.db"), kv.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	srv := frontServer(t, kvWorker, map[string]any{"KV": kv.NewNamespace(store, "test-ns"), "LIST": kv.NewNamespace(store, "list-ns")})
	runCases(t, srv, []workerCase{
		{"text", `{"ok":["hello ✓","hello ✓","hello ✓"]}`},
		{"missing", `{"ok":[null,null,null,{"value":null,"metadata":null,"cacheStatus":null}]}`},
		{"json", `{"ok":[{"a":[1,2]},{"a":[1,2]}]}`},
		{"arrayBuffer", `{"ok":[true,[1,2,255]]}`},
		{"views", `{"ok":[[8,7],5,"AABB"]}`},
		{"stream", `{"ok":[true,"streamed value"]}`},
		{"streamPut", `{"ok":"part1;part2;part3;"}`},
		{"streamResponse", `{"ok":"passed through"}`},
		{"coerced", `{"ok":["7","7","null"]}`},
		{"metadata", `{"ok":[{"value":"v","metadata":{"owner":"ann","n":1},"cacheStatus":null},[1,{"owner":"ann","n":1}],"SyntaxError"]}`},
		{"expiration", `{"ok":[["e1",true,null],["e2",true,"m"]]}`},
		{"deleteKey", `{"ok":[null,null,null]}`},
		{"list", `{"ok":[{"keys":[{"name":"Z"},{"name":"a","metadata":[1]},{"name":"b"},{"name":"c/1"},{"name":"c/10"},{"name":"c/2"},{"name":"é"}],"list_complete":true,"cacheStatus":null},` +
			`["c/1","c/10","c/2"],[false,"string",["Z","a","b"]],["c/1","c/10","c/2"],[true,false,["é"]],7]}`},
		{"bulk", `{"ok":[true,[["x","1"],["y","{\"y\":true}"],["none",null]],[["y",{"y":true}]],[["y",{"value":{"y":true},"metadata":{"m":2}}],["none",null]]]}`},
		{"emptyKey", thrown("TypeError", "Key name cannot be empty.")},
		{"dotKey", thrown("TypeError", `"." is not allowed as a key name.`)},
		{"dotDotKey", thrown("TypeError", `".." is not allowed as a key name.`)},
		{"longKey", thrown("Error", "KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.")},
		{"longKeyPut", thrown("Error", "KV PUT failed: 414 UTF-8 encoded length of 514 exceeds key length limit of 512.")},
		{"longKeyDelete", thrown("Error", "KV DELETE failed: 414 UTF-8 encoded length of 600 exceeds key length limit of 512.")},
		{"noKey", thrown("TypeError", "Failed to execute 'get' on 'KvNamespace': parameter 1 is not of type 'string'.")},
		{"badType", thrown("TypeError", `Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".`)},
		{"badValue", thrown("TypeError", "KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.")},
		{"badValueSymbol", thrown("TypeError", "KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.")},
		{"cacheTtl", thrown("Error", "KV GET failed: 400 Invalid cache_ttl of 10. Cache TTL must be at least 30.")},
		{"ttlZero", thrown("Error", "KV PUT failed: 400 Invalid expiration_ttl of 0. Please specify integer greater than 0.")},
		{"ttlShort", thrown("Error", "KV PUT failed: 400 Invalid expiration_ttl of 30. Expiration TTL must be at least 60.")},
		{"expirationPast", thrown("Error", "KV PUT failed: 400 Invalid expiration of 1000. Please specify integer greater than the current number of seconds since the UNIX epoch.")},
		{"expirationSoon", thrown("Error", "KV PUT failed: 400 Invalid expiration of N. Expiration times must be at least 60 seconds in the future.")},
		{"bigMetadata", thrown("Error", "KV PUT failed: 413 Metadata length of 1025 exceeds limit of 1024.")},
		{"bigValue", thrown("Error", "KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.")},
		{"bigStream", thrown("Error", "KV PUT failed: 413 Value length of 27262976 exceeds limit of 26214400.")},
		{"listLimit", thrown("Error", "KV GET failed: 400 Invalid key_count_limit of 1001. Please specify an integer less than 1000.")},
		{"listPrefix", thrown("Error", "KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.")},
		{"bulkTooMany", thrown("Error", "KV GET_BULK failed: 400 You can request a maximum of 100 keys")},
		{"bulkNone", thrown("Error", "KV GET_BULK failed: 400 You must request a minimum of 1 key")},
		{"bulkType", thrown("Error", `KV GET_BULK failed: 400 "arrayBuffer" is not a valid type. Use "json" or "text"`)},
		{"bulkNotJSON", thrown("Error", "KV GET_BULK failed: 400 At least one of the requested keys corresponds to a non-json value")},
		{"illegal", `{"ok":["Illegal invocation","[object KvNamespace]",[]]}`},
	}, true)
}

// TestKVServiceWorkerGlobal checks that a service worker sees its KV binding as a global.
func TestKVServiceWorkerGlobal(t *testing.T) {
	store, err := kv.OpenBolt(filepath.Join(t.TempDir(), "kv.db"), kv.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ns := kv.NewNamespace(store, "sw")
	if err := ns.Put("greeting", []byte("hi from KV"), kv.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	iso := newTestIsolate(t, `addEventListener("fetch", (e) => e.respondWith(CACHE.get("greeting").then((v) => new Response(v))));`,
		func(c *Config) { c.ServiceWorker = true; c.Env = map[string]any{"CACHE": ns} })
	_, body, err := serve(t, iso, mustRequest(t, "GET", "/"))
	if err != nil || body != "hi from KV" {
		t.Fatalf("body %q, err %v", body, err)
	}
}

func mustRequest(t *testing.T, method, path string) *http.Request {
	r, err := http.NewRequest(method, "http://localhost"+path, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	return r
}
