package platform

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moltworker/molt/internal/testutil"
)

// A plan's limits apply to its tenants' workers; a worker's own limits lower them, never
// raise them.
func TestPlanLimits(t *testing.T) {
	cfg := &Config{
		Plans:   map[string]Plan{"free": {CPUMs: 50, MemoryMB: 64}},
		Tenants: map[string]Tenant{"small": {Plan: "free"}, "open": {}},
	}
	for _, tt := range []struct {
		tenant       string
		cpuMs, memMB int
		wantCPU      time.Duration
		wantMem      uint64
	}{
		{"small", 0, 0, 50 * time.Millisecond, 64 << 20},
		{"small", 10, 32, 10 * time.Millisecond, 32 << 20},
		{"small", 1000, 512, 50 * time.Millisecond, 64 << 20},
		{"open", 0, 0, 0, 0}, // molt's defaults then
		{"open", 1000, 512, time.Second, 512 << 20},
	} {
		if got := cfg.cpuLimit(tt.tenant, tt.cpuMs); got != tt.wantCPU {
			t.Errorf("%s, cpu_ms %d: %v, want %v", tt.tenant, tt.cpuMs, got, tt.wantCPU)
		}
		if got := cfg.memoryLimit(tt.tenant, tt.memMB); got != tt.wantMem {
			t.Errorf("%s, memory_mb %d: %d, want %d", tt.tenant, tt.memMB, got, tt.wantMem)
		}
	}
}

// Configuration mistakes are reported together, each naming its key.
func TestConfigErrors(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"domain = \"d\"\n[listen]\npublic = \":1\"\nadmin = \":2\"\n", "data_dir is not set"},
		{"data_dir = \"x\"\n[listen]\npublic = \":1\"\nadmin = \":2\"\n", "domain is not set"},
		{"data_dir = \"x\"\ndomain = \"d\"\n[listen]\npublic = \"nope\"\nadmin = \":2\"\n", "listen.public"},
		{"data_dir = \"x\"\ndomain = \"d\"\ncpu = 1\n[listen]\npublic = \":1\"\nadmin = \":2\"\n", "unknown keys: cpu"},
		{"data_dir = \"x\"\ndomain = \"d\"\n[listen]\npublic = \":1\"\nadmin = \":2\"\n[plans.free]\ncpu_msec = 5\n", "unknown keys: plans.free.cpu_msec"},
		{"data_dir = \"x\"\ndomain = \"d\"\n[listen]\npublic = \":1\"\nadmin = \":2\"\n[tenants.a]\nplan = \"gold\"\n", `tenants.a.plan "gold" is not a plan`},
		{"data_dir = \"x\"\ndomain = \"d\"\n[listen]\npublic = \":1\"\nadmin = \":2\"\n[tenants.Bad_Name]\n", `tenant "Bad_Name"`},
		{"data_dir = \"x\"\ndomain = \"d\"\n[listen]\npublic = \":1\"\nadmin = \":2\"\n[tenants.a]\ndomains = [\"*.a.test\"]\n", "is not a hostname"},
	} {
		dir := testutil.WriteFiles(t, map[string]string{"p.toml": tt.text})
		_, err := LoadConfig(filepath.Join(dir, "p.toml"))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want an error with %q", tt.text, err, tt.want)
		}
	}
}

// A plan's max_workers caps a tenant's workers; new versions of an existing one still deploy.
func TestMaxWorkers(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{"p.toml": "data_dir = \"data\"\ndomain = \"w.test\"\n" +
		"[listen]\npublic = \"127.0.0.1:0\"\nadmin = \"127.0.0.1:0\"\n[plans.tiny]\nmax_workers = 1\n[tenants.small]\nplan = \"tiny\"\n"})
	cfg, err := LoadConfig(filepath.Join(dir, "p.toml"))
	if err != nil {
		t.Fatal(err)
	}
	u := startPlatform(t, cfg)
	c := u.client(t, "small")
	ctx := context.Background()
	b := bundleOf(t, "../../examples/hello")
	for _, step := range []struct {
		do, worker string
		want       int
	}{
		{"deploy", "a", 0}, {"deploy", "b", 403}, {"deploy", "a", 0}, {"delete", "a", 0}, {"deploy", "b", 0},
	} {
		var err error
		if step.do == "deploy" {
			_, err = c.Deploy(ctx, step.worker, b)
		} else {
			err = c.Delete(ctx, step.worker)
		}
		if got := status(err); got != step.want {
			t.Errorf("%s %s: %v, want HTTP %d", step.do, step.worker, err, step.want)
		}
	}
}

// models_dir is resolved against the configuration file, as data_dir is.
func TestModelsDir(t *testing.T) {
	for _, tt := range []struct{ line, want string }{
		{"", ""},
		{"models_dir = \"models\"\n", "models"},
		{"models_dir = \"/srv/models\"\n", "/srv/models"},
	} {
		dir := testutil.WriteFiles(t, map[string]string{"p.toml": tt.line + "data_dir = \"x\"\ndomain = \"d\"\n[listen]\npublic = \":1\"\nadmin = \":2\"\n"})
		cfg, err := LoadConfig(filepath.Join(dir, "p.toml"))
		if err != nil {
			t.Fatal(err)
		}
		want := tt.want
		if want != "" && !filepath.IsAbs(want) {
			want = filepath.Join(dir, want)
		}
		if cfg.ModelsDir != want {
			t.Errorf("%q: models_dir %q, want %q", tt.line, cfg.ModelsDir, want)
		}
	}
}
