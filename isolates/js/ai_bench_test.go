package js

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// BenchmarkAIFirstToken is the first-token latency of text generation through env.AI.run with
// a warm model: from sending the request to receiving the first server-sent event of the
// worker's streamed response (a fresh isolate per request, as the host serves them), for a
// raw prompt of 16 words (prompt-tokens says how many tokens that is). The model is
// MOLT_BENCH_TEXT_MODEL, or the committed llama-tiny Q8_0 fixture; bench/ai/first-token.sh runs
// it on the 125M-parameter shape as well.
//
//	go test -run '^$' -bench AIFirstToken -count 3 ./isolates/js/
func BenchmarkAIFirstToken(b *testing.B) {
	model := os.Getenv("MOLT_BENCH_TEXT_MODEL")
	if model == "" {
		model = "../../testdata/llama-tiny-q8_0.gguf"
	}
	srv := frontServer(b, aiTextWorker, map[string]any{"AI": textRegistry(b, model)})
	in := `{"prompt":"` + strings.TrimSpace(strings.Repeat("hello world the end ", 4)) + `","raw":true,"max_tokens":2,"temperature":0}`
	stream := srv.URL + "/stream?in=" + url.QueryEscape(in)
	// The model loads on this first request, which also counts the prompt's tokens.
	res, err := http.Get(srv.URL + "/json?in=" + url.QueryEscape(in))
	if err != nil {
		b.Fatal(err)
	}
	var out struct {
		Usage map[string]float64
		Error []any
	}
	err = json.NewDecoder(res.Body).Decode(&out)
	res.Body.Close()
	if err != nil || out.Usage == nil {
		b.Fatalf("json: %v %v", out, err)
	}
	first := func() (time.Duration, time.Duration) {
		start := time.Now()
		res, err := http.Get(stream)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var ttft time.Duration
		for sc.Scan() {
			if ttft == 0 && strings.HasPrefix(sc.Text(), "data: ") {
				ttft = time.Since(start)
			}
		}
		if ttft == 0 || res.StatusCode != 200 {
			b.Fatalf("no event: status %d", res.StatusCode)
		}
		return ttft, time.Since(start)
	}
	b.Run("stream", func(b *testing.B) {
		var sum, total time.Duration
		for i := 0; i < b.N; i++ {
			ttft, all := first()
			sum += ttft
			total += all
		}
		b.ReportMetric(float64(sum.Microseconds())/1000/float64(b.N), "ms-first-token")
		b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-request")
		b.ReportMetric(out.Usage["prompt_tokens"], "prompt-tokens")
	})
	// The same requests to the same worker without the model: what the isolate and HTTP add.
	b.Run("no-model", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			res, err := http.Get(srv.URL + "/ping")
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
}
