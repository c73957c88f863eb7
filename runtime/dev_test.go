package runtime

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/moltworker/molt/internal/testutil"
)

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }

// eventually polls url until its body is want.
func eventually(t *testing.T, url, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var body string
	for time.Now().Before(deadline) {
		if _, body = get(t, url); body == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("body %q, want %q", body, want)
}

// Live reload: an edit is served after a rebuild; a build error is reported and the last good
// version keeps serving.
func TestDevReload(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{
		"wrangler.toml":   "name = \"reload\"\nmain = \"src/index.js\"\ncompatibility_date = \"2026-11-01\"\n",
		"src/index.js":    `import { greeting } from "./greeting.js"; export default { fetch() { return new Response(greeting); } };`,
		"src/greeting.js": `export const greeting = "one";`,
	})
	logs := &testutil.SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	host := NewHost(log)
	dev := &Dev{Project: Project{Path: dir}, Host: host, Log: log, Poll: 20 * time.Millisecond}
	if err := dev.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go dev.Watch(ctx)
	srv := httptest.NewServer(host)
	defer srv.Close()
	eventually(t, srv.URL, "one")

	write := func(name, content string) {
		t.Helper()
		// Modification times can be coarse: make sure the edit is seen as one.
		time.Sleep(30 * time.Millisecond)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("src/greeting.js", `export const greeting = "two";`)
	eventually(t, srv.URL, "two")

	write("src/greeting.js", `export const greeting = ;`)
	deadline := time.Now().Add(30 * time.Second)
	for !regexpMatch(`build failed.*src/greeting.js:1:\d+`, logs.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no build error logged; log:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, body := get(t, srv.URL); body != "two" {
		t.Errorf("after a broken edit: body %q, want the previous version's \"two\"", body)
	}

	write("src/greeting.js", `export const greeting = "three";`)
	eventually(t, srv.URL, "three")
}
