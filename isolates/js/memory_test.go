package js

import (
	"errors"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
)

// leakingWorkers allocate without end, each in its own way; every one must be stopped with
// ErrMemoryLimit while the Go heap stays within a bound of its cap.
var leakingWorkers = map[string]string{
	"array":          `const a = []; for (let i = 0; ; i++) a.push({ i, s: "x" + i });`,
	"concatenation":  `let s = "0123456789abcdef"; for (let i = 0; i < 6; i++) s += s; const keep = []; for (let i = 0; ; i++) keep.push(s + i);`,
	"doubling":       `let s = "ab"; for (;;) s = s + s;`,
	"arraybuffers":   `const a = []; for (;;) a.push(new Uint8Array(1 << 20));`,
	"maps":           `const m = new Map(); for (let i = 0; ; i++) m.set(i, [i, i + 1]);`,
	"closures":       `let f = () => 0; for (let i = 0; ; i++) { const g = f; const pad = [i, i, i]; f = () => g() + pad.length; }`,
	"promise chain":  `const keep = []; let p = Promise.resolve(); const step = () => { keep.push(new Array(64).fill(keep.length)); p = p.then(step); }; step(); return new Promise(() => {});`,
	"repeat":         `const a = []; for (;;) a.push("z".repeat(8 << 20) + a.length);`,
	"one big buffer": `return new Response(new ArrayBuffer(1 << 30));`,
}

func TestMemoryLimitStopsLeaks(t *testing.T) {
	limit := int64(32 << 20)
	if raceEnabled {
		limit = 16 << 20
	}
	for name, body := range leakingWorkers {
		t.Run(name, func(t *testing.T) {
			runtime.GC()
			before := liveHeap()
			iso := newTestIsolate(t, `var __molt_exports = { default: { async fetch() { `+body+` } } };`, func(c *Config) {
				c.MemoryLimit = limit
			})
			_, _, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
			if !errors.Is(err, ErrMemoryLimit) {
				t.Fatalf("error = %v, want ErrMemoryLimit", err)
			}
			// The heap the collector last measured may hold the leak until the isolate goes.
			if grown := int64(liveHeap()) - int64(before); grown > 4*limit {
				t.Errorf("live heap grew by %d MiB before the isolate was stopped; cap is %d MiB", grown>>20, limit>>20)
			}
		})
	}
}

func TestMemoryLimitSparesChurn(t *testing.T) {
	// Garbage is not kept memory: a worker that allocates many times its cap over its life,
	// but keeps little, must not be stopped.
	rounds := "400"
	if raceEnabled {
		rounds = "100"
	}
	iso := newTestIsolate(t, `var __molt_exports = { default: { async fetch() {
		const ROUNDS = `+rounds+`;
		let n = 0;
		for (let i = 0; i < ROUNDS; i++) { const a = []; for (let j = 0; j < 2000; j++) a.push({ j, s: "v" + j }); n += a.length; await null; }
		for (let i = 0; i < 100; i++) { n += new Uint8Array(4 << 20).length + "q".repeat(1 << 20).length; }
		return new Response(String(n));
	} } };`, func(c *Config) { c.MemoryLimit = 32 << 20 })
	res, body, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || body == "" {
		t.Fatalf("status %d body %q", res.StatusCode, body)
	}
}

func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func TestMemoryLimitBulkCalls(t *testing.T) {
	// Each of these would allocate far more than the cap in one call, where no interrupt
	// reaches: the charge in front of it stops the isolate first.
	cases := map[string]string{
		"repeat":                          `"ab".repeat(1 << 30)`,
		"padEnd":                          `"a".padEnd(1 << 30)`,
		"join":                            `new Array(1 << 28).join("xyzw")`,
		"Array.from":                      `Array.from({ length: 1 << 26 })`,
		"split":                           `"ab".repeat(1 << 22).split("")`,
		"fill":                            `new Array(1 << 26).fill(0)`,
		"ArrayBuffer":                     `new ArrayBuffer(1 << 30)`,
		"Float64Array":                    `new Float64Array(1 << 27)`,
		"from length":                     `new Uint8Array({ length: 1 << 30 })`,
		"subclass":                        `new (class extends Uint8Array {})(1 << 30)`,
		"through the global's prototypes": `let C; for (let o = globalThis; o; o = Object.getPrototypeOf(o)) C = Object.getOwnPropertyDescriptor(o, "Float64Array")?.value ?? C; new C(1 << 27)`,
		"through an instance":             `new (new TextEncoder().encode("").constructor)(1 << 30)`,
	}
	for name, expr := range cases {
		t.Run(name, func(t *testing.T) {
			iso := newTestIsolate(t, `var __molt_exports = { default: { fetch() { try { `+expr+`; } catch (e) { return new Response("caught " + e); } return new Response("done"); } } };`,
				func(c *Config) { c.MemoryLimit = 32 << 20 })
			_, body, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
			if !errors.Is(err, ErrMemoryLimit) {
				t.Fatalf("error = %v (body %q), want ErrMemoryLimit", err, body)
			}
		})
	}
	// Within the cap, the guarded built-ins behave as before.
	iso := newTestIsolate(t, `var __molt_exports = { default: { fetch() {
		const u = new Uint8Array([1, 2, 3]);
		class B extends Uint8Array {}
		const checks = [
			"ab".repeat(3) === "ababab", "a".padStart(3, "-") === "--a", [1, 2].join("+") === "1+2",
			new Array(3).fill(7).join() === "7,7,7", u instanceof Uint8Array, u.constructor === Uint8Array,
			new B(2) instanceof Uint8Array, new ArrayBuffer(8).byteLength === 8, Uint8Array.BYTES_PER_ELEMENT === 1,
			Uint8Array.from([5]).length === 1, "a".concat("b", "c") === "abc", new Float64Array(2).length === 2,
			Array.from("abc").join() === "a,b,c", "a,b".split(",").length === 2, "ab".split("").length === 2,
			ArrayBuffer.isView(u), Uint8Array.of(1, 2).length === 2, Object.getPrototypeOf(Int8Array) === Object.getPrototypeOf(Uint8Array),
			!Object.keys(String.prototype).includes("repeat"), !Object.keys(Uint8Array).includes("from"),
			!Object.keys(new Uint8Array(1)).includes("constructor"), globalThis.globalThis === globalThis, typeof Math.max === "function", Object.getOwnPropertyDescriptor(globalThis, "Math").enumerable === false,
			// The unguarded constructors are out of reach: a wrapper's prototype is not one.
			(() => { try { new (Object.getPrototypeOf(ArrayBuffer))(8); return false; } catch (e) { return e instanceof TypeError; } })(),
		];
		return new Response(checks.join());
	} } };`, func(c *Config) { c.MemoryLimit = 32 << 20 })
	_, body, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
	if err != nil || strings.Contains(body, "false") {
		t.Fatalf("body %q, error %v", body, err)
	}
}
