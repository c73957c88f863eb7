// A counter per name, kept by one Durable Object each: every increment is a storage write,
// and the object's single-threaded events make concurrent increments exact.
import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  async increment(by = 1) {
    const value = ((await this.ctx.storage.get("value")) ?? 0) + by;
    await this.ctx.storage.put("value", value);
    return value;
  }

  async get() {
    return (await this.ctx.storage.get("value")) ?? 0;
  }

  async reset() {
    await this.ctx.storage.deleteAll();
  }

  fail(message) {
    throw new RangeError(message);
  }

  // The HTTP face of the object: GET shows the count, POST increments it.
  async fetch(request) {
    if (request.method === "POST") return Response.json({ value: await this.increment() });
    return Response.json({ value: await this.get(), id: this.ctx.id.toString(), name: this.ctx.id.name ?? null });
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, action, name = "default"] = url.pathname.split("/");
    const stub = env.COUNTER.getByName(name);
    switch (action) {
      case "increment": {
        const by = Number(url.searchParams.get("by") ?? 1);
        return Response.json({ name, value: await stub.increment(by) });
      }
      case "get":
        return Response.json({ name, value: await stub.get() });
      case "reset":
        await stub.reset();
        return Response.json({ name, value: await stub.get() });
      case "fetch":
        return stub.fetch(request);
      case "fail":
        try {
          await stub.fail("too far");
        } catch (e) {
          return Response.json({ name: e.name, message: e.message, isRangeError: e instanceof RangeError }, { status: 500 });
        }
        break;
      case "missing":
        try {
          await stub.nope();
        } catch (e) {
          return Response.json({ name: e.name, message: e.message }, { status: 500 });
        }
        break;
      case "clone":
        try {
          await stub.increment(Symbol("one"));
        } catch (e) {
          return Response.json({ name: e.name, message: e.message }, { status: 500 });
        }
        break;
      case "id": {
        const id = env.COUNTER.idFromName(name);
        const same = env.COUNTER.idFromString(id.toString());
        let bad;
        try {
          env.COUNTER.idFromString("not-an-id");
        } catch (e) {
          bad = `${e.name}: ${e.message}`;
        }
        return Response.json({ hex: /^[0-9a-f]{64}$/.test(id.toString()), name: id.name, equals: id.equals(same), unique: env.COUNTER.newUniqueId().equals(env.COUNTER.newUniqueId()), bad });
      }
    }
    return new Response("not found", { status: 404 });
  },
};
