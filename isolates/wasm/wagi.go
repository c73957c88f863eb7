package wasm

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// WorkerConfig is what a Wasm worker version is deployed with.
type WorkerConfig struct {
	// Name is the program name the module sees as argv[0].
	Name string
	// Vars become environment variables (the worker's vars and secrets); the CGI variables of
	// each request are added after them and win over them.
	Vars map[string]string
	// Bindings reach the module through the molt host module.
	Bindings Bindings
	// Dirs maps directories the module sees to host directories, mounted read-only. Nothing
	// else of the host's file system is visible.
	Dirs map[string]string
	// Stderr receives each line the module writes to standard error; nil discards them.
	Stderr func(line string)
}

// Worker is a Wasm worker version: a WASI preview 1 command that answers one HTTP request per
// run through WAGI, the Common Gateway Interface over WASI. Request metadata arrives in
// environment variables, the body on standard input, and the program writes CGI headers
// (Status:, Location:, others), a blank line and the body to standard output.
type Worker struct {
	engine *Engine
	module *Module
	cfg    WorkerConfig
	fs     wazero.FSConfig
}

// NewWorker checks that m is a WASI command whose imports molt provides and returns the worker
// that runs it.
func NewWorker(e *Engine, m *Module, cfg WorkerConfig) (*Worker, error) {
	if m.engine != e {
		return nil, errors.New("wasm: the module was compiled by another engine")
	}
	for _, imp := range m.Imports {
		switch {
		case imp.Module == wasi_snapshot_preview1.ModuleName && imp.Kind == "function":
		case imp.Module == HostModule && imp.Kind == "function":
			if !hostFunctions[imp.Name] {
				return nil, &LinkError{Err: fmt.Errorf("the module imports %s.%s, which molt does not provide (it provides %s)", imp.Module, imp.Name, strings.Join(hostFunctionNames(), ", "))}
			}
		default:
			return nil, &LinkError{Err: fmt.Errorf("the module imports %s %s.%s; a Wasm worker may import only functions of %s and %s", imp.Kind, imp.Module, imp.Name, wasi_snapshot_preview1.ModuleName, HostModule)}
		}
	}
	hasStart := false
	for _, exp := range m.Exports {
		if exp.Name == "_start" && exp.Kind == "function" {
			hasStart = true
		}
	}
	if !hasStart {
		return nil, &LinkError{Err: errors.New("the module exports no _start function: a Wasm worker must be a WASI command (for Go, GOOS=wasip1 GOARCH=wasm go build of package main)")}
	}
	if err := e.hostModules(); err != nil {
		return nil, err
	}
	fs := wazero.NewFSConfig()
	for guest, host := range cfg.Dirs {
		fs = fs.WithReadOnlyDirMount(host, guest)
	}
	if cfg.Name == "" {
		cfg.Name = "worker.wasm"
	}
	return &Worker{engine: e, module: m, cfg: cfg, fs: fs}, nil
}

// hostFunctions are the functions of the molt module.
var hostFunctions = map[string]bool{"kv_get": true, "kv_put": true, "kv_delete": true, "kv_list": true, "last_error": true}

func hostFunctionNames() []string {
	names := make([]string, 0, len(hostFunctions))
	for n := range hostFunctions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Outcome tells the host how a request went.
type Outcome struct {
	// Status is the status written to the client, 0 if nothing was written.
	Status int
	// CPU is the CPU time the module used.
	CPU time.Duration
}

// ExitError reports a module that exited with a non-zero code before it finished its headers.
type ExitError struct {
	Code uint32
	// Stderr is the end of what the module wrote to standard error, which usually says why.
	Stderr string
}

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("the Wasm worker exited with code %d before it wrote its response", e.Code)
	if e.Stderr != "" {
		msg += "; its standard error ended with:\n" + e.Stderr
	}
	return msg
}

// CGIError reports standard output that is not a CGI response.
type CGIError struct{ Reason string }

func (e *CGIError) Error() string { return "malformed CGI response from the Wasm worker: " + e.Reason }

// Serve runs the module once for r and writes its response to w. url is the full URL the
// client asked for; ctx ends the run when done (client gone, wall-clock limit) and cpu caps the
// CPU time. An error with Outcome.Status == 0 means nothing was written and the host should
// answer; with a status, the response was cut short.
func (w *Worker) Serve(ctx context.Context, rw http.ResponseWriter, r *http.Request, fullURL string, cpu *Meter) (Outcome, error) {
	budget := NewBudget(w.engine.limits.memory())
	if w.module.minMemory > budget.limit {
		return Outcome{}, &MemoryLimitError{Limit: budget.limit, Requested: w.module.minMemory}
	}
	out := &cgiWriter{w: rw}
	stderr := &lineWriter{emit: w.cfg.Stderr}
	var stdin io.Reader = bytes.NewReader(nil)
	if r.Body != nil {
		stdin = r.Body
	}
	mc := wazero.NewModuleConfig().
		WithName("").
		WithArgs(w.cfg.Name).
		WithStdin(stdin).
		WithStdout(out).
		WithStderr(stderr).
		WithFSConfig(w.fs).
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithRandSource(rand.Reader)
	for _, kv := range cgiEnv(r, fullURL, w.cfg.Vars) {
		mc = mc.WithEnv(kv[0], kv[1])
	}
	call := &hostCall{bindings: w.cfg.Bindings}
	err := cpu.Run(budget.with(withHostCall(ctx, call)), func(ctx context.Context) error {
		mod, err := w.engine.rt.InstantiateModule(ctx, w.module.compiled, mc)
		if mod != nil {
			mod.Close(context.Background())
		}
		return err
	})
	stderr.Flush()
	res := Outcome{CPU: cpu.Used()}
	var ee *sys.ExitError
	switch {
	case err == nil:
		err = out.finish()
	case errors.Is(err, ErrCPULimit):
	case interrupted(err):
		if err = ctx.Err(); err == nil {
			err = context.Canceled
		}
	case budget.Refused() != nil:
		// The module gave up after a refused memory.grow: the Go runtime exits with "out of
		// memory", C code traps on a null pointer. The refusal is the cause.
		err = budget.Refused()
	case errors.As(err, &ee):
		err = &ExitError{Code: ee.ExitCode(), Stderr: stderr.Tail()}
	default:
		err = &RuntimeError{Text: err.Error()}
	}
	res.Status = out.status
	return res, err
}

// cgiEnv builds the CGI/WAGI environment of a request, sorted for reproducibility.
func cgiEnv(r *http.Request, fullURL string, vars map[string]string) [][2]string {
	env := map[string]string{}
	for k, v := range vars {
		env[k] = v
	}
	host, port := r.Host, ""
	if h, p, err := net.SplitHostPort(r.Host); err == nil {
		host, port = h, p
	}
	if port == "" {
		port = "80"
		if strings.HasPrefix(fullURL, "https:") {
			port = "443"
		}
	}
	remote, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		remote = r.RemoteAddr
	}
	path := r.URL.Path
	raw := r.URL.EscapedPath()
	for k, v := range map[string]string{
		"GATEWAY_INTERFACE": "CGI/1.1",
		"SERVER_SOFTWARE":   "molt",
		"SERVER_PROTOCOL":   r.Proto,
		"SERVER_NAME":       host,
		"SERVER_PORT":       port,
		"REQUEST_METHOD":    r.Method,
		"SCRIPT_NAME":       "",
		"PATH_INFO":         path,
		"PATH_TRANSLATED":   path,
		"QUERY_STRING":      r.URL.RawQuery,
		"REQUEST_URI":       r.URL.RequestURI(),
		"REMOTE_ADDR":       remote,
		"REMOTE_HOST":       remote,
		"CONTENT_TYPE":      r.Header.Get("Content-Type"),
		"CONTENT_LENGTH":    contentLength(r),
		"AUTH_TYPE":         "",
		"REMOTE_USER":       "",
		// WAGI's own additions.
		"X_FULL_URL":      fullURL,
		"X_RAW_PATH_INFO": raw,
		"X_MATCHED_ROUTE": "/...",
	} {
		env[k] = v
	}
	for k, vs := range r.Header {
		name := "HTTP_" + strings.ToUpper(strings.ReplaceAll(k, "-", "_"))
		if name == "HTTP_AUTHORIZATION" || name == "HTTP_PROXY" {
			// CGI keeps credentials from scripts, and HTTP_PROXY from a client would set the
			// program's proxy (httpoxy).
			continue
		}
		env[name] = strings.Join(vs, ", ")
	}
	if r.Host != "" {
		env["HTTP_HOST"] = r.Host
	}
	out := make([][2]string, 0, len(env))
	for k, v := range env {
		out = append(out, [2]string{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

func contentLength(r *http.Request) string {
	if r.ContentLength > 0 {
		return strconv.FormatInt(r.ContentLength, 10)
	}
	return ""
}

// maxHeaderBytes bounds the CGI header block a program may write.
const maxHeaderBytes = 128 << 10

// cgiWriter is the program's standard output: it collects the CGI header block, then sends
// the response head and passes the body through as the program writes it.
type cgiWriter struct {
	w      http.ResponseWriter
	head   []byte
	status int
	err    error
}

func (c *cgiWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.status != 0 {
		return c.w.Write(p)
	}
	c.head = append(c.head, p...)
	end, skip := headerEnd(c.head)
	if end < 0 {
		if len(c.head) > maxHeaderBytes {
			c.err = &CGIError{Reason: fmt.Sprintf("no blank line after %d bytes of headers", maxHeaderBytes)}
			return 0, c.err
		}
		return len(p), nil
	}
	if err := c.writeHead(c.head[:end]); err != nil {
		c.err = err
		return 0, err
	}
	if body := c.head[end+skip:]; len(body) > 0 {
		if _, err := c.w.Write(body); err != nil {
			return 0, err
		}
	}
	c.head = nil
	return len(p), nil
}

// headerEnd finds the blank line ending the header block ("\n\n" or "\r\n\r\n").
func headerEnd(b []byte) (int, int) {
	for i := 0; i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		if i+1 < len(b) && b[i+1] == '\n' {
			return i + 1, 1
		}
		if i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n' {
			return i + 1, 2
		}
	}
	return -1, 0
}

func (c *cgiWriter) writeHead(head []byte) error {
	h := c.w.Header()
	status := 0
	location := false
	sc := bufio.NewScanner(bytes.NewReader(head))
	sc.Buffer(make([]byte, 0, 4096), maxHeaderBytes)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return &CGIError{Reason: fmt.Sprintf("header line %d, %q, is not \"Name: value\"", n, truncate(line))}
		}
		value = strings.TrimSpace(value)
		switch textproto.CanonicalMIMEHeaderKey(name) {
		case "Status":
			code, _, _ := strings.Cut(value, " ")
			s, err := strconv.Atoi(code)
			if err != nil || s < 100 || s > 999 {
				return &CGIError{Reason: fmt.Sprintf("Status header %q does not start with a three-digit code", value)}
			}
			status = s
		case "Location":
			location = true
			h.Add(name, value)
		default:
			h.Add(name, value)
		}
	}
	if status == 0 {
		status = http.StatusOK
		if location {
			status = http.StatusFound
		}
	}
	c.w.WriteHeader(status)
	c.status = status
	return nil
}

// finish is called when the program exited normally: all of its output was headers, or it
// wrote nothing at all.
func (c *cgiWriter) finish() error {
	if c.err != nil {
		return c.err
	}
	if c.status != 0 {
		return nil
	}
	if len(c.head) == 0 {
		return &CGIError{Reason: "the program wrote nothing to standard output (a CGI response starts with headers, such as Content-Type, and a blank line)"}
	}
	// Headers without the blank line: accepted as a bodiless response, as CGI servers do
	// when output ends right after the last header line.
	head := c.head
	c.head = nil
	if !bytes.HasSuffix(head, []byte("\n")) {
		return &CGIError{Reason: fmt.Sprintf("output ended inside the header block, without a blank line: %q", truncate(string(head)))}
	}
	return c.writeHead(head)
}

func truncate(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// lineWriter passes standard error on line by line and keeps its last lines for errors.
type lineWriter struct {
	emit func(string)
	mu   sync.Mutex
	buf  []byte
	tail []string
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.line(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
	if len(l.buf) > 64<<10 {
		l.line(string(l.buf))
		l.buf = nil
	}
	return len(p), nil
}

func (l *lineWriter) line(s string) {
	if l.emit != nil {
		l.emit(s)
	}
	l.tail = append(l.tail, s)
	if len(l.tail) > 20 {
		l.tail = l.tail[len(l.tail)-20:]
	}
}

// Flush emits a last line that has no newline.
func (l *lineWriter) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.line(string(l.buf))
		l.buf = nil
	}
}

// Tail returns the last lines written.
func (l *lineWriter) Tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.tail, "\n")
}
