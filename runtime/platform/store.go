package platform

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/moltworker/molt/runtime"
	"github.com/moltworker/molt/runtime/config"
)

// The data directory:
//
//	tokens.json                                   API tokens (hashes only)
//	tenants/<tenant>/state/                       the tenant's binding state: KV, Durable Objects, Vectorize
//	tenants/<tenant>/workers/<worker>/active      the id of the version serving
//	tenants/<tenant>/workers/<worker>/versions/<id>/
//	    <script>.js, <script>.js.map              the bundle as uploaded
//	    wasm.json                                 its CompiledWasm modules by import name, if any
//	    wrangler.json                             the normalized configuration
//	    version.json                              Version
//
// A version directory is written whole under a temporary name and renamed into place, and
// "active" is replaced atomically, so a crash never leaves a half version serving.

// Version is one deployed version of a worker.
type Version struct {
	// ID is the version's id, a random UUID.
	ID string `json:"id"`
	// Worker is the worker's name.
	Worker string `json:"worker"`
	// Tenant is the tenant the worker belongs to.
	Tenant string `json:"tenant"`
	// CreatedOn is when the version was uploaded.
	CreatedOn time.Time `json:"created_on"`
	// Script is the bundled script's file name.
	Script string `json:"script"`
	// ServiceWorker is set for a service-worker-syntax script.
	ServiceWorker bool `json:"service_worker,omitempty"`
	// Active is set for the version that serves the worker's requests (not stored).
	Active bool `json:"active,omitempty"`
	// URLs are where the worker answers: its default hostname, custom domains and routes (not stored).
	URLs []string `json:"urls,omitempty"`
	// Warnings are what the configuration and the build warned about.
	Warnings []string `json:"warnings,omitempty"`
}

func (p *Platform) tenantDir(tenant string) string {
	return filepath.Join(p.cfg.DataDir, "tenants", tenant)
}

// stateDir is a tenant's binding state: every worker of the tenant shares it (a KV namespace id
// means the same data to all of them, as within a Cloudflare account) and no other tenant
// reaches it.
func (p *Platform) stateDir(tenant string) string {
	return filepath.Join(p.tenantDir(tenant), "state")
}

func (p *Platform) workerDir(tenant, worker string) string {
	return filepath.Join(p.tenantDir(tenant), "workers", worker)
}

func (p *Platform) versionDir(tenant, worker, id string) string {
	return filepath.Join(p.workerDir(tenant, worker), "versions", id)
}

// newID returns a random (version 4) UUID.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// writeVersion writes a version's files into dir, which must not exist.
func writeVersion(dir string, v Version, b *runtime.Bundle) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cfgText, err := json.MarshalIndent(b.Config, "", "  ")
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	meta, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{{b.Name, b.Code}, {b.Name + ".map", b.SourceMap}, {"wrangler.json", cfgText}, {"version.json", meta}}
	if len(b.Wasm) > 0 {
		// Import names are relative paths; one JSON file keeps them out of the file system.
		wasm, err := json.Marshal(b.Wasm)
		if err != nil {
			return err
		}
		files = append(files, struct {
			name string
			data []byte
		}{"wasm.json", wasm})
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// readVersion reads a stored version back into the bundle and configuration it was built from.
func readVersion(dir string) (Version, *runtime.Bundle, *config.Config, error) {
	var v Version
	meta, err := os.ReadFile(filepath.Join(dir, "version.json"))
	if err != nil {
		return v, nil, nil, err
	}
	if err := json.Unmarshal(meta, &v); err != nil {
		return v, nil, nil, fmt.Errorf("%s: %w", dir, err)
	}
	if v.Script == "" || strings.ContainsAny(v.Script, `/\`) {
		return v, nil, nil, fmt.Errorf("%s: bad script name %q", dir, v.Script)
	}
	b := &runtime.Bundle{Name: v.Script, ServiceWorker: v.ServiceWorker, Warnings: v.Warnings}
	if b.Code, err = os.ReadFile(filepath.Join(dir, v.Script)); err != nil {
		return v, nil, nil, err
	}
	if b.SourceMap, err = os.ReadFile(filepath.Join(dir, v.Script+".map")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return v, nil, nil, err
	}
	if wasm, err := os.ReadFile(filepath.Join(dir, "wasm.json")); err == nil {
		if err := json.Unmarshal(wasm, &b.Wasm); err != nil {
			return v, nil, nil, fmt.Errorf("%s: wasm.json: %w", dir, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return v, nil, nil, err
	}
	cfg, err := config.Load(filepath.Join(dir, "wrangler.json"), config.LoadOptions{})
	if err != nil {
		return v, nil, nil, err
	}
	b.Config = cfg.Raw
	return v, b, cfg, nil
}

// listVersions returns a worker's stored versions, oldest first.
func (p *Platform) listVersions(tenant, worker string) ([]Version, error) {
	root := filepath.Join(p.workerDir(tenant, worker), "versions")
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var out []Version
	for _, e := range entries {
		meta, err := os.ReadFile(filepath.Join(root, e.Name(), "version.json"))
		if err != nil {
			continue // not a version (yet)
		}
		var v Version
		if err := json.Unmarshal(meta, &v); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedOn.Equal(out[j].CreatedOn) {
			return out[i].CreatedOn.Before(out[j].CreatedOn)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (p *Platform) activeID(tenant, worker string) (string, error) {
	b, err := os.ReadFile(filepath.Join(p.workerDir(tenant, worker), "active"))
	return strings.TrimSpace(string(b)), err
}

func (p *Platform) setActive(tenant, worker, id string) error {
	return writeFileAtomic(filepath.Join(p.workerDir(tenant, worker), "active"), []byte(id+"\n"), 0o644)
}
