package runtime

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/runtime/config"
)

// A bundle built from a project, written to disk as its normalized wrangler.json and read
// back, serves what the project serves, with --var overrides kept and .dev.vars left behind.
func TestBundleRoundTrip(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"app\"\nmain = \"src/index.ts\"\ncompatibility_date = \"2026-11-01\"\n[vars]\nGREETING = \"hi\"\nWHO = \"toml\"\n[env.staging.vars]\nGREETING = \"hey\"\nWHO = \"staging\"\n",
		"src/index.ts":  "export default { fetch(_r: Request, env: any) { return new Response(`${env.GREETING} ${env.WHO} ${env.SECRET ?? 'none'}`); } };\n",
		".dev.vars":     "SECRET=local\n",
	})
	tests := []struct {
		env, name, want string
		vars            map[string]string
	}{
		{"", "app", "hi toml none", nil},
		{"staging", "app-staging", "hey cli none", map[string]string{"WHO": "cli"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := BuildBundle(Project{Path: dir, Env: tt.env, Vars: tt.vars})
			if err != nil {
				t.Fatal(err)
			}
			if b.Name != "index.js" || b.ServiceWorker || len(b.SourceMap) == 0 {
				t.Fatalf("bundle = %q, service worker %v, %d bytes of map", b.Name, b.ServiceWorker, len(b.SourceMap))
			}
			out := t.TempDir()
			text, err := json.Marshal(b.Config)
			if err != nil {
				t.Fatal(err)
			}
			cfgPath := filepath.Join(out, "wrangler.json")
			if err := os.WriteFile(cfgPath, text, 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(cfgPath, config.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Name != tt.name {
				t.Errorf("name = %q, want %q", cfg.Name, tt.name)
			}
			w, err := FromBundle(cfg, b, Options{PersistTo: filepath.Join(out, "state")})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(w.Close)
			host := NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
			host.Swap(w)
			srv := httptest.NewServer(host)
			t.Cleanup(srv.Close)
			if status, body := get(t, srv.URL+"/"); status != 200 || strings.TrimSpace(body) != tt.want {
				t.Errorf("GET / = %d %q, want 200 %q", status, body, tt.want)
			}
		})
	}
}
