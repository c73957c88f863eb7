package js

import (
	"path/filepath"
	"testing"

	"github.com/moltworker/molt/bindings/vectorize"
)

// vectorizeWorker runs the case named by the request path against env.VEC (3 dimensions,
// cosine, with a metadata index on "genre") and answers with its result as JSON, or with the
// name and message of what it threw.
var vectorizeWorker = casesWorker("VEC", `
const cases = {
  async insert(V) {
    const a = await V.insert([
      { id: "a", values: [1, 0, 0], metadata: { genre: "drama", title: "A" } },
      { id: "b", values: new Float32Array([0.9, 0.1, 0]), namespace: "ns1", metadata: { genre: "comedy" } },
      { id: "c", values: new Float64Array([0, 1, 0]) },
      { id: "d", values: [0.5, 0.5, 0.5], namespace: "ns2", metadata: { year: 2004, info: { lang: "en" } } },
      { id: "e", values: [0.4, 0.5, 0.6], namespace: "ns2", metadata: { year: 2012, info: { lang: "fr" } } },
    ]);
    return [typeof a.mutationId, a.mutationId.length, Object.keys(a)];
  },
  async query(V) { return await V.query([1, 0, 0], { topK: 2 }); },
  async queryAll(V) { return await V.query([58.8, 6.7, 3.4], { topK: 1, returnValues: true, returnMetadata: "all" }); },
  async queryBool(V) { return (await V.query([1, 0, 0], { topK: 1, returnMetadata: true })).matches[0].metadata; },
  async queryIndexed(V) { return (await V.query([1, 0, 0], { topK: 1, returnMetadata: "indexed" })).matches[0].metadata; },
  async queryNamespace(V) { return (await V.query([1, 0, 0], { namespace: "ns1" })).matches.map((m) => [m.id, m.namespace]); },
  async queryFilter(V) {
    const r = await V.query([1, 0, 0], { filter: { genre: { $in: ["comedy", "horror"] } } });
    const s = await V.query([1, 0, 0], { filter: { genre: { $ne: "comedy" } } });
    return [r.matches.map((m) => m.id), s.matches.map((m) => m.id)];
  },
  async queryRange(V) {
    const ids = async (filter) => (await V.query([1, 1, 1], { topK: 10, filter })).matches.map((m) => m.id);
    return [await ids({ year: { $gte: 2000, $lt: 2010 } }), await ids({ year: { $gt: 2010 } }), await ids({ "info.lang": "fr" }),
      await ids({ "info.lang": { $nin: ["fr"] }, year: { $lte: 2004 } }), await ids({ genre: { $gte: "d", $lt: "e" } })];
  },
  async queryById(V) { return (await V.queryById("c", { topK: 1 })).matches.map((m) => [m.id, m.score]); },
  async upsert(V) {
    await V.upsert([{ id: "a", values: [0, 0, 1] }]);
    return await V.getByIds(["a", "missing", "b"]);
  },
  async insertExisting(V) { await V.insert([{ id: "b", values: [0, 0, 1] }]); return (await V.getByIds(["b"]))[0].values; },
  async remove(V) { const m = await V.deleteByIds(["c", "nope"]); return [typeof m.mutationId, await V.getByIds(["c"])]; },
  async describe(V) { const d = await V.describe(); return [d.dimensions, d.vectorCount, typeof d.processedUpToMutation, typeof d.processedUpToDatetime]; },
  wrongDims(V) { return V.query([1, 0]); },
  wrongDimsInsert(V) { return V.upsert([{ id: "x", values: [1, 0, 0, 0] }]); },
  topK(V) { return V.query([1, 0, 0], { topK: 101 }); },
  topKValues(V) { return V.query([1, 0, 0], { topK: 21, returnValues: true }); },
  returnMetadataBad(V) { return V.query([1, 0, 0], { returnMetadata: "some" }); },
  returnMetadataFalse(V) { return V.query([1, 0, 0], { returnMetadata: false }); },
  longId(V) { return V.insert([{ id: "x".repeat(65), values: [1, 0, 0] }]); },
  tooManyIds(V) { return V.getByIds(Array.from({ length: 21 }, (_, i) => "i" + i)); },
  badFilter(V) { return V.query([1, 0, 0], { filter: { "$x": 1 } }); },
  missingIndex(V, env) { return env.NONE.query([1]); },
  illegal(V) { return V.query.call({}, [1, 0, 0]); },
};
`)

func TestVectorizeFromJS(t *testing.T) {
	store, err := vectorize.Open(filepath.Join(t.TempDir(), "vectorize.db"), vectorize.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.CreateIndex(vectorize.IndexConfig{Name: "vec", Dimensions: 3, Metric: vectorize.Cosine}); err != nil {
		t.Fatal(err)
	}
	x, _ := store.Index("vec")
	for p, typ := range map[string]vectorize.MetadataType{"genre": vectorize.String, "year": vectorize.Number, "info.lang": vectorize.String} {
		if _, err := x.CreateMetadataIndex(p, typ); err != nil {
			t.Fatal(err)
		}
	}
	srv := frontServer(t, vectorizeWorker, map[string]any{"VEC": vectorize.NewBinding(store, "vec"), "NONE": vectorize.NewBinding(store, "none")})
	// The cases run in order: later ones see what earlier ones wrote.
	runCases(t, srv, []workerCase{
		{"insert", `{"ok":["string",36,["mutationId"]]}`},
		{"query", `{"ok":{"count":2,"matches":[{"id":"a","score":1},{"id":"b","namespace":"ns1","score":0.9938837289810181}]}}`},
		{"queryAll", `{"ok":{"count":1,"matches":[{"id":"b","namespace":"ns1","score":0.9983497858047485,"values":[0.8999999761581421,0.10000000149011612,0],"metadata":{"genre":"comedy"}}]}}`},
		{"queryBool", `{"ok":{"genre":"drama","title":"A"}}`},
		{"queryIndexed", `{"ok":{"genre":"drama"}}`},
		{"queryNamespace", `{"ok":[["b","ns1"]]}`},
		{"queryFilter", `{"ok":[["b"],["a","d","e","c"]]}`},
		{"queryRange", `{"ok":[["d"],["e"],["e"],["d"],["a"]]}`},
		{"queryById", `{"ok":[["c",1]]}`},
		{"upsert", `{"ok":[{"id":"a","values":[0,0,1]},{"id":"b","namespace":"ns1","values":[0.8999999761581421,0.10000000149011612,0],"metadata":{"genre":"comedy"}}]}`},
		{"insertExisting", `{"ok":[0.8999999761581421,0.10000000149011612,0]}`},
		{"remove", `{"ok":["string",[]]}`},
		{"describe", `{"ok":[3,4,"string","string"]}`},
		{"wrongDims", thrown("Error", "VECTOR_QUERY_ERROR (code = 40006): invalid query vector, expected 3 dimensions, and got 2 dimensions")},
		{"wrongDimsInsert", thrown("Error", `VECTOR_UPSERT_ERROR (code = 40012): invalid vector for id="x", expected 3 dimensions, and got 4 dimensions`)},
		{"topK", thrown("Error", "VECTOR_QUERY_ERROR (code = 40025): max top K is 100, but got 101")},
		{"topKValues", thrown("Error", "VECTOR_QUERY_ERROR (code = 40025): with returnValues=true or returnMetadata=all, max top K is 20, but got 21")},
		{"returnMetadataBad", thrown("Error", `Invalid returnMetadata option. Expected: true, false, "none", "indexed" or "all"; got: some`)},
		{"returnMetadataFalse", thrown("Error", "VECTOR_QUERY_ERROR (code = 40026): Failed to parse the request body as JSON: returnMetadata: expected value")},
		{"longId", thrown("Error", "VECTOR_INSERT_ERROR (code = 40008): id too long; max is 64 bytes, got 65 bytes")},
		{"tooManyIds", thrown("Error", "VECTOR_GET_ERROR (code = 40007): too many ids in payload; max id count is 20, got 21")},
		{"badFilter", thrown("Error", `VECTOR_QUERY_ERROR: invalid filter: key "$x" cannot start with '$'`)},
		{"missingIndex", thrown("Error", `VECTOR_QUERY_ERROR: index "none" not found; create it with: molt vectorize create none --dimensions N --metric cosine|euclidean|dot-product`)},
		{"illegal", thrown("TypeError", "Illegal invocation")},
	}, false)
}
