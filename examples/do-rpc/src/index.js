// JS RPC to a Durable Object, probed case by case and checked against workerd (spec.json):
// what a caller sees of thrown values (any thrown value arrives as an Error; custom names,
// own properties and causes survive), of results (structured clone: Maps, Dates, BigInts,
// typed arrays), of property reads (await stub.prop reads a getter) and of stub.fetch().
import { DurableObject } from "cloudflare:workers";
class MyError extends Error { constructor(m) { super(m); this.name = "MyError"; this.code = 42; } }
export class O extends DurableObject {
  constructor(ctx, env) { super(ctx, env); this.field = 1; this.fn = () => 1; }
  throwString() { throw "plain string"; }
  throwCustom() { throw new MyError("custom"); }
  throwType() { throw new TypeError("typed"); }
  throwCause() { throw new Error("outer", { cause: new Error("inner") }); }
  async rejectAsync() { await null; throw new RangeError("async"); }
  retMap() { return new Map([[1, { a: new Date(0) }]]); }
  retUndefined() {}
  retNested() { return { a: [1, { b: 2n }], s: new Set([1]), u8: new Uint8Array([1, 2]) }; }
  get prop() { return "getter"; }
  echo(...args) { return args.length; }
  ctxId() { return [this.ctx.id.name ?? null, this.ctx.id.toString().length]; }
  async fetch(req) { return new Response("fetched " + req.method + " " + new URL(req.url).pathname + " " + (await req.text()), { status: 201, headers: { "x-a": "b" } }); }
}
export default {
  async fetch(req, env) {
    const s = env.O.getByName("p");
    const out = {};
    const t = async (name, fn) => {
      try { const v = await fn(); out[name] = v === undefined ? "<undefined>" : v; }
      catch (e) { out[name] = { thrown: typeof e, name: e?.name, message: e?.message ?? String(e), ctor: e?.constructor?.name, code: e?.code, cause: e?.cause?.message, isMy: e instanceof Error }; }
    };
    await t("throwString", () => s.throwString());
    await t("throwCustom", () => s.throwCustom());
    await t("throwType", () => s.throwType());
    await t("throwCause", () => s.throwCause());
    await t("rejectAsync", () => s.rejectAsync());
    await t("retMap", async () => { const m = await s.retMap(); return [m instanceof Map, m.get(1).a instanceof Date]; });
    await t("retUndefined", () => s.retUndefined());
    await t("retNested", async () => { const r = await s.retNested(); return [typeof r.a[1].b, r.s instanceof Set, r.u8 instanceof Uint8Array, Array.from(r.u8)]; });
    await t("getter", () => s.prop);
    await t("field", () => s.field());
    await t("echo", () => s.echo(1, undefined, null));
    await t("ctxId", () => s.ctxId());
    await t("fetchPost", async () => { const r = await s.fetch("http://x/path?q", { method: "POST", body: "body" }); return [r.status, r.headers.get("x-a"), await r.text()]; });
    await t("fetchReq", async () => { const r = await s.fetch(new Request("http://x/r")); return [r.status, await r.text()]; });
    await t("weakMapArg", () => s.echo(new WeakMap()));
    return Response.json(out);
  },
};
