package js

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moltworker/molt/bindings/ai"
)

// aiTextWorker runs text generation on the llama fixture: /json answers the result, /stream
// returns the stream as the response body, the other paths look at the stream from
// JavaScript. The inputs are the query's in parameter.
const aiTextWorker = `
const M = "@cf/meta/llama-3.2-1b-instruct";
var __molt_exports = { default: { async fetch(req, env) {
  const u = new URL(req.url);
  const inputs = JSON.parse(u.searchParams.get("in") ?? "{}");
  try {
    switch (u.pathname) {
    case "/ping": return new Response("ok"); // the cost of a request without the model
    case "/json": return Response.json(await env.AI.run(M, inputs));
    case "/stream": {
      const s = await env.AI.run(M, { ...inputs, stream: true });
      return new Response(s, { headers: { "content-type": "text/event-stream" } });
    }
    case "/read": {
      // The stream is read in JavaScript while timers run: generation is off the loop.
      const s = await env.AI.run(M, { ...inputs, stream: true });
      const order = [];
      const reader = s.getReader();
      const chunks = [];
      const done = (async () => {
        for (;;) { const r = await reader.read(); if (r.done) break; chunks.push(r.value); }
        order.push("read");
      })();
      await new Promise((r) => setTimeout(r, 0)).then(() => order.push("timer"));
      await done;
      const text = chunks.map((c) => new TextDecoder().decode(c, { stream: true })).join("");
      return Response.json({ isStream: s instanceof ReadableStream, bytes: chunks[0] instanceof Uint8Array, order, text });
    }
    case "/cancel": {
      const s = await env.AI.run(M, { ...inputs, stream: true });
      const reader = s.getReader();
      const first = await reader.read();
      await reader.cancel();
      return Response.json({ first: new TextDecoder().decode(first.value).slice(0, 6), after: await reader.read() });
    }
    }
  } catch (e) {
    return Response.json({ error: [e.name, e.message, env.AI.lastRequestInternalStatusCode] });
  }
} } };
`

// textRegistry is a models directory naming file @cf/meta/llama-3.2-1b-instruct.
func textRegistry(t testing.TB, file string) *ai.Registry {
	t.Helper()
	model, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ai.IndexFile), []byte(`"@cf/meta/llama-3.2-1b-instruct" = "`+model+`"`), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := ai.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAITextGenerationFromJS(t *testing.T) {
	srv := frontServer(t, aiTextWorker, map[string]any{"AI": textRegistry(t, "../../testdata/llama-tiny-f32.gguf")})
	get := func(path, inputs string) (*http.Response, []byte) {
		t.Helper()
		res, err := http.Get(srv.URL + path + "?in=" + url.QueryEscape(inputs))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		return res, body
	}
	const in = `{"prompt": "hello world", "max_tokens": 12, "temperature": 0}`

	_, body := get("/json", in)
	var out struct {
		Response string
		Usage    map[string]int
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Usage["completion_tokens"] != 12 ||
		out.Usage["total_tokens"] != out.Usage["prompt_tokens"]+12 {
		t.Fatalf("json: %s (%v)", body, err)
	}

	// Streamed as the response body: server-sent events whose pieces make the same text.
	res, body := get("/stream", in)
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("content type %q", ct)
	}
	var text strings.Builder
	var events []string
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok || !sc.Scan() || sc.Text() != "" {
			t.Fatalf("framing: %q", body)
		}
		events = append(events, data)
	}
	if n := len(events); n < 3 || events[n-1] != "[DONE]" ||
		events[n-2] != `{"response":"","usage":{"prompt_tokens":`+itoa(out.Usage["prompt_tokens"])+`,"completion_tokens":12,"total_tokens":`+itoa(out.Usage["total_tokens"])+`}}` {
		t.Fatalf("events %q", events)
	}
	for _, e := range events[:len(events)-2] {
		var piece struct{ Response string }
		if err := json.Unmarshal([]byte(e), &piece); err != nil {
			t.Fatalf("event %q: %v", e, err)
		}
		text.WriteString(piece.Response)
	}
	if text.String() != out.Response {
		t.Errorf("streamed %q, not %q", text.String(), out.Response)
	}

	// Read from JavaScript, with a timer firing meanwhile.
	_, body = get("/read", in)
	var read struct {
		IsStream, Bytes bool
		Order           []string
		Text            string
	}
	if err := json.Unmarshal(body, &read); err != nil || !read.IsStream || !read.Bytes ||
		strings.Join(read.Order, ",") != "timer,read" || !strings.HasSuffix(read.Text, "data: [DONE]\n\n") {
		t.Fatalf("read: %s (%v)", body, err)
	}

	_, body = get("/cancel", `{"prompt": "hello", "max_tokens": 64}`)
	if string(body) != `{"first":"data: ","after":{"done":true}}` {
		t.Errorf("cancel: %s", body)
	}

	// Errors reject the run before any stream exists.
	for _, c := range []struct{ path, inputs, want string }{
		{"/stream", `{"prompt": "hi"}`, `{"error":["AiError","5021: The estimated number of input and maximum output tokens (308) exceeded this model context window limit (128).",5021]}`},
		{"/json", `{"prompt": "hi", "max_tokens": 4, "temperature": 9}`, `{"error":["AiError","5006: Error: value at '/temperature' must be at most 5, got 9",5006]}`},
	} {
		if _, body := get(c.path, c.inputs); string(body) != c.want {
			t.Errorf("%s %s:\ngot  %s\nwant %s", c.path, c.inputs, body, c.want)
		}
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// unwrapOnly is a response writer that, like the host's status recorder, reaches the server's
// writer only through Unwrap.
type unwrapOnly struct{ http.ResponseWriter }

func (u unwrapOnly) Unwrap() http.ResponseWriter { return u.ResponseWriter }

// TestFlushWriterUnwraps checks that a host body copied to the client is flushed chunk by chunk
// also behind a writer that only unwraps: a stream of events must not wait for its end.
func TestFlushWriterUnwraps(t *testing.T) {
	rec := httptest.NewRecorder()
	w := unwrapOnly{rec}
	if _, err := (flushWriter{w, http.NewResponseController(w)}).Write([]byte("data: x\n\n")); err != nil || !rec.Flushed {
		t.Fatalf("flushed %v, %v", rec.Flushed, err)
	}
}
