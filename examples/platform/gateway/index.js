// Each line of the response is one call over a service binding; an exception shows as
// "name: message".
async function line(fn) {
  try {
    const v = await fn();
    return typeof v === "string" ? v : JSON.stringify(v);
  } catch (e) {
    return `${e.name}: ${e.message}${e.code ? ` (code ${e.code})` : ""}`;
  }
}

export default {
  async fetch(request, env) {
    const out = [
      await line(() => env.AUTH.add(2, 3)),
      await line(async () => {
        const g = await env.AUTH.greet({ name: "ann", tags: ["a", "b"] });
        return [g.hello, g.since instanceof Date, g.tags instanceof Set && g.tags.size, g.realm, g.ctx];
      }),
      await line(() => env.AUTH.check("t0k")),
      await line(async () => await env.AUTH.version),
      await line(() => env.AUTH.nope()),
      await line(() => env.AUTH.alarm()),
      await line(async () => (await env.AUTH.fetch("https://auth/p")).text()),
      await line(() => env.ADMIN.whoami()),
      await line(async () => (await env.ADMIN.fetch("https://auth/q")).text()),
      await line(() => env.MISSING.whoami()),
    ];
    return new Response(out.join("\n") + "\n");
  },
};
