import { WorkerEntrypoint } from "cloudflare:workers";

// The default entrypoint: each call or request gets a fresh instance with this.env and
// this.ctx.
export default class extends WorkerEntrypoint {
  async add(a, b) {
    return a + b;
  }

  greet(user) {
    return { hello: user.name, since: new Date(0), tags: new Set(user.tags), realm: this.env.REALM, ctx: typeof this.ctx.waitUntil };
  }

  check(token) {
    const e = new RangeError(`token ${token} is not valid`);
    e.code = 401;
    throw e;
  }

  get version() {
    return "v1";
  }

  fetch(request) {
    return new Response(`auth fetch ${new URL(request.url).pathname}`);
  }
}

// A named entrypoint, bound with entrypoint = "Admin".
export class Admin extends WorkerEntrypoint {
  whoami() {
    return `admin of ${this.env.REALM}`;
  }

  fetch(request) {
    return new Response(`admin fetch ${new URL(request.url).pathname}`);
  }
}
