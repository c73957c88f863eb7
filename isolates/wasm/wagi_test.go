package wasm

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moltworker/molt/bindings/kv"
)

// guestWasm builds testdata/guest for wasip1 once per test binary.
var guestWasm = sync.OnceValues(func() ([]byte, error) {
	return BuildGo("./testdata/guest")
})

// BuildGo builds a Go package for GOOS=wasip1 and returns the module's bytes.
func BuildGo(pkg string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "molt-wasm-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "main.wasm")
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, errors.New(string(msg))
	}
	return os.ReadFile(out)
}

func guestModule(t testing.TB, e *Engine) *Module {
	t.Helper()
	bin, err := guestWasm()
	if err != nil {
		t.Fatalf("building the guest: %v", err)
	}
	m, err := e.Compile(bin)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newNamespace(t testing.TB) *kv.Namespace {
	t.Helper()
	store, err := kv.OpenBolt(filepath.Join(t.TempDir(), "kv.db"), kv.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return kv.NewNamespace(store, "test")
}

type served struct {
	status int
	header http.Header
	body   string
	err    error
	cpu    time.Duration
}

func serve(t testing.TB, w *Worker, method, target, body string, cpu time.Duration) served {
	t.Helper()
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	var r *http.Request
	if rd != nil {
		r = httptest.NewRequest(method, target, rd)
		r.Header.Set("Content-Type", "text/plain")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	r.Header.Set("X-Test", "yes")
	rec := httptest.NewRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := w.Serve(ctx, rec, r, "http://example.com"+target, NewMeter(cpu))
	status := out.Status
	if status == 0 && err == nil {
		t.Fatalf("%s %s: no status and no error", method, target)
	}
	res := served{status: status, header: rec.Header(), err: err, cpu: out.CPU}
	if status != 0 {
		res.body = rec.Body.String()
	}
	return res
}

func TestWorkerWAGI(t *testing.T) {
	e := NewEngine(Limits{Memory: 64 << 20})
	defer e.Close()
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "greeting.txt"), []byte("hi from a file"), 0o644)
	var logMu sync.Mutex
	var logged []string
	w, err := NewWorker(e, guestModule(t, e), WorkerConfig{
		Vars:     map[string]string{"GREETING": "hello", "REQUEST_METHOD": "from vars", "KV_BINDING": "COUNTS"},
		Dirs:     map[string]string{"/data": root},
		Bindings: Bindings{KV: map[string]*kv.Namespace{"COUNTS": newNamespace(t)}},
		Stderr: func(line string) {
			logMu.Lock()
			logged = append(logged, line)
			logMu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, target, input string
		status                      int
		header                      map[string]string
		body                        string
		bodyRe                      string
	}{
		{name: "plain response", method: "GET", target: "/hello", status: 200,
			header: map[string]string{"Content-Type": "text/plain"}, body: "hello from wasm\n"},
		{name: "status, CRLF headers and the body on stdin", method: "POST", target: "/echo", input: "ping", status: 201,
			header: map[string]string{"X-Method": "POST", "Content-Type": "text/plain"}, body: "ping"},
		{name: "CGI variables win over vars", method: "GET", target: "/env?REQUEST_METHOD,GREETING,PATH_INFO,QUERY_STRING,HTTP_X_TEST,SERVER_NAME,X_FULL_URL",
			status: 200, body: "REQUEST_METHOD=GET\nGREETING=hello\nPATH_INFO=/env\nQUERY_STRING=REQUEST_METHOD,GREETING,PATH_INFO,QUERY_STRING,HTTP_X_TEST,SERVER_NAME,X_FULL_URL\n" +
				"HTTP_X_TEST=yes\nSERVER_NAME=example.com\nX_FULL_URL=http://example.com/env?REQUEST_METHOD,GREETING,PATH_INFO,QUERY_STRING,HTTP_X_TEST,SERVER_NAME,X_FULL_URL\n"},
		{name: "Location without Status is a 302", method: "GET", target: "/redirect", status: 302,
			header: map[string]string{"Location": "/hello"}, body: ""},
		{name: "clocks and random", method: "GET", target: "/clock", status: 200, bodyRe: `^20\d\d true [0-9a-f]{32}$`},
		{name: "a granted directory is readable", method: "GET", target: "/file?/data/greeting.txt", status: 200, body: "hi from a file"},
		{name: "nothing else of the host is", method: "GET", target: "/file?/etc/passwd", status: 200, bodyRe: `^error: open /etc/passwd: .*`},
		{name: "granted directories are read-only", method: "GET", target: "/write?/data/new.txt", status: 200, bodyRe: `^error: open /data/new.txt: \w`},
		{name: "KV put", method: "GET", target: "/kv/put?a=1", status: 200, body: "stored"},
		{name: "KV get", method: "GET", target: "/kv/get?a", status: 200, body: `true "1"`},
		{name: "KV get of a missing key", method: "GET", target: "/kv/get?zz", status: 200, body: `false ""`},
		{name: "KV value larger than the first buffer", method: "GET", target: "/kv/big?b=5000", status: 200, body: "read 5000 bytes"},
		{name: "KV list", method: "GET", target: "/kv/list", status: 200, body: "[a b] true"},
		{name: "KV delete", method: "GET", target: "/kv/delete?a", status: 200, body: "deleted"},
		{name: "KV list after delete", method: "GET", target: "/kv/list", status: 200, body: "[b] true"},
		{name: "KV errors are Cloudflare's", method: "GET", target: "/kv/put?=x", status: 500, body: "error: Key name cannot be empty."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := serve(t, w, tc.method, tc.target, tc.input, 0)
			if res.err != nil {
				t.Fatalf("error: %v", res.err)
			}
			if res.status != tc.status {
				t.Errorf("status %d, want %d (body %q)", res.status, tc.status, res.body)
			}
			for k, v := range tc.header {
				if got := res.header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if tc.bodyRe != "" {
				if !regexp.MustCompile(tc.bodyRe).MatchString(res.body) {
					t.Errorf("body %q does not match %q", res.body, tc.bodyRe)
				}
			} else if res.body != tc.body {
				t.Errorf("body %q, want %q", res.body, tc.body)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(root, "new.txt")); err == nil {
		t.Error("the module created a file in a read-only directory")
	}
	res := serve(t, w, "GET", "/stderr", "", 0)
	if res.err != nil || res.body != "ok" {
		t.Fatalf("stderr: %v %q", res.err, res.body)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if len(logged) == 0 || logged[len(logged)-1] != "a line for the log" {
		t.Errorf("stderr lines %q, want the program's line last", logged)
	}
}

func TestWorkerFailures(t *testing.T) {
	e := NewEngine(Limits{Memory: 32 << 20})
	defer e.Close()
	w, err := NewWorker(e, guestModule(t, e), WorkerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, target string
		cpu          time.Duration
		check        func(error) bool
		want         string
	}{
		{name: "exit code and stderr", target: "/exit", check: func(err error) bool {
			var ee *ExitError
			return errors.As(err, &ee) && ee.Code == 3
		}, want: "exited with code 3.*\ngiving up"},
		{name: "output without headers", target: "/noheaders", check: func(err error) bool {
			var ce *CGIError
			return errors.As(err, &ce)
		}, want: `malformed CGI response .*without a blank line: "just a body, no headers"`},
		{name: "no output at all", target: "/nothing", check: func(err error) bool {
			var ce *CGIError
			return errors.As(err, &ce)
		}, want: "wrote nothing to standard output"},
		{name: "memory growth beyond the cap", target: "/alloc?100", check: func(err error) bool {
			var me *MemoryLimitError
			return errors.As(err, &me) && me.Limit == 32<<20
		}, want: `memory limit: growing WebAssembly memory to .* MiB was refused \(the limit is 32 MiB\)`},
		{name: "a loop past the CPU cap", target: "/spin", cpu: 50 * time.Millisecond, check: func(err error) bool {
			return errors.Is(err, ErrCPULimit)
		}, want: "CPU time limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := serve(t, w, "GET", tc.target, "", tc.cpu)
			if res.status != 0 {
				t.Fatalf("status %d written, want none (body %q)", res.status, res.body)
			}
			if !tc.check(res.err) {
				t.Fatalf("error %T %v is not the expected kind", res.err, res.err)
			}
			if !regexp.MustCompile(tc.want).MatchString(res.err.Error()) {
				t.Errorf("error %q does not match %q", res.err, tc.want)
			}
		})
	}
	// The same worker keeps serving after every failure.
	if res := serve(t, w, "GET", "/alloc?8", "", 0); res.err != nil || res.body != "allocated 8 MiB" {
		t.Errorf("after the failures: %v %q", res.err, res.body)
	}
}

func TestWorkerCPUCapIsCPUTime(t *testing.T) {
	e := NewEngine(Limits{})
	defer e.Close()
	w, err := NewWorker(e, guestModule(t, e), WorkerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	res := serve(t, w, "GET", "/spin", "", 100*time.Millisecond)
	if !errors.Is(res.err, ErrCPULimit) {
		t.Fatalf("error %v, want the CPU limit", res.err)
	}
	if res.cpu < 100*time.Millisecond || res.cpu > 2*time.Second {
		t.Errorf("CPU time %v, want just over the 100ms cap", res.cpu)
	}
	// Sleeping costs no CPU time: a cap smaller than the sleep does not stop it.
	if res := serve(t, w, "GET", "/sleep?300", "", 150*time.Millisecond); res.err != nil || res.body != "slept" {
		t.Errorf("300 ms asleep under a 150 ms cap: %v %q", res.err, res.body)
	}
}

func TestWorkerRejects(t *testing.T) {
	e := NewEngine(Limits{})
	defer e.Close()
	tests := []struct {
		name  string
		bin   []byte
		check func(error) bool
		want  string
	}{
		{name: "not Wasm", bin: []byte("<html>not wasm</html>"), check: isCompileError, want: `invalid WebAssembly module: not a WebAssembly module: the magic number \\0asm is missing`},
		{name: "truncated", bin: testdata(t, "trap.wasm")[:20], check: isCompileError, want: `invalid WebAssembly module: .*`},
		{name: "missing import", bin: testdata(t, "missing.wasm"), check: isLinkError, want: `imports function env.now; a Wasm worker may import only functions of wasi_snapshot_preview1 and molt`},
		{name: "not a command", bin: []byte("\x00asm\x01\x00\x00\x00"), check: isLinkError, want: "exports no _start function"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := e.Compile(tc.bin)
			if err == nil {
				_, err = NewWorker(e, m, WorkerConfig{})
			}
			if err == nil || !tc.check(err) {
				t.Fatalf("error %T %v is not the expected kind", err, err)
			}
			if !regexp.MustCompile(tc.want).MatchString(err.Error()) {
				t.Errorf("error %q does not match %q", err, tc.want)
			}
		})
	}
}

func isCompileError(err error) bool { var ce *CompileError; return errors.As(err, &ce) }
func isLinkError(err error) bool    { var le *LinkError; return errors.As(err, &le) }

func TestWorkerTrapAndOversizedMemory(t *testing.T) {
	e := NewEngine(Limits{})
	defer e.Close()
	for _, tc := range []struct {
		file  string
		check func(error) bool
		want  string
	}{
		{file: "trap.wasm", check: func(err error) bool { var re *RuntimeError; return errors.As(err, &re) },
			want: `(?s)wasm error: unreachable\nwasm stack trace:\n\t.*\.\$?\d+\(\)`},
		{file: "bigmem.wasm", check: func(err error) bool { var me *MemoryLimitError; return errors.As(err, &me) },
			want: `growing WebAssembly memory to 256 MiB was refused \(the limit is 128 MiB\)`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m, err := e.Compile(testdata(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			w, err := NewWorker(e, m, WorkerConfig{})
			if err != nil {
				t.Fatal(err)
			}
			res := serve(t, w, "GET", "/", "", 0)
			if res.status != 0 || !tc.check(res.err) {
				t.Fatalf("status %d, error %T %v", res.status, res.err, res.err)
			}
			if !regexp.MustCompile(tc.want).MatchString(res.err.Error()) {
				t.Errorf("error %q does not match %q", res.err, tc.want)
			}
		})
	}
}

func TestCompileCachesByContent(t *testing.T) {
	e := NewEngine(Limits{})
	defer e.Close()
	a, err := e.Compile(testdata(t, "trap.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Compile(append([]byte(nil), testdata(t, "trap.wasm")...))
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("compiling the same bytes twice gave two modules")
	}
	if len(a.Exports) != 2 || a.Exports[0] != (Export{Name: "memory", Kind: "memory"}) || a.Exports[1] != (Export{Name: "_start", Kind: "function"}) {
		t.Errorf("exports %v", a.Exports)
	}
}
