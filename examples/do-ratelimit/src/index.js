// A fixed-window rate limiter: one Durable Object per client IP counts the requests of the
// current window. Every request for an IP reaches the same object, whichever isolate serves
// it, so the count is exact; an alarm clears the object's storage when the window ends.
import { DurableObject } from "cloudflare:workers";

export class RateLimiter extends DurableObject {
  // hit counts one request and says whether it is allowed.
  async hit(limit, windowMs) {
    const now = Date.now();
    let window = await this.ctx.storage.get("window");
    if (window === undefined || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      await this.ctx.storage.setAlarm(window.resetAt);
    }
    if (window.count >= limit) {
      return { allowed: false, remaining: 0, retryAfter: Math.ceil((window.resetAt - now) / 1000) };
    }
    window.count++;
    await this.ctx.storage.put("window", window);
    return { allowed: true, remaining: limit - window.count };
  }

  async status() {
    const window = await this.ctx.storage.get("window");
    return { count: window?.count ?? 0, alarm: (await this.ctx.storage.getAlarm()) !== null };
  }

  // The window is over: forget it, so idle clients cost no storage.
  async alarm() {
    await this.ctx.storage.deleteAll();
  }
}

export default {
  async fetch(request, env) {
    const ip = request.headers.get("CF-Connecting-IP") ?? "unknown";
    const limiter = env.LIMITER.getByName(ip);
    const url = new URL(request.url);
    if (url.pathname === "/status") return Response.json({ ip, ...(await limiter.status()) });
    const r = await limiter.hit(Number(env.LIMIT), Number(env.WINDOW_SECONDS) * 1000);
    if (!r.allowed) {
      return Response.json({ error: "rate limited", ip }, { status: 429, headers: { "Retry-After": String(r.retryAfter) } });
    }
    return Response.json({ ip, remaining: r.remaining }, { headers: { "X-RateLimit-Remaining": String(r.remaining) } });
  },
};
