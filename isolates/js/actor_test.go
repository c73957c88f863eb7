package js

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moltworker/molt/bindings/durable"
)

// objectWorld is a worker with one Durable Object namespace, env.OBJ, of class Obj.
type objectWorld struct {
	cfg  *Config
	ns   *durable.Namespace
	objs *Objects
	dir  string
}

// counterSource is a worker whose class Obj counts, and whose fetch handler calls the object
// named by the path: /NAME/METHOD?args=JSON.
const counterSource = `
const { DurableObject } = require("cloudflare:workers");
class Obj extends DurableObject {
  constructor(ctx, env) { super(ctx, env); this.events = 0; }
  async increment(by) {
    this.events++;
    const v = ((await this.ctx.storage.get("value")) ?? 0) + by;
    await this.ctx.storage.put("value", v);
    return v;
  }
  async get() { return (await this.ctx.storage.get("value")) ?? 0; }
  events_() { return this.events; }
  async keys() { return [...(await this.ctx.storage.list()).keys()]; }
  async put(k, v) { await this.ctx.storage.put(k, v); }
  async putMany(o) { await this.ctx.storage.put(o); }
  async getKey(k) { return await this.ctx.storage.get(k); }
  spin() { for (;;) {} }
  hang() { return new Promise(() => {}); }
  badResult() { return { f() {} }; }
  async rollback() {
    try {
      await this.ctx.storage.transaction(async (txn) => { await txn.put("tx", 1); throw new Error("undo"); });
    } catch (e) { return [e.message, (await this.ctx.storage.get("tx")) ?? null]; }
  }
  async explicitRollback() {
    await this.ctx.storage.transaction(async (txn) => { await txn.put("tx2", 1); txn.rollback(); });
    return (await this.ctx.storage.get("tx2")) ?? null;
  }
  async alarmIn(ms, fail) { await this.ctx.storage.put("fail", fail); await this.ctx.storage.setAlarm(Date.now() + ms); return await this.ctx.storage.getAlarm() > 0; }
  async alarm(info) {
    const runs = (await this.ctx.storage.get("alarms")) ?? [];
    runs.push(info);
    await this.ctx.storage.put("alarms", runs);
    if (await this.ctx.storage.get("fail") && info.retryCount === 0) throw new Error("first try fails");
  }
  async alarms() { return [(await this.ctx.storage.get("alarms")) ?? [], await this.ctx.storage.getAlarm()]; }
  sql(q, ...args) { return this.ctx.storage.sql.exec(q, ...args).toArray(); }
  sqlRaw(q) { const c = this.ctx.storage.sql.exec(q); return [c.columnNames, c.raw().toArray(), c.rowsRead, c.rowsWritten]; }
}
` + objectFetch

// objectFetch exports class Obj and a fetch handler that calls the object named by the path:
// /NAME/METHOD?args=JSON.
const objectFetch = `
var __molt_exports = { Obj, default: { async fetch(req, env) {
  const url = new URL(req.url);
  const [, name, method] = url.pathname.split("/");
  const args = JSON.parse(url.searchParams.get("args") ?? "[]");
  try {
    return Response.json({ ok: await env.OBJ.getByName(name)[method](...args) });
  } catch (e) {
    return Response.json({ err: e.name + ": " + e.message });
  }
} } };
`

func newObjectWorld(t testing.TB, src string, sql bool, opts ObjectsOptions, mod func(*Config)) *objectWorld {
	t.Helper()
	return newObjectWorldWith(t, src, durable.NamespaceOptions{SQL: sql}, opts, mod)
}

// newObjectWorldWith is newObjectWorld with more namespace options; the key, class and
// directory are set here.
func newObjectWorldWith(t testing.TB, src string, nsOpts durable.NamespaceOptions, opts ObjectsOptions, mod func(*Config)) *objectWorld {
	t.Helper()
	s, err := Compile("worker.js", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	nsOpts.UniqueKey, nsOpts.ClassName, nsOpts.Dir = "test-Obj", "Obj", dir
	ns, err := durable.NewNamespace(nsOpts)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &Config{Script: s, Env: map[string]any{"OBJ": ns}, CompatibilityDate: "2026-11-01",
		Console: ConsoleFunc(func(l Level, text string) {})}
	if mod != nil {
		mod(cfg)
	}
	w := &objectWorld{cfg: cfg, ns: ns, objs: NewObjects(cfg, opts), dir: dir}
	if err := ns.Start(w.objs); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Close(); w.objs.Close(5 * time.Second) })
	return w
}

// call makes one request through a fresh isolate: NAME.METHOD(args...) on the object.
func (w *objectWorld) call(t testing.TB, name, method string, args ...any) (ok any, errText string) {
	t.Helper()
	iso, err := NewIsolate(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer iso.Close()
	if args == nil {
		args = []any{}
	}
	a, _ := json.Marshal(args)
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/"+name+"/"+method+"?args="+url.QueryEscape(string(a)), nil)
	if _, err := iso.Serve(rec, r, Incoming{URL: "http://localhost" + r.URL.RequestURI()}); err != nil {
		t.Fatalf("%s.%s: %v", name, method, err)
	}
	var got struct {
		OK  any    `json:"ok"`
		Err string `json:"err"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%s.%s: %v in %s", name, method, err, rec.Body)
	}
	return got.OK, got.Err
}

func TestObjectConcurrentIncrements(t *testing.T) {
	w := newObjectWorld(t, counterSource, false, ObjectsOptions{}, nil)
	const n = 200
	results := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, e := w.call(t, "x", "increment", 1)
			if e != "" {
				t.Error(e)
				return
			}
			results[i] = int(v.(float64))
		}()
	}
	wg.Wait()
	sort.Ints(results)
	for i, v := range results {
		if v != i+1 {
			t.Fatalf("results are not 1..%d: %v", n, results)
		}
	}
	if v, _ := w.call(t, "x", "get"); v != float64(n) {
		t.Fatalf("final value %v, want %d", v, n)
	}
	if w.objs.Live() != 1 {
		t.Fatalf("%d objects live, want exactly one", w.objs.Live())
	}
}

func TestObjectIdsDoNotShareStorage(t *testing.T) {
	w := newObjectWorld(t, counterSource, false, ObjectsOptions{}, nil)
	w.call(t, "a", "put", "only-a", 1)
	w.call(t, "b", "put", "only-b", 2)
	for name, want := range map[string]string{"a": "only-a", "b": "only-b"} {
		keys, _ := w.call(t, name, "keys")
		if fmt.Sprint(keys) != "["+want+"]" {
			t.Errorf("%s sees keys %v, want [%s]", name, keys, want)
		}
	}
	files, _ := filepath.Glob(filepath.Join(w.dir, "*.sqlite"))
	if len(files) != 2 {
		t.Errorf("object databases %v, want one per id", files)
	}
}

func TestObjectEvictionKeepsStorage(t *testing.T) {
	w := newObjectWorld(t, counterSource, false, ObjectsOptions{IdleTimeout: 200 * time.Millisecond}, nil)
	// Called from Go, back to back, so that the object cannot idle between them.
	id := w.ns.IDFromName("e")
	for _, args := range []string{`["a",1,"0",3]`, `["a",1,"0",4]`} {
		if _, err := w.ns.Invoke(t.Context(), id, "e", durable.Call{Kind: durable.CallRPC, Method: "increment", Args: []byte(args)}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := w.ns.Invoke(t.Context(), id, "e", durable.Call{Kind: durable.CallRPC, Method: "events_", Args: []byte(`["a",0]`)})
	if err != nil || string(r.Value) != "2" {
		t.Fatalf("in-memory event count %s %v, want 2", r.Value, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for w.objs.Live() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the idle object was not evicted")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A new instance: its memory is fresh, its storage is what the old one wrote.
	if ev, _ := w.call(t, "e", "events_"); ev != float64(0) {
		t.Fatalf("rebuilt object kept memory: %v", ev)
	}
	if v, e := w.call(t, "e", "get"); v != float64(7) {
		t.Fatalf("after eviction value %v %s, want 7", v, e)
	}
}

// An idle object closes its database and opens it again for its next event.
func TestObjectStorageReleasedWhenIdle(t *testing.T) {
	w := newObjectWorld(t, counterSource, false, ObjectsOptions{StorageIdleTimeout: 5 * time.Millisecond}, nil)
	for i := 1; i <= 3; i++ {
		if v, e := w.call(t, "r", "increment", 1); v != float64(i) {
			t.Fatalf("increment %d: %v %s", i, v, e)
		}
		time.Sleep(30 * time.Millisecond)
	}
	if ev, _ := w.call(t, "r", "events_"); ev != float64(3) {
		t.Fatalf("the object was rebuilt (events %v); only its storage should have been released", ev)
	}
}

func TestObjectBadInput(t *testing.T) {
	// A short idle timeout, so that the hung call is declared hung quickly.
	w := newObjectWorld(t, counterSource, false, ObjectsOptions{IdleTimeout: 300 * time.Millisecond}, func(c *Config) { c.CPULimit = 200 * time.Millisecond })
	big := strings.Repeat("x", 140<<10)
	many := map[string]int{}
	for i := range 129 {
		many[fmt.Sprint("k", i)] = i
	}
	for _, tc := range []struct {
		name, method string
		args         []any
		err          string
	}{
		{"missing method", "nope", nil, `TypeError: The RPC receiver does not implement the method "nope".`},
		{"a field, not a method", "events", nil, `TypeError: The RPC receiver does not implement the method "events".`},
		{"oversize value", "put", []any{"big", big}, "RangeError: Values cannot be larger than 131072 bytes. A value of size 143362 was provided."},
		{"oversize key", "put", []any{strings.Repeat("k", 2049), 1}, "RangeError: Keys cannot be larger than 2048 bytes. A key of size 2049 was provided."},
		{"too many pairs", "putMany", []any{many}, "RangeError: Maximum number of key value pairs is 128. 129 pairs were provided."},
		{"uncloneable result", "badResult", nil, "DataCloneError: f() {} could not be cloned."},
		{"CPU limit", "spin", nil, "Error: Durable Object exceeded its CPU time limit and was reset."},
		{"hung", "hang", nil, "Error: The Durable Object's code has hung and will never generate a response."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, e := w.call(t, "bad", tc.method, tc.args...); e != tc.err {
				t.Fatalf("error %q\nwant  %q", e, tc.err)
			}
		})
	}
	// Names a stub answers itself can still arrive from another caller; the object refuses them
	// (workerd's EntrypointJsRpcTarget reserves "constructor").
	for m, msg := range map[string]string{
		"constructor":    `'constructor' is a reserved method and cannot be called over RPC.`,
		"toString":       `The RPC receiver does not implement the method \"toString\".`,
		"hasOwnProperty": `The RPC receiver does not implement the method \"hasOwnProperty\".`,
	} {
		r, err := w.ns.Invoke(t.Context(), w.ns.IDFromName("bad"), "bad", durable.Call{Kind: durable.CallRPC, Method: m, Args: []byte(`["a",0]`)})
		want := `["e","TypeError","` + msg + `",`
		if err != nil || !r.Threw || !strings.HasPrefix(string(r.Value), want) {
			t.Errorf("RPC %s: %s %v, want %s...", m, r.Value, err, want)
		}
	}
	// None of the refused calls wrote anything, and the object still works after a reset.
	if keys, e := w.call(t, "bad", "keys"); fmt.Sprint(keys) != "[]" || e != "" {
		t.Fatalf("keys after refused writes: %v %s", keys, e)
	}
	if r, _ := w.call(t, "bad", "rollback"); fmt.Sprint(r) != "[undo <nil>]" {
		t.Fatalf("transaction that threw: %v", r)
	}
	if r, _ := w.call(t, "bad", "explicitRollback"); r != nil {
		t.Fatalf("rolled back transaction kept %v", r)
	}
}

// TestObjectRepliesAfterCommit reads the object's database from another connection as soon as
// a call returns: the write the reply depends on must already be committed.
func TestObjectRepliesAfterCommit(t *testing.T) {
	w := newObjectWorld(t, counterSource, false, ObjectsOptions{}, nil)
	for i := 1; i <= 5; i++ {
		w.call(t, "c", "increment", 1)
		s, err := durable.OpenStorage(w.ns.StoragePath(w.ns.IDFromName("c")), durable.StorageOptions{})
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.Get([]string{"value"})
		s.Close()
		if err != nil || string(v[0]) != fmt.Sprint(i) {
			t.Fatalf("after reply %d the database holds %q, %v", i, v[0], err)
		}
	}
}

func TestObjectAlarms(t *testing.T) {
	w := newObjectWorld(t, counterSource, false, ObjectsOptions{}, nil)
	if ok, e := w.call(t, "al", "alarmIn", 20, true); ok != true {
		t.Fatalf("setAlarm: %v %s", ok, e)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, _ := w.call(t, "al", "alarms")
		runs := r.([]any)[0].([]any)
		if len(runs) == 2 {
			if fmt.Sprint(runs) != "[map[isRetry:false retryCount:0] map[isRetry:true retryCount:1]]" || r.([]any)[1] != nil {
				t.Fatalf("alarm runs %v, alarm now %v", runs, r.([]any)[1])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alarm runs %v", runs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestObjectSQL(t *testing.T) {
	w := newObjectWorld(t, counterSource, true, ObjectsOptions{}, nil)
	w.call(t, "s", "sql", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
	w.call(t, "s", "sql", "INSERT INTO t (v) VALUES (?), (?)", "a", "b")
	w.call(t, "s", "put", "kv", 1)
	r, e := w.call(t, "s", "sqlRaw", "SELECT id, v FROM t ORDER BY id")
	if e != "" || fmt.Sprint(r) != "[[id v] [[1 a] [2 b]] 2 0]" {
		t.Fatalf("sqlRaw = %v %s", r, e)
	}
	if _, e := w.call(t, "s", "sql", "SELECT * FROM nope"); e != "Error: no such table: nope: SQLITE_ERROR" {
		t.Fatalf("error %q", e)
	}
	if _, e := w.call(t, "s", "sql", "BEGIN"); !strings.HasPrefix(e, "Error: To execute a transaction, please use the state.storage.transaction()") {
		t.Fatalf("error %q", e)
	}
	kv := newObjectWorld(t, counterSource, false, ObjectsOptions{}, nil)
	if _, e := kv.call(t, "s", "sql", "SELECT 1"); !strings.HasPrefix(e, "Error: This Durable Object is not backed by SQLite storage, so the SQL API is not available.") {
		t.Fatalf("SQL on a key-value object: %q", e)
	}
}

func TestSerializeRoundTrip(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"values", `
			const shared = { s: 1 };
			const cyc = { name: "c" }; cyc.self = cyc;
			const buf = new Uint8Array([1, 2, 3]);
			const v = { n: -0, nan: NaN, inf: -Infinity, u: undefined, big: 12345678901234567890n, d: new Date(5),
				r: /a+/gi, m: new Map([[1, shared]]), set: new Set(["x"]), a: [1, , 3], shared, buf, view: new DataView(buf.buffer, 1),
				e: new RangeError("bad"), boxed: Object("s"), cyc };
			const o = deserialize(serialize(v));
			return [Object.is(o.n, -0), Number.isNaN(o.nan), o.inf, "u" in o && o.u === undefined, o.big === v.big, o.d.getTime(),
				o.r.source + o.r.flags, o.m.get(1) === o.shared, o.set.has("x"), 1 in o.a, o.a.length, Array.from(o.buf), o.view.getUint8(0),
				o.view.buffer === o.buf.buffer, o.e instanceof RangeError, o.e.message, typeof o.boxed, o.cyc.self === o.cyc];`,
			`[true,true,null,true,true,5,"a+gi",true,true,false,3,[1,2,3],2,true,true,"bad","object",true]`},
		{"class instance", `class P { constructor() { this.x = 1; } get y() { return 2; } }; return deserialize(serialize(new P()));`, `{"x":1}`},
		{"function", `return serialize({ f() {} });`, `"DataCloneError: f() {} could not be cloned."`},
		{"symbol", `return serialize([Symbol("q")]);`, `"DataCloneError: Symbol(q) could not be cloned."`},
		{"weakmap", `return serialize(new WeakMap());`, `"DataCloneError: #<WeakMap> could not be cloned."`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := `var __molt_exports = { default: { fetch() {
				let v;
				try { v = (() => {` + tc.body + `})(); } catch (e) { v = e.name + ": " + e.message; }
				return Response.json(v);
			} } };`
			iso := newTestIsolate(t, src, nil)
			lib := iso.load("serialize")
			iso.vm.Set("serialize", lib.Get("serialize"))
			iso.vm.Set("deserialize", lib.Get("deserialize"))
			_, body, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
			if err != nil || body != tc.want {
				t.Fatalf("got %s, %v\nwant %s", body, err, tc.want)
			}
		})
	}
}

// Two engines over the same namespace directory, as the old and new versions of a worker
// during a reload: the second one's instance waits for the first to close, so an id never
// has two live instances and no increment is lost between them.
func TestObjectHandoverBetweenVersions(t *testing.T) {
	old := newObjectWorld(t, counterSource, false, ObjectsOptions{}, nil)
	old.call(t, "h", "increment", 1)
	next := &objectWorld{cfg: old.cfg, ns: old.ns, dir: old.dir}
	ns2, err := durable.NewNamespace(durable.NamespaceOptions{UniqueKey: "test-Obj", ClassName: "Obj", Dir: old.dir})
	if err != nil {
		t.Fatal(err)
	}
	next.ns = ns2
	next.cfg = &Config{Script: old.cfg.Script, Env: map[string]any{"OBJ": ns2}, Console: old.cfg.Console}
	next.objs = NewObjects(next.cfg, ObjectsOptions{})
	ns2.Start(next.objs)
	defer next.objs.Close(time.Second)
	if old.objs.Live() != 1 {
		t.Fatal("the old instance is not live")
	}
	if v, e := next.call(t, "h", "increment", 1); v != float64(2) {
		t.Fatalf("increment through the new version: %v %s", v, e)
	}
	if old.objs.Live() != 0 {
		t.Fatal("the old instance is still live beside the new one")
	}
}

// An event may wait for a promise that a later event settles, with no I/O in flight
// meanwhile: it is not hung.
func TestObjectLongPoll(t *testing.T) {
	src := `
const { DurableObject } = require("cloudflare:workers");
class Obj extends DurableObject {
  wait() { return new Promise((r) => { this.wake = r; }); }
  notify(v) { this.wake(v); return "notified"; }
}
var __molt_exports = { Obj, default: { async fetch(req, env) {
  const s = env.OBJ.getByName("poll");
  const waiting = s.wait();
  await new Promise((r) => setTimeout(r, 100));
  return Response.json([await s.notify("hello"), await waiting]);
} } };`
	w := newObjectWorld(t, src, false, ObjectsOptions{}, nil)
	iso, err := NewIsolate(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer iso.Close()
	if _, body, err := serve(t, iso, httptest.NewRequest("GET", "/", nil)); err != nil || body != `["notified","hello"]` {
		t.Fatalf("got %s %v", body, err)
	}
}

// The plain-class form, constructor(state, env), with fetch and alarm handlers; and
// blockConcurrencyWhile in the constructor holding every event until it settles.
const plainSource = `
class Obj {
  constructor(state, env) {
    this.state = state;
    this.order = [];
    state.blockConcurrencyWhile(async () => {
      await new Promise((r) => setTimeout(r, 30));
      this.ready = (await state.storage.get("boots") ?? 0) + 1;
      await state.storage.put("boots", this.ready);
    });
  }
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/slow") {
      // Holds later events while it waits, though it awaits a timer, not storage.
      await this.state.blockConcurrencyWhile(() => new Promise((r) => setTimeout(r, 30)));
      this.order.push("slow");
    } else {
      this.order.push("fast");
    }
    return Response.json({ ready: this.ready, order: this.order, id: this.state.id.toString().length, name: this.state.id.name });
  }
}
var __molt_exports = { Obj, default: { async fetch(req, env) {
  const stub = env.OBJ.getByName("plain");
  const [a, b] = await Promise.all([stub.fetch("http://do/slow"), stub.fetch("http://do/fast")]);
  return Response.json([await a.json(), await b.json()]);
} } };
`

func TestObjectPlainClassAndBlockConcurrency(t *testing.T) {
	w := newObjectWorld(t, plainSource, false, ObjectsOptions{}, nil)
	iso, err := NewIsolate(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer iso.Close()
	_, body, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
	want := `[{"ready":1,"order":["slow"],"id":64,"name":"plain"},{"ready":1,"order":["slow","fast"],"id":64,"name":"plain"}]`
	if err != nil || body != want {
		t.Fatalf("got %s %v\nwant %s", body, err, want)
	}
}
