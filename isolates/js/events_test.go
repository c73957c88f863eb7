package js

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// runJS runs body as the async fetch handler of a module worker and returns the text of the
// value it returns (strings as they are, anything else as JSON), or the error of the request.
func runJS(t *testing.T, body string) (string, error) {
	t.Helper()
	src := `var __molt_exports = { default: { async fetch(request, env, ctx) {
		const __v = await (async () => {` + body + `})();
		return new Response(typeof __v === "string" ? __v : JSON.stringify(__v));
	} } };`
	iso := newTestIsolate(t, src, nil)
	done := make(chan struct{})
	var out string
	var err error
	go func() {
		defer close(done)
		_, out, err = serve(t, iso, httptest.NewRequest("GET", "/", nil))
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("worker did not answer within 10s")
	}
	return out, err
}

func TestEvents(t *testing.T) {
	cases := []struct {
		name, js, want string
	}{
		{"event defaults", `const e = new Event("x");
			return [e.type, e.bubbles, e.cancelable, e.composed, e.defaultPrevented, e.timeStamp, e.isTrusted, e.target, e.currentTarget, e.eventPhase, e.composedPath().length];`,
			`["x",false,false,false,false,0,false,null,null,0,0]`},
		{"event needs a type", `try { new Event(); } catch (e) { return e.name + ": " + e.message; }`,
			`TypeError: Failed to construct 'Event': 1 argument required, but only 0 present.`},
		{"preventDefault needs cancelable", `const a = new Event("x"); a.preventDefault();
			const b = new Event("x", { cancelable: true }); b.preventDefault();
			return [a.defaultPrevented, b.defaultPrevented, b.returnValue];`, `[false,true,false]`},
		{"dispatch order, this, target and phase", `const t = new EventTarget(); const log = [];
			t.addEventListener("x", function (e) { log.push(["f", this === t, e.target === t, e.currentTarget === t, e.eventPhase, e.composedPath()[0] === t]); });
			t.addEventListener("x", { handleEvent(e) { log.push(["o", e.type]); } });
			const e = new Event("x");
			const r = t.dispatchEvent(e);
			log.push([r, e.currentTarget, e.target === t, e.eventPhase]);
			return log;`,
			`[["f",true,true,true,2,true],["o","x"],[true,null,true,0]]`},
		{"duplicate listeners are added once", `const t = new EventTarget(); let n = 0; const f = () => n++;
			t.addEventListener("x", f); t.addEventListener("x", f); t.dispatchEvent(new Event("x")); return n;`, `1`},
		{"once", `const t = new EventTarget(); let n = 0;
			t.addEventListener("x", () => n++, { once: true });
			t.dispatchEvent(new Event("x")); t.dispatchEvent(new Event("x")); return n;`, `1`},
		{"removeEventListener", `const t = new EventTarget(); let n = 0; const f = () => n++;
			t.addEventListener("x", f); t.removeEventListener("x", f); t.dispatchEvent(new Event("x")); return n;`, `0`},
		{"a listener removed by an earlier one does not run", `const t = new EventTarget(); const log = [];
			const b = () => log.push("b");
			t.addEventListener("x", () => { log.push("a"); t.removeEventListener("x", b); t.addEventListener("x", () => log.push("c")); });
			t.addEventListener("x", b);
			t.dispatchEvent(new Event("x")); return log;`, `["a"]`},
		{"stopImmediatePropagation", `const t = new EventTarget(); const log = [];
			t.addEventListener("x", (e) => { log.push(1); e.stopImmediatePropagation(); });
			t.addEventListener("x", () => log.push(2));
			t.dispatchEvent(new Event("x")); return log;`, `[1]`},
		{"dispatchEvent returns false when prevented", `const t = new EventTarget();
			t.addEventListener("x", (e) => e.preventDefault());
			return t.dispatchEvent(new Event("x", { cancelable: true }));`, `false`},
		{"signal option removes the listener", `const t = new EventTarget(); const c = new AbortController(); let n = 0;
			t.addEventListener("x", () => n++, { signal: c.signal });
			t.dispatchEvent(new Event("x")); c.abort(); t.dispatchEvent(new Event("x"));
			t.addEventListener("x", () => n++, { signal: c.signal }); t.dispatchEvent(new Event("x"));
			return n;`, `1`},
		{"capture is refused", `try { new EventTarget().addEventListener("x", () => {}, true); } catch (e) { return e.message; }`,
			`addEventListener(): useCapture must be false.`},
		{"passive is refused", `try { new EventTarget().addEventListener("x", () => {}, { passive: true }); } catch (e) { return e.message; }`,
			`addEventListener(): options.passive must be false.`},
		{"dispatching a non-event", `try { new EventTarget().dispatchEvent({ type: "x" }); } catch (e) { return e.name; }`, `TypeError`},
		{"redispatch while dispatching", `const t = new EventTarget(); let msg;
			t.addEventListener("x", (e) => { try { t.dispatchEvent(e); } catch (err) { msg = [err.name, err.code, err.message]; } });
			t.dispatchEvent(new Event("x")); return msg;`, `["InvalidStateError",11,"The event is already being dispatched."]`},
		{"a throwing listener ends the dispatch", `const t = new EventTarget(); let second = false;
			t.addEventListener("x", () => { throw new Error("boom"); });
			t.addEventListener("x", () => { second = true; });
			try { t.dispatchEvent(new Event("x")); } catch (e) { return [e.message, second]; }`, `["boom",false]`},
		{"subclassed EventTarget", `class T extends EventTarget {} const t = new T(); let got;
			t.addEventListener("ping", (e) => { got = e.detail; });
			t.dispatchEvent(new CustomEvent("ping", { detail: { a: 1 } }));
			return [got, new CustomEvent("y").detail, new CustomEvent("y") instanceof Event];`, `[{"a":1},null,true]`},
		{"DOMException", `const e = new DOMException("gone", "NotFoundError");
			return [e instanceof DOMException, e instanceof Error, e.name, e.message, e.code, String(e), DOMException.ABORT_ERR, e.TIMEOUT_ERR,
				new DOMException().name, new DOMException("m", "Custom").code, Object.prototype.toString.call(e), e.stack.split("\n")[0]];`,
			`[true,true,"NotFoundError","gone",8,"NotFoundError: gone",20,23,"Error",0,"[object DOMException]","NotFoundError: gone"]`},
		{"AbortController", `const c = new AbortController(); const s = c.signal; const log = [];
			s.onabort = (e) => log.push(["on", e.type, e.isTrusted, e.target === s]);
			s.addEventListener("abort", () => log.push(["listener", s.aborted]));
			log.push([s.aborted, s.reason]);
			c.abort(); c.abort("again");
			log.push([s.aborted, s.reason.name, s.reason.message, s.reason instanceof DOMException]);
			return log;`,
			`[[false,null],["on","abort",true,true],["listener",true],[true,"AbortError","The operation was aborted",true]]`},
		{"abort reason and throwIfAborted", `const c = new AbortController(); c.signal.throwIfAborted(); c.abort("why");
			try { c.signal.throwIfAborted(); } catch (e) { return e; }`, `why`},
		{"AbortSignal has no constructor", `try { new AbortSignal(); } catch (e) { return e.name + ": " + e.message; }`, `TypeError: Illegal constructor`},
		{"AbortSignal.abort", `const a = AbortSignal.abort(); const b = AbortSignal.abort(42);
			return [a.aborted, a.reason.name, b.reason, a instanceof EventTarget];`, `[true,"AbortError",42,true]`},
		{"AbortSignal.timeout", `const s = AbortSignal.timeout(5);
			const before = s.aborted;
			const e = await new Promise((r) => s.addEventListener("abort", () => r(s.reason)));
			return [before, e.name, e.message, e.code];`,
			`[false,"TimeoutError","The operation was aborted due to timeout",23]`},
		{"AbortSignal.any", `const a = new AbortController(), b = new AbortController();
			const s = AbortSignal.any([a.signal, b.signal]); let n = 0; s.onabort = () => n++;
			b.abort("b"); a.abort("a");
			const pre = AbortSignal.any([new AbortController().signal, AbortSignal.abort("x")]);
			return [s.aborted, s.reason, n, pre.aborted, pre.reason, AbortSignal.any([]).aborted];`,
			`[true,"b",1,true,"x",false]`},
		{"abort listener sees the reason", `const c = new AbortController(); let r;
			c.signal.addEventListener("abort", () => { r = c.signal.reason; }); c.abort(new Error("stop")); return r.message;`, `stop`},
		{"request signal", `const c = new AbortController(); const req = new Request("http://example.com/", { signal: c.signal });
			return [req.signal === c.signal, new Request("http://example.com/").signal.aborted];`, `[true,false]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := runJS(t, c.js)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestEventsAreGlobalsOfTheRightShape(t *testing.T) {
	got, err := runJS(t, `return [typeof Event, typeof EventTarget, typeof CustomEvent, typeof DOMException, typeof AbortController, typeof AbortSignal,
		Object.getPrototypeOf(AbortSignal.prototype) === EventTarget.prototype, Object.keys(new DOMException("m", "AbortError")).sort().join()];`)
	if err != nil {
		t.Fatal(err)
	}
	want := `["function","function","function","function","function","function",true,"code,message,name,stack"]`
	if !strings.Contains(got, want) {
		t.Fatalf("got %s, want %s", got, want)
	}
}
