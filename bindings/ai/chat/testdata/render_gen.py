# Renders every template in templates/ with Python's Jinja2 (the reference
# implementation, set up as Hugging Face transformers' apply_chat_template
# sets it up: sandboxed, trim_blocks, lstrip_blocks, loopcontrols,
# raise_exception, strftime_now, tojson) and writes the prompts to
# expected.json. The clock is fixed at 2026-12-03 so that dated templates
# (Llama 3.2) are reproducible. Run: python3 render_gen.py
import datetime
import json
import os

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

SPECIALS = {
    "llama3": ("<|begin_of_text|>", "<|eot_id|>"),
    "llama3.1": ("<|begin_of_text|>", "<|eot_id|>"),
    "llama3.2": ("<|begin_of_text|>", "<|eot_id|>"),
    "mistral": ("<s>", "</s>"),
    "tinyllama": ("<s>", "</s>"),
    "smollm2": ("<|im_start|>", "<|im_end|>"),
    "qwen2.5": ("<|endoftext|>", "<|im_end|>"),
    "qwen3": ("<|endoftext|>", "<|im_end|>"),
}

CONVERSATIONS = {
    "chat": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "The capital of France is Paris."},
        {"role": "user", "content": "And of Germany?"},
    ],
    "no-system": [
        {"role": "user", "content": "Hi! Tell me a joke."},
        {"role": "assistant", "content": " Why did the llama cross the road? "},
        {"role": "user", "content": "Ünïcödé 😀\nand a second line"},
    ],
    "thinking": [
        {"role": "system", "content": "  Be brief.  "},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "<think>\nThe user asks about France.\n</think>\n\nParis."},
        {"role": "user", "content": "And Germany?"},
    ],
    "two-users": [
        {"role": "user", "content": "One"},
        {"role": "user", "content": "Two"},
    ],
    "one-user": [
        {"role": "user", "content": "Hello"},
    ],
}


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return datetime.datetime(2026, 12, 3, 14, 30).strftime(fmt)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now

out = []
for name in sorted(SPECIALS):
    with open(os.path.join("templates", name + ".jinja"), encoding="utf-8") as f:
        tmpl = env.from_string(f.read())
    bos, eos = SPECIALS[name]
    for conv, messages in CONVERSATIONS.items():
        for gen in (True, False):
            case = {"template": name, "bos": bos, "eos": eos, "conversation": conv, "add_generation_prompt": gen}
            try:
                case["prompt"] = tmpl.render(messages=messages, add_generation_prompt=gen, bos_token=bos, eos_token=eos)
            except jinja2.exceptions.TemplateError as e:
                case["error"] = str(e)
            out.append(case)
with open("expected.json", "w", encoding="utf-8") as f:
    json.dump({"conversations": CONVERSATIONS, "cases": out}, f, ensure_ascii=False, indent=1)
