// Package examples runs every example project's conformance spec through a real molt Host on a
// loopback port. Each examples/<name>/spec.json lists requests and the responses Cloudflare's
// runtime gives for them.
package examples

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moltworker/molt/isolates/js"
	"github.com/moltworker/molt/runtime"
)

// spec is the format of spec.json.
type spec struct {
	// Vars are added to the worker's env; "{{upstream}}" becomes the URL of a loopback server
	// the harness starts for examples that make subrequests.
	Vars map[string]string `json:"vars"`
	// LoadError, when set, is a regexp the error of loading the project must match; the
	// project is expected not to load.
	LoadError string `json:"loadError"`
	// Limits override the worker's limits for the test (cpu_ms).
	CPUMs int `json:"cpuMs"`
	// GoWasm names the file that the example's Go package (package main in its directory) is
	// built into with GOOS=wasip1 GOARCH=wasm before the project loads, as its Makefile does:
	// Wasm workers built from Go are not committed.
	GoWasm string `json:"goWasm"`
	// Models is the models directory of the [ai] binding, relative to the example.
	Models string `json:"models"`
	Cases  []step `json:"cases"`
}

type step struct {
	Name    string `json:"name"`
	Request struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	} `json:"request"`
	Response struct {
		Status      int               `json:"status"`
		Headers     map[string]string `json:"headers"`
		Body        *string           `json:"body"`
		BodyPattern string            `json:"bodyPattern"`
		JSON        any               `json:"json"`
	} `json:"response"`
	// Logs lists regexps that must each match a console line printed while the case ran
	// (including its waitUntil work).
	Logs []string `json:"logs"`
}

func TestExamples(t *testing.T) {
	dirs, err := filepath.Glob("*/spec.json")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	for _, f := range dirs {
		dir := filepath.Dir(f)
		t.Run(dir, func(t *testing.T) {
			runSpec(t, dir)
		})
	}
}

// consoleLog collects the worker's console output for the logs expectations.
type consoleLog struct {
	mu    sync.Mutex
	lines []string
}

func (c *consoleLog) Message(_ js.Level, text string) {
	c.mu.Lock()
	c.lines = append(c.lines, text)
	c.mu.Unlock()
}

func (c *consoleLog) waitFor(re *regexp.Regexp, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		c.mu.Lock()
		for _, l := range c.lines {
			if re.MatchString(l) {
				c.mu.Unlock()
				return true
			}
		}
		c.mu.Unlock()
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func runSpec(t *testing.T, dir string) {
	raw, err := os.ReadFile(filepath.Join(dir, "spec.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s spec
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("%s/spec.json: %v", dir, err)
	}
	if s.GoWasm != "" {
		cmd := exec.Command("go", "build", "-o", s.GoWasm, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building %s/%s: %v\n%s", dir, s.GoWasm, err, out)
		}
	}
	upstream := httptest.NewServer(upstreamHandler())
	defer upstream.Close()
	p := runtime.Project{Path: dir, Vars: map[string]string{}}
	for k, v := range s.Vars {
		p.Vars[k] = strings.ReplaceAll(v, "{{upstream}}", upstream.URL)
	}
	logs := &consoleLog{}
	// Each example gets fresh binding state, so that specs do not depend on earlier runs.
	opts := runtime.Options{Console: logs, CPULimit: time.Duration(s.CPUMs) * time.Millisecond, PersistTo: t.TempDir()}
	if s.Models != "" {
		opts.Models = filepath.Join(dir, s.Models)
	}
	w, err := runtime.Load(p, opts)
	if s.LoadError != "" {
		if err == nil {
			t.Fatalf("project loaded; want an error matching %q", s.LoadError)
		}
		if !regexp.MustCompile(s.LoadError).MatchString(err.Error()) {
			t.Fatalf("load error %q does not match %q", err, s.LoadError)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	host := runtime.NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
	host.Dev = true
	host.Swap(w)
	defer w.Close()
	srv := httptest.NewServer(host)
	defer srv.Close()
	for _, c := range s.Cases {
		t.Run(c.Name, func(t *testing.T) { runStep(t, srv.URL, c, logs) })
	}
}

// specClient does not follow redirects: a spec states the response the worker gives. Nor does
// it ask for gzip on its own: a spec's request carries exactly the headers it lists, so that
// responses are compressed only where a spec says it accepts gzip.
var specClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport:     &http.Transport{DisableCompression: true},
}

func runStep(t *testing.T, base string, c step, logs *consoleLog) {
	method := c.Request.Method
	if method == "" {
		method = "GET"
	}
	var body io.Reader
	if c.Request.Body != "" {
		body = strings.NewReader(c.Request.Body)
	}
	req, err := http.NewRequest(method, base+c.Request.Path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.Request.Headers {
		req.Header.Set(k, v)
	}
	res, err := specClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := c.Response
	if want.Status != 0 && res.StatusCode != want.Status {
		t.Errorf("status %d, want %d (body %q)", res.StatusCode, want.Status, truncate(got))
	}
	for k, v := range want.Headers {
		if h := strings.Join(res.Header.Values(k), ", "); h != v {
			t.Errorf("header %s = %q, want %q", k, h, v)
		}
	}
	if want.Body != nil && string(got) != *want.Body {
		t.Errorf("body %q, want %q", truncate(got), *want.Body)
	}
	if want.BodyPattern != "" && !regexp.MustCompile(want.BodyPattern).Match(got) {
		t.Errorf("body %q does not match %q", truncate(got), want.BodyPattern)
	}
	if want.JSON != nil {
		var v any
		if err := json.Unmarshal(got, &v); err != nil {
			t.Errorf("body is not JSON: %v (%q)", err, truncate(got))
		} else if !reflect.DeepEqual(v, want.JSON) {
			t.Errorf("JSON body %s, want %s", got, mustJSON(want.JSON))
		}
	}
	for _, l := range c.Logs {
		if !logs.waitFor(regexp.MustCompile(l), 5*time.Second) {
			t.Errorf("no console line matches %q", l)
		}
	}
}

// upstreamHandler is the origin that subrequest examples fetch from.
func upstreamHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"from":"upstream","method":%q,"ua":%q}`, r.Method, r.Header.Get("User-Agent"))
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.Header().Set("X-Method", r.Method)
		io.Copy(w, r.Body)
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		for i := 1; i <= 3; i++ {
			fmt.Fprintf(w, "part %d\n", i)
			w.(http.Flusher).Flush()
			time.Sleep(10 * time.Millisecond)
		}
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/json", http.StatusFound)
	})
	mux.HandleFunc("/status/418", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "short and stout")
	})
	return mux
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
