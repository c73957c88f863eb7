package js

import (
	"testing"
)

// collect is a helper the stream cases share: it reads a stream to the end and returns the
// chunks it gave, as strings when they are bytes.
const collect = `
async function collect(stream) {
  const out = [];
  const it = stream[Symbol.asyncIterator]();
  for (;;) {
    const { value, done } = await it.next();
    if (done) return out;
    out.push(value instanceof Uint8Array ? new TextDecoder().decode(value) : value);
  }
}
`

func TestReadableStream(t *testing.T) {
	runJSCases(t, asyncCases([]jsCase{
		{name: "default stream pulls to its high-water mark", body: `
			let pulls = 0;
			const rs = new ReadableStream({ pull(c) { pulls++; if (pulls <= 3) c.enqueue(pulls); else c.close(); } }, { highWaterMark: 2 });
			await null; await null; await null;
			const before = pulls;
			const r = rs.getReader();
			const got = [];
			for (;;) { const { value, done } = await r.read(); if (done) break; got.push(value); }
			return [before, got];`, want: `[2,[1,2,3]]`},
		{name: "size strategy and desiredSize", body: `
			let ctl;
			new ReadableStream({ start(c) { ctl = c; } }, new ByteLengthQueuingStrategy({ highWaterMark: 10 }));
			ctl.enqueue(new Uint8Array(4));
			const a = ctl.desiredSize;
			ctl.enqueue(new Uint8Array(8));
			return [a, ctl.desiredSize, new CountQueuingStrategy({ highWaterMark: 3 }).size(), Object.prototype.toString.call(new CountQueuingStrategy({ highWaterMark: 1 }))];`,
			want: `[6,-2,1,"[object CountQueuingStrategy]"]`},
		{name: "error rejects pending reads and closed", body: `
			let ctl;
			const r = new ReadableStream({ start(c) { ctl = c; } }).getReader();
			const p = r.read();
			ctl.error(new Error("boom"));
			const out = [];
			try { await p; } catch (e) { out.push(e.message); }
			try { await r.closed; } catch (e) { out.push(e.message); }
			return out;`, want: `["boom","boom"]`},
		{name: "cancel reaches the source with its reason", body: `
			let why;
			const rs = new ReadableStream({ cancel(r) { why = r; } });
			await rs.cancel("enough");
			const { done } = await rs.getReader().read();
			return [why, done];`, want: `["enough",true]`},
		{name: "locked stream refuses a second reader", body: `
			const rs = new ReadableStream();
			rs.getReader();
			rs.getReader();`, errName: "TypeError", errMsg: "This ReadableStream is currently locked to a reader."},
		{name: "released reader rejects reads", body: `
			const r = new ReadableStream().getReader();
			const p = r.read();
			r.releaseLock();
			try { await p; } catch (e) { return e.message; }`, want: `"This ReadableStream reader has been released."`},
		{name: "tee gives both branches every chunk", body: collect + `
			const [a, b] = ReadableStream.from(["x", "y", "z"]).tee();
			return [await collect(a), await collect(b)];`, want: `[["x","y","z"],["x","y","z"]]`},
		{name: "tee cancels the source once both branches cancel", body: `
			let reason;
			const [a, b] = new ReadableStream({ cancel(r) { reason = r; } }).tee();
			await Promise.all([a.cancel(1), b.cancel(2)]);
			return reason;`, want: `[1,2]`},
		{name: "from an async generator", body: collect + `
			let i = 0;
			const gen = { [Symbol.asyncIterator]() { return { next: async () => (++i <= 2 ? { value: i, done: false } : { value: undefined, done: true }) }; } };
			return await collect(ReadableStream.from(gen));`, want: `[1,2]`},
		{name: "from a sync iterable awaits promises", body: collect + `
			return await collect(ReadableStream.from([Promise.resolve("a"), "b"]));`, want: `["a","b"]`},
		{name: "async iteration break cancels", body: `
			let canceled = false;
			const rs = new ReadableStream({ pull(c) { c.enqueue(1); }, cancel() { canceled = true; } });
			const it = rs[Symbol.asyncIterator]();
			await it.next();
			await it.return();
			return [canceled, rs.locked];`, want: `[true,false]`},
		{name: "preventCancel keeps the stream", body: `
			let canceled = false;
			const rs = new ReadableStream({ pull(c) { c.enqueue(1); }, cancel() { canceled = true; } });
			const it = rs.values({ preventCancel: true });
			await it.next();
			await it.return();
			return [canceled, rs.locked];`, want: `[false,false]`},
		{name: "bad type", body: `new ReadableStream({ type: "nope" });`, errName: "TypeError",
			errMsg: `"nope" is not a valid type of ReadableStream.`},
	}))
}

func TestByteStreams(t *testing.T) {
	runJSCases(t, asyncCases([]jsCase{
		{name: "BYOB reader fills the given view", body: `
			const rs = new ReadableStream({ type: "bytes", start(c) { c.enqueue(new Uint8Array([1, 2, 3, 4, 5])); c.close(); } });
			const r = rs.getReader({ mode: "byob" });
			const a = await r.read(new Uint8Array(3));
			const b = await r.read(new Uint8Array(3));
			const c = await r.read(new Uint8Array(3));
			return [Array.from(a.value), a.done, Array.from(b.value), b.done, c.value.byteLength, c.done, r instanceof ReadableStreamBYOBReader];`,
			want: `[[1,2,3],false,[4,5],false,0,true,true]`},
		{name: "byobRequest respond", body: `
			const rs = new ReadableStream({ type: "bytes", pull(c) {
				const req = c.byobRequest;
				req.view[0] = 7; req.view[1] = 8;
				req.respond(2);
			} });
			const r = rs.getReader({ mode: "byob" });
			const { value } = await r.read(new Uint8Array(16));
			return [Array.from(value), value.buffer.byteLength];`, want: `[[7,8],16]`},
		{name: "read with min waits for enough bytes", body: `
			let n = 0;
			const rs = new ReadableStream({ type: "bytes", pull(c) { c.enqueue(new Uint8Array([++n])); } });
			const r = rs.getReader({ mode: "byob" });
			const { value } = await r.read(new Uint8Array(4), { min: 3 });
			return Array.from(value);`, want: `[1,2,3]`},
		{name: "typed view gets whole elements", body: `
			const rs = new ReadableStream({ type: "bytes", start(c) { c.enqueue(new Uint8Array([1, 0, 2, 0, 3])); c.close(); } });
			const r = rs.getReader({ mode: "byob" });
			const { value } = await r.read(new Uint16Array(4));
			return [value.constructor.name, Array.from(value)];`, want: `["Uint16Array",[1,2]]`},
		{name: "autoAllocateChunkSize gives default readers a byobRequest", body: `
			const rs = new ReadableStream({ type: "bytes", autoAllocateChunkSize: 8, pull(c) {
				c.byobRequest.view.set([9, 9]); c.byobRequest.respond(2); c.close();
			} });
			const r = rs.getReader();
			const a = await r.read();
			return [Array.from(a.value), (await r.read()).done];`, want: `[[9,9],true]`},
		{name: "default stream refuses BYOB", body: `new ReadableStream().getReader({ mode: "byob" });`,
			errName: "TypeError", errMsg: "This ReadableStream does not support BYOB reads."},
		{name: "response bodies are byte streams", body: `
			const r = new Response("hello").body.getReader({ mode: "byob" });
			const { value } = await r.read(new Uint8Array(2));
			return new TextDecoder().decode(value);`, want: `"he"`},
		{name: "tee of a byte stream gives byte streams", body: `
			const [a, b] = new Response("abc").body.tee();
			const ra = a.getReader({ mode: "byob" });
			const x = await ra.read(new Uint8Array(8));
			const y = await new Response(b).text();
			return [new TextDecoder().decode(x.value), y];`, want: `["abc","abc"]`},
	}))
}

func TestWritableStream(t *testing.T) {
	runJSCases(t, asyncCases([]jsCase{
		{name: "writes reach the sink in order, then close", body: `
			const got = [];
			const ws = new WritableStream({ write(c) { got.push(c); }, close() { got.push("closed"); } });
			const w = ws.getWriter();
			w.write("a"); w.write("b");
			await w.close();
			return got;`, want: `["a","b","closed"]`},
		{name: "backpressure: ready waits for the sink", body: `
			let release;
			const ws = new WritableStream({ write() { return new Promise((r) => { release = r; }); } }, { highWaterMark: 1 });
			const w = ws.getWriter();
			const d0 = w.desiredSize;
			w.write("a");
			const d1 = w.desiredSize;
			await null;
			let ready = false;
			w.ready.then(() => { ready = true; });
			await null; await null;
			const before = ready;
			release();
			await w.ready;
			return [d0, d1, before, w.desiredSize];`, want: `[1,0,false,1]`},
		{name: "sink error errors the stream", body: `
			const ws = new WritableStream({ write() { throw new Error("nope"); } });
			const w = ws.getWriter();
			const out = [];
			try { await w.write("a"); } catch (e) { out.push(e.message); }
			try { await w.closed; } catch (e) { out.push(e.message); }
			try { await w.write("b"); } catch (e) { out.push(e.message); }
			return out;`, want: `["nope","nope","nope"]`},
		{name: "abort reaches the sink and the signal", body: `
			let reason, signalled;
			const ws = new WritableStream({ start(c) { c.signal.addEventListener("abort", () => { signalled = c.signal.reason; }); }, abort(r) { reason = r; } });
			await new Promise((r) => setTimeout(r, 0));
			await ws.abort("stop");
			return [reason, signalled];`, want: `["stop","stop"]`},
		{name: "write after close is refused", body: `
			const w = new WritableStream().getWriter();
			w.close();
			try { await w.write("x"); } catch (e) { return e.message; }`, want: `"This WritableStream has been closed."`},
		{name: "locked", body: `const ws = new WritableStream(); ws.getWriter(); ws.getWriter();`,
			errName: "TypeError", errMsg: "This WritableStream is currently locked to a writer."},
	}))
}

func TestTransformAndPipes(t *testing.T) {
	runJSCases(t, asyncCases([]jsCase{
		{name: "pipeThrough a TransformStream", body: collect + `
			const upper = new TransformStream({ transform(chunk, c) { c.enqueue(chunk.toUpperCase()); }, flush(c) { c.enqueue("!"); } });
			return await collect(ReadableStream.from(["a", "b"]).pipeThrough(upper));`, want: `["A","B","!"]`},
		{name: "identity TransformStream", body: collect + `
			return await collect(ReadableStream.from([1, 2]).pipeThrough(new TransformStream()));`, want: `[1,2]`},
		{name: "transform error errors both sides", body: `
			const ts = new TransformStream({ transform() { throw new Error("bad"); } });
			const w = ts.writable.getWriter();
			const out = [];
			const read = ts.readable.getReader().read(); // the write waits until the readable pulls
			try { await w.write(1); } catch (e) { out.push(e.message); }
			try { await read; } catch (e) { out.push(e.message); }
			return out;`, want: `["bad","bad"]`},
		{name: "terminate closes the readable", body: collect + `
			const ts = new TransformStream({ start(c) { c.enqueue("only"); c.terminate(); } });
			return await collect(ts.readable);`, want: `["only"]`},
		{name: "pipeTo resolves after close", body: `
			const got = [];
			await ReadableStream.from(["a", "b"]).pipeTo(new WritableStream({ write(c) { got.push(c); }, close() { got.push("end"); } }));
			return got;`, want: `["a","b","end"]`},
		{name: "pipeTo preventClose", body: `
			const ws = new WritableStream();
			await ReadableStream.from(["a"]).pipeTo(ws, { preventClose: true });
			const w = ws.getWriter();
			await w.write("b");
			return ws.locked;`, want: `true`},
		{name: "pipeTo aborts the destination on source error", body: `
			let aborted;
			const rs = new ReadableStream({ pull(c) { c.error(new Error("src")); } });
			try { await rs.pipeTo(new WritableStream({ abort(r) { aborted = r.message; } })); } catch (e) { return [e.message, aborted]; }`,
			want: `["src","src"]`},
		{name: "pipeTo preventAbort", body: `
			let aborted = false;
			const rs = new ReadableStream({ pull(c) { c.error(new Error("src")); } });
			const ws = new WritableStream({ abort() { aborted = true; } });
			try { await rs.pipeTo(ws, { preventAbort: true }); } catch (e) { return [e.message, aborted, ws.locked]; }`,
			want: `["src",false,false]`},
		{name: "pipeTo cancels the source on destination error", body: `
			let canceled;
			const rs = new ReadableStream({ pull(c) { c.enqueue(1); }, cancel(r) { canceled = r.message; } });
			try { await rs.pipeTo(new WritableStream({ write() { throw new Error("dst"); } })); } catch (e) { return [e.message, canceled]; }`,
			want: `["dst","dst"]`},
		{name: "pipeTo preventCancel", body: `
			let canceled = false;
			const rs = new ReadableStream({ pull(c) { c.enqueue(1); }, cancel() { canceled = true; } });
			try { await rs.pipeTo(new WritableStream({ write() { throw new Error("dst"); } }), { preventCancel: true }); } catch (e) { return [e.message, canceled, rs.locked]; }`,
			want: `["dst",false,false]`},
		{name: "pipeTo with an aborted signal", body: `
			const ac = new AbortController();
			let n = 0;
			const rs = new ReadableStream({ pull(c) { c.enqueue(n++); if (n === 3) ac.abort(new Error("enough")); } });
			try { await rs.pipeTo(new WritableStream(), { signal: ac.signal }); } catch (e) { return e.message; }`,
			want: `"enough"`},
		{name: "pipeTo respects backpressure", body: `
			let pulled = 0, written = 0;
			const rs = new ReadableStream({ pull(c) { pulled++; c.enqueue(pulled); if (pulled === 20) c.close(); } }, { highWaterMark: 0 });
			let maxAhead = 0;
			await rs.pipeTo(new WritableStream({ async write() { maxAhead = Math.max(maxAhead, pulled - written); await new Promise((r) => setTimeout(r, 1)); written++; } }));
			return [written, maxAhead <= 3];`, want: `[20,true]`},
	}))
}
