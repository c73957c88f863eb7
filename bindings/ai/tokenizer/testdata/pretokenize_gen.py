# Generates pretokenize.json: the expected pre-tokenizer splits, computed
# with the real regular expressions (as llama.cpp's llama-vocab.cpp lists
# them per tokenizer.ggml.pre) by Python's `regex` module, which supports
# \p{..} classes and lookahead. Run: python3 pretokenize_gen.py
import json
import regex

LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2 = LLAMA3.replace(r"\p{N}{1,3}", r"\p{N}")
GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
STAGES = {
    "llama-bpe": [LLAMA3],
    "qwen2": [QWEN2],
    "smollm": [r"\p{N}", GPT2],
    "gpt-2": [GPT2],
    "default": [r"[\p{P}\$\+<=>\^~\|]+", GPT2, r"\p{N}+", r"[0-9][0-9][0-9]"],
}

def split(pattern, text):
    # Matches and the text between them, as llama.cpp's unicode_regex_split.
    out, pos = [], 0
    for m in regex.finditer(pattern, text):
        if m.start() > pos:
            out.append(text[pos:m.start()])
        if m.end() > m.start():
            out.append(m.group())
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out

INPUTS = [
    "Hello world",
    "Hello, world! How's it going?",
    "I'm here, you're there, they've gone, we'll see, he'd know, it's DON'T I'M",
    "1 12 123 1234 12345 1234567",
    "3.14159 and 2,000,000 or -42",
    "a  b   c    d",
    "trailing spaces   ",
    "   leading spaces",
    "line one\nline two\n\nline four\r\nwindows\n",
    "  \n  indented\n\t\ttabs\tinside",
    "word\n\n\n   next",
    "(parens) [brackets] {braces} <angle>",
    "!!! ??? ... --- ***",
    "a!b?c.d",
    "'quoted' \"double\" 'tis 'S 'Re",
    "日本語のテキスト、句読点。",
    "中文文本123测试",
    "Привет, мир! Ёлки-палки",
    "مرحبا بالعالم",
    "हिन्दी भाषा",
    "emoji 😀🎉 and 👨‍👩‍👧 family",
    "café naïve résumé ½ ² Ⅻ",
    "x=1+2*3^4 | y<=z ~ w $5",
    "tab\tseparated\tvalues",
    "\u00a0non-breaking\u3000ideographic space",
    "mixedCASE camelCase snake_case kebab-case",
    "http://example.com/path?q=1&r=2#frag",
    "def f(x):\n    return x + 1\n",
    "",
    " ",
    "\n",
    "a",
    "''",
    "'",
    "12abc34def",
    "١٢٣٤ Arabic-Indic digits",
]

cases = []
for name, stages in STAGES.items():
    for text in INPUTS:
        pieces = [text] if text else []
        for p in stages:
            pieces = [q for piece in pieces for q in split(p, piece)]
        cases.append({"pre": name, "text": text, "pieces": pieces})
with open("pretokenize.json", "w", encoding="utf-8") as f:
    json.dump(cases, f, ensure_ascii=False, indent=0)
