// The storage API's behaviour, probed step by step and checked against workerd (spec.json):
// list options, bulk operations, transactions, the SQL API and its cursors, ids and stubs.
// The size limits are left out: workerd's local SQLite backend does not apply the key-value
// backend's limits that Cloudflare (and molt) enforce; isolates/js tests them.
import { DurableObject } from "cloudflare:workers";
async function probe(s, sql) {
  const out = {};
  const t = async (name, fn) => { try { out[name] = await fn(); } catch (e) { out[name] = `${e.name}: ${e.message}`; } };
  await t("put", () => s.put({ a: 1, b: 2, ba: 3, bb: 4, c: 5, "é": 6 }));
  await t("getMany", async () => [...(await s.get(["c", "a", "zz", "b"])).entries()]);
  await t("getMissing", () => s.get("zz"));
  await t("list", async () => [...(await s.list()).keys()]);
  await t("listPrefix", async () => [...(await s.list({ prefix: "b" })).keys()]);
  await t("listStartAfter", async () => [...(await s.list({ startAfter: "b" })).keys()]);
  await t("listStartEnd", async () => [...(await s.list({ start: "b", end: "bb" })).keys()]);
  await t("listReverseLimit", async () => [...(await s.list({ reverse: true, limit: 2 })).keys()]);
  await t("listBoth", async () => [...(await s.list({ start: "a", startAfter: "b" })).keys()]);
  await t("listLimit0", async () => [...(await s.list({ limit: 0 })).keys()]);
  await t("deleteOne", () => s.delete("a"));
  await t("deleteMissing", () => s.delete("a"));
  await t("deleteMany", () => s.delete(["b", "ba", "nope"]));
  await t("putUndefined", () => s.put("u", undefined));
  await t("putUndefinedEntries", async () => { await s.put({ u: undefined }); return s.get("u"); });
  await t("putFunction", () => s.put("f", () => 1));
  await t("putSymbol", () => s.put("f", Symbol("x")));
  await t("getNumberKey", async () => { await s.put(5, "five"); return s.get("5"); });
  await t("setAlarmZero", () => s.setAlarm(0));
  await t("getAlarmNone", () => s.getAlarm());
  await t("txRollback", async () => { try { await s.transaction(async (tx) => { await tx.put("t", 1); throw new Error("x"); }); } catch (e) {} return s.get("t"); });
  await t("txExplicit", async () => { const r = await s.transaction(async (tx) => { await tx.put("t2", 1); tx.rollback(); return "done"; }); return [r, await s.get("t2")]; });
  await t("deleteAllInTx", () => s.transaction(async (tx) => tx.deleteAll ? tx.deleteAll() : "no deleteAll"));
  if (sql) await t("sql", () => { const c = s.sql.exec("SELECT 1 AS one, 'x' AS two, x'0102' AS three, NULL AS four, 1.5 AS five"); return [c.columnNames, JSON.stringify(c.raw().toArray())]; });
  if (sql) {
    await t("sqlInsert", () => { const c = s.sql.exec("INSERT INTO t (v) VALUES (?), (?), (?)", "a", "b", "c"); return [c.rowsRead, c.rowsWritten, c.toArray()]; });
    await t("sqlSelect", () => { const c = s.sql.exec("SELECT * FROM t"); const r = c.toArray(); return [r, c.rowsRead, c.rowsWritten]; });
    await t("sqlWhere", () => { const c = s.sql.exec("SELECT * FROM t WHERE v = ?", "b"); const r = c.toArray(); return [r, c.rowsRead]; });
    await t("sqlIdx", () => { const c = s.sql.exec("SELECT * FROM t WHERE id = ?", 2); const r = c.toArray(); return [r, c.rowsRead]; });
    await t("sqlUpdate", () => { const c = s.sql.exec("UPDATE t SET v = 'z' WHERE id > 1"); return [c.rowsRead, c.rowsWritten]; });
    await t("sqlOneMany", () => s.sql.exec("SELECT * FROM t").one());
    await t("sqlOneNone", () => s.sql.exec("SELECT * FROM t WHERE 0").one());
    await t("sqlNoTable", () => s.sql.exec("SELECT * FROM nope"));
    await t("sqlBegin", () => s.sql.exec("BEGIN"));
    await t("sqlCfKV", () => s.sql.exec("SELECT * FROM _cf_KV").toArray());
    await t("sqlBindCount", () => s.sql.exec("SELECT ?", 1, 2));
    await t("sqlMulti", () => s.sql.exec("SELECT 1; SELECT 2 AS x").toArray());
    await t("sqlMultiParams", () => s.sql.exec("SELECT ?; SELECT 2", 1).toArray());
    await t("sqlBool", () => s.sql.exec("SELECT ? AS b", true).toArray());
    await t("sqlBigInt", () => s.sql.exec("SELECT 9007199254740993 AS b").toArray());
    await t("sqlSize", () => s.sql.databaseSize > 0);
    await t("txSync", () => { try { s.transactionSync(() => { s.sql.exec("INSERT INTO t (v) VALUES ('q')"); throw new Error("no"); }); } catch (e) {} return s.sql.exec("SELECT count(*) AS n FROM t").one(); });
  } else {
  }
  await t("deleteAll", async () => { await s.deleteAll(); return [...(await s.list()).keys()]; });
  return out;
}
export class KVO extends DurableObject { run() { return probe(this.ctx.storage, false); } ids() { return [this.ctx.id.name ?? null, typeof this.ctx.id.toString()]; } }
export class SQLO extends DurableObject { run() { return probe(this.ctx.storage, true); } }
export default {
  async fetch(req, env) {
    const p = new URL(req.url).pathname;
    const out = {};
    if (p === "/kv") return Response.json(await env.KVO.getByName("p").run());
    if (p === "/sql") return Response.json(await env.SQLO.getByName("p").run());
    const t = async (name, fn) => { try { out[name] = await fn(); } catch (e) { out[name] = `${e.name}: ${e.message}`; } };
    await t("idOtherStr", () => env.KVO.idFromString(env.SQLO.idFromName("x").toString()));
    await t("idUpper", () => env.KVO.idFromString(env.KVO.idFromName("x").toString().toUpperCase()).toString() === env.KVO.idFromName("x").toString());
    await t("idName", () => [env.KVO.idFromName("x").name, env.KVO.newUniqueId().name ?? null, env.KVO.idFromString(env.KVO.idFromName("x").toString()).name ?? null]);
    await t("ctxIdName", () => env.KVO.getByName("nm").ids());
    await t("ctxIdNameFromId", () => env.KVO.get(env.KVO.idFromName("nm")).ids());
    await t("stubName", () => [env.KVO.getByName("nm").name ?? null, env.KVO.get(env.KVO.newUniqueId()).name ?? null]);
    await t("stubThen", () => typeof env.KVO.getByName("nm").then);
    await t("stubToString", () => env.KVO.getByName("nm").toString());
    await t("stubStr", () => String(env.KVO.getByName("nm")));
    await t("stubIdType", () => env.KVO.get("abc"));
    await t("idFromNameNoArg", () => env.KVO.idFromName());
    return Response.json(out);
  },
};
