package js

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/moltworker/molt/bindings/ai"
)

// aiWorker runs the case named by the request path against env.AI, whose models directory
// names the test model bge-small.
var aiWorker = casesWorker("AI", `
const M = "@cf/baai/bge-small-en-v1.5";
const cases = {
  async batch(AI) {
    const p = AI.run(M, { text: ["hello world", "the quick brown fox"] });
    const r = await p;
    const norm = (v) => Math.round(Math.sqrt(v.reduce((s, x) => s + x * x, 0)) * 1e4) / 1e4;
    return [p instanceof Promise, Object.keys(r), r.shape, r.pooling, Array.isArray(r.data[0]), typeof r.data[0][0], r.data.map(norm)];
  },
  async single(AI) { const r = await AI.run(M, { text: "hello", pooling: "cls" }); return [r.shape, r.pooling]; },
  async timers(AI) {
    // The model runs off the event loop: a timer set after the call fires before it settles.
    const order = [];
    const run = AI.run(M, { text: Array.from({ length: 50 }, (_, i) => "token model vector " + i) }).then(() => order.push("run"));
    await new Promise((r) => setTimeout(r, 0)).then(() => order.push("timer"));
    await run;
    return order;
  },
  async unknown(AI) {
    try { await AI.run("@cf/meta/llama-3.1-8b-instruct", { prompt: "hi" }); } catch (e) {
      return [e instanceof Error, e.name, e.message, String(e), AI.lastRequestInternalStatusCode];
    }
  },
  noInputs(AI) { return AI.run(M); },
  stringInputs(AI) { return AI.run(M, "hello"); },
  badText(AI) { return AI.run(M, { text: 1 }); },
  cyclic(AI) { const o = {}; o.o = o; return AI.run(M, o); },
  illegal(AI) { return AI.run.call({}, M, { text: "x" }); },
  tag(AI) { return Object.prototype.toString.call(AI); },
};
`)

func TestAIFromJS(t *testing.T) {
	dir := t.TempDir()
	model, err := filepath.Abs("../../testdata/bert-tiny.gguf")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ai.IndexFile), []byte(`"@cf/baai/bge-small-en-v1.5" = "`+model+`"`), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := ai.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := frontServer(t, aiWorker, map[string]any{"AI": r})
	runCases(t, srv, []workerCase{
		{"batch", `{"ok":[true,["shape","data","pooling"],[2,64],"mean",true,"number",[1,1]]}`},
		{"single", `{"ok":[[1,64],"cls"]}`},
		{"timers", `{"ok":["timer","run"]}`},
		{"unknown", `{"ok":[true,"AiError","5007: No such model @cf/meta/llama-3.1-8b-instruct or task","AiError: 5007: No such model @cf/meta/llama-3.1-8b-instruct or task",5007]}`},
		{"noInputs", thrown("AiError", "5006: Error: required properties at '/' are 'text'")},
		{"stringInputs", thrown("AiError", "5006: Error: type mismatch at '/': a string is not an object")},
		{"badText", thrown("AiError", "5006: Error: type mismatch at '/text': a number is not a string or an array of strings")},
		{"cyclic", thrown("TypeError", "Converting circular structure to JSON")},
		{"illegal", thrown("TypeError", "Illegal invocation")},
		{"tag", `{"ok":"[object Ai]"}`},
	}, false)
}
