// A collaborative document: one SQLite-backed Durable Object per document holds its title and
// paragraphs. Editors send the version they edited; an edit made against an older version is
// refused with 409, so that no one overwrites a change they have not seen. The document lives
// in the object's storage and survives restarts.
import { DurableObject } from "cloudflare:workers";

export class Document extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    // Before any edit is delivered: make the schema and read the version into memory.
    ctx.blockConcurrencyWhile(async () => {
      this.sql = ctx.storage.sql;
      this.sql.exec(`CREATE TABLE IF NOT EXISTS paragraphs (
        position INTEGER PRIMARY KEY, author TEXT NOT NULL, text TEXT NOT NULL, version INTEGER NOT NULL)`);
      this.version = (await ctx.storage.get("version")) ?? 0;
    });
  }

  async read() {
    return {
      title: (await this.ctx.storage.get("title")) ?? "Untitled",
      version: this.version,
      paragraphs: this.sql.exec("SELECT position, author, text FROM paragraphs ORDER BY position").toArray(),
      authors: this.sql.exec("SELECT DISTINCT author FROM paragraphs ORDER BY author").raw().toArray().map((r) => r[0]),
    };
  }

  // edit applies one change made against baseVersion, atomically.
  async edit(baseVersion, change) {
    if (baseVersion !== this.version) return { conflict: true, version: this.version };
    const version = this.version + 1;
    this.ctx.storage.transactionSync(() => {
      switch (change.op) {
        case "title":
          this.ctx.storage.put("title", String(change.title));
          break;
        case "append":
          this.sql.exec("INSERT INTO paragraphs (author, text, version) VALUES (?, ?, ?)", change.author, change.text, version);
          break;
        case "replace": {
          const c = this.sql.exec("UPDATE paragraphs SET author = ?, text = ?, version = ? WHERE position = ?", change.author, change.text, version, change.position);
          if (c.rowsWritten !== 1) throw new RangeError(`no paragraph at position ${change.position}`);
          break;
        }
        default:
          throw new TypeError(`unknown edit ${change.op}`);
      }
      this.ctx.storage.put("version", version);
    });
    this.version = version;
    return { conflict: false, version };
  }

  async stats() {
    const row = this.sql.exec("SELECT count(*) AS paragraphs, coalesce(sum(length(text)), 0) AS characters FROM paragraphs").one();
    return { ...row, bytes: this.sql.databaseSize > 0 };
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, name, action] = url.pathname.split("/");
    if (!name) return new Response("not found", { status: 404 });
    const doc = env.DOCUMENTS.getByName(name);
    if (request.method === "GET" && !action) return Response.json(await doc.read());
    if (request.method === "GET" && action === "stats") return Response.json(await doc.stats());
    if (request.method === "POST" && action === "edit") {
      const { baseVersion, ...change } = await request.json();
      try {
        const r = await doc.edit(baseVersion, change);
        if (r.conflict) return Response.json({ error: "the document changed", version: r.version }, { status: 409 });
        return Response.json({ version: r.version });
      } catch (e) {
        return Response.json({ error: `${e.name}: ${e.message}` }, { status: 400 });
      }
    }
    return new Response("not found", { status: 404 });
  },
};
