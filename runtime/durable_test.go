package runtime

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/moltworker/molt/internal/testutil"
)

const doProjectWorker = `import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  async increment() {
    const v = ((await this.ctx.storage.get("v")) ?? 0) + 1;
    await this.ctx.storage.put("v", v);
    return v;
  }
  async get() { return (await this.ctx.storage.get("v")) ?? 0; }
}
export default {
  async fetch(request, env) {
    const stub = env.COUNTER.getByName("kill");
    return new Response(String(new URL(request.url).pathname === "/inc" ? await stub.increment() : await stub.get()));
  },
};
`

func doProject(t testing.TB, toml string) string {
	return testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"do\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n" + toml,
		"index.js":      doProjectWorker,
	})
}

const counterBinding = "[[durable_objects.bindings]]\nname = \"COUNTER\"\nclass_name = \"Counter\"\n"

func TestDurableObjectConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name, toml, err, warn string
	}{
		{name: "sqlite class", toml: counterBinding + "[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Counter\"]\n"},
		{name: "no migration", toml: counterBinding, warn: `no migration creates the Durable Object class "Counter"`},
		{name: "another worker", toml: counterBinding + "script_name = \"other\"\n",
			err: `"COUNTER" binds class "Counter" of the worker "other" \(script_name\), but molt dev runs one worker per host`},
		{name: "this worker by name", toml: counterBinding + "script_name = \"do\"\n"},
		{name: "deleted class", toml: counterBinding + "[[migrations]]\ntag = \"v1\"\nnew_classes = [\"Counter\"]\n[[migrations]]\ntag = \"v2\"\ndeleted_classes = [\"Counter\"]\n",
			err: `"COUNTER" binds class "Counter", which a migration deletes or renames`},
		{name: "class not exported still loads", toml: "[[durable_objects.bindings]]\nname = \"COUNTER\"\nclass_name = \"Nope\"\n[[migrations]]\ntag = \"v1\"\nnew_classes = [\"Nope\"]\n",
			err: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := Load(Project{Path: doProject(t, tc.toml)}, Options{PersistTo: t.TempDir()})
			if tc.err != "" {
				if err == nil || !regexp.MustCompile(tc.err).MatchString(err.Error()) {
					t.Fatalf("error %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if tc.warn != "" && !strings.Contains(strings.Join(w.Warnings, "\n"), tc.warn) {
				t.Fatalf("warnings %q, want %q", w.Warnings, tc.warn)
			}
		})
	}
}

// An exported class is needed only when an object starts: the request that reaches it gets
// the error, as a missing class does on Cloudflare's runtime.
func TestDurableObjectClassNotExported(t *testing.T) {
	dir := doProject(t, "[[durable_objects.bindings]]\nname = \"COUNTER\"\nclass_name = \"Nope\"\n[[migrations]]\ntag = \"v1\"\nnew_classes = [\"Nope\"]\n")
	w, err := Load(Project{Path: dir}, Options{PersistTo: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	host := NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
	host.Dev = true
	host.Swap(w)
	srv := httptest.NewServer(host)
	defer srv.Close()
	status, body := get(t, srv.URL+"/get")
	if status != 500 || !strings.Contains(body, `Durable Object class \"Nope\" is not exported`) && !strings.Contains(body, `Durable Object class "Nope" is not exported`) {
		t.Fatalf("status %d body %q", status, body)
	}
}

// An alarm set before the host stops runs after the project is loaded again.
func TestDurableObjectAlarmAfterRestart(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"al\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n" + counterBinding,
		"index.js": `import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  async arm() { await this.ctx.storage.setAlarm(Date.now() + 300); }
  async alarm(info) { await this.ctx.storage.put("fired", info); }
  async fired() { return (await this.ctx.storage.get("fired")) ?? null; }
}
export default {
  async fetch(request, env) {
    const stub = env.COUNTER.getByName("a");
    return Response.json(new URL(request.url).pathname === "/arm" ? await stub.arm() ?? "armed" : await stub.fired());
  },
};`,
	})
	state := t.TempDir()
	session := func(path string) string {
		srv, stop := startProject(t, dir, Options{PersistTo: state})
		defer stop()
		if path == "/fired" {
			deadline := time.Now().Add(5 * time.Second)
			for time.Now().Before(deadline) {
				if _, body := get(t, srv.URL+path); body != "null" {
					return body
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		_, body := get(t, srv.URL+path)
		return body
	}
	if got := session("/arm"); got != `"armed"` {
		t.Fatalf("arm: %s", got)
	}
	if got := session("/fired"); got != `{"retryCount":0,"isRetry":false}` {
		t.Fatalf("after a restart the alarm gave %s", got)
	}
}

// durableChild is set in the environment of the child process TestDurableObjectKillNine starts:
// "projectDir|stateDir".
const durableChild = "MOLT_DO_DURABILITY_CHILD"

// TestDurableObjectKillNine increments a counter object through a real host in a child
// process from several clients at once, SIGKILLs the child mid-stream, and loads the project
// again: the counter must be at least the highest value any client was answered with,
// since a reply leaves the object only after the write it reports is committed.
func TestDurableObjectKillNine(t *testing.T) {
	if v := os.Getenv(durableChild); v != "" {
		runDurableChild(v)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := doProject(t, counterBinding+"[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Counter\"]\n")
	state := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDurableObjectKillNine$")
	cmd.Env = append(os.Environ(), durableChild+"="+dir+"|"+state)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	var addr string
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
			addr = a
			break
		}
	}
	if addr == "" {
		t.Fatal("the child did not start")
	}
	var maxAck, acks atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	client := &http.Client{Timeout: 10 * time.Second}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Post("http://"+addr+"/inc", "text/plain", nil)
				if err != nil {
					return // the child is gone
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				v, err := strconv.ParseInt(string(b), 10, 64)
				if err != nil {
					continue
				}
				for {
					m := maxAck.Load()
					if v <= m || maxAck.CompareAndSwap(m, v) {
						break
					}
				}
				acks.Add(1)
			}
		}()
	}
	deadline := time.Now().Add(30 * time.Second)
	for acks.Load() < 300 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d increments acknowledged in 30 s", acks.Load())
		}
		time.Sleep(time.Millisecond)
	}
	// Killed with increments in flight.
	cmd.Process.Signal(syscall.SIGKILL)
	close(stop)
	wg.Wait()
	cmd.Wait()

	w, err := Load(Project{Path: dir}, Options{PersistTo: state})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	host := NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
	host.Swap(w)
	srv := httptest.NewServer(host)
	defer srv.Close()
	_, body := get(t, srv.URL+"/get")
	got, _ := strconv.ParseInt(body, 10, 64)
	if got < maxAck.Load() {
		t.Fatalf("after kill -9 the counter is %d, but a client was answered %d", got, maxAck.Load())
	}
	t.Logf("%d increments acknowledged (highest %d); %d after restart", acks.Load(), maxAck.Load(), got)
}

func runDurableChild(v string) {
	dir, state, _ := strings.Cut(v, "|")
	w, err := Load(Project{Path: dir}, Options{PersistTo: state})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	host := NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
	host.Swap(w)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.Exit(2)
	}
	fmt.Printf("listening %s\n", ln.Addr())
	http.Serve(ln, host)
}
