// Package platform is molt serve: a self-hosted, multi-tenant Workers platform. It keeps
// tenants' API tokens and deployed versions under a data directory, serves an admin API to
// deploy, list, roll back and delete workers, and a public front that routes each request by
// its Host header to the active version of one worker.
package platform

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is a platform's configuration, read from a TOML file:
//
//	data_dir = "data"            # relative to the file
//	domain   = "workers.example" # workers answer at <worker>.<domain>
//	models_dir = "models"        # optional: GGUF models of [ai] bindings (default ~/.molt/models)
//
//	[listen]
//	public = ":8080"             # the workers' front
//	admin  = "127.0.0.1:8081"    # the admin API
//	tls_cert = "cert.pem"        # optional: HTTPS on both, with tls_key
//	trusted_proxies = ["10.0.0.0/8"]  # optional: believe their CF-Connecting-IP / X-Forwarded-For
//	metrics = "127.0.0.1:9090"   # optional: Prometheus metrics at /metrics
//
//	[plans.free]
//	cpu_ms = 50                  # per request; a worker's limits.cpu_ms may lower it, never raise it
//	memory_mb = 64               # per isolate (Wasm memory); limits.memory_mb may lower it
//	max_workers = 10             # workers per tenant
//
//	[tenants.acme]
//	plan    = "free"
//	domains = ["acme.example"]   # hosts its routes and custom domains may use
type Config struct {
	// Path is the file the configuration was read from.
	Path string `toml:"-"`
	// DataDir holds tokens, deployed versions and binding state; relative to the file.
	DataDir string `toml:"data_dir"`
	// Domain is the platform's domain: a worker W answers at W.<Domain>.
	Domain string `toml:"domain"`
	// ModelsDir is the models directory of every worker's [ai] binding, with its models.toml;
	// relative to the file, "" for ~/.molt/models. Models are read-only files, loaded once and
	// shared by every tenant that runs them.
	ModelsDir string `toml:"models_dir"`
	// Listen has the addresses of the public front and the admin API.
	Listen Listen `toml:"listen"`
	// Plans are per-plan default limits, by plan name.
	Plans map[string]Plan `toml:"plans"`
	// Tenants are the platform's tenants, by name.
	Tenants map[string]Tenant `toml:"tenants"`
	// AllowPrivateSubrequests lets workers fetch loopback, private and link-local addresses,
	// which are refused by default so that a worker cannot reach the admin API or the
	// operator's internal services.
	AllowPrivateSubrequests bool `toml:"allow_private_subrequests"`
}

// Listen has the platform's listen addresses.
type Listen struct {
	// Public is the address of the front that serves the workers.
	Public string `toml:"public"`
	// Admin is the address of the admin API.
	Admin string `toml:"admin"`
	// Metrics, when set, is the address of the Prometheus metrics (GET /metrics). They name
	// every tenant's workers: keep it for the operator.
	Metrics string `toml:"metrics"`
	// TLSCert and TLSKey, when set, are the PEM files of the certificate the public front and
	// the admin API serve HTTPS with; relative to the configuration file.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// TrustedProxies are the networks (CIDR) of proxies in front of the platform: from them, the
	// client's address is taken from CF-Connecting-IP or X-Forwarded-For. From anyone else
	// those headers are dropped and the connection's address is used.
	TrustedProxies []string `toml:"trusted_proxies"`

	trusted []*net.IPNet
}

// Plan has the limits of the workers of the tenants on it.
type Plan struct {
	// CPUMs caps the CPU time of a request, in milliseconds; 0 is molt's default (30 s).
	CPUMs int `toml:"cpu_ms"`
	// MemoryMB caps the memory of an isolate (a JS isolate's heap, Wasm linear memory), in
	// MiB; 0 is molt's default (128).
	MemoryMB int `toml:"memory_mb"`
	// Subrequests caps the subrequests of one request; 0 is molt's default (1000,
	// Cloudflare's Paid plan; its Free plan allows 50).
	Subrequests int `toml:"subrequests"`
	// MaxWorkers caps how many workers a tenant on the plan may have; 0 is no cap.
	MaxWorkers int `toml:"max_workers"`
}

// Tenant is one customer of the platform.
type Tenant struct {
	// Plan names an entry of Config.Plans; "" gets molt's default limits.
	Plan string `toml:"plan"`
	// Domains are the hosts (and their subdomains) the tenant's routes and custom domains may
	// claim; other hosts are refused, so that a tenant cannot take over another's traffic.
	Domains []string `toml:"domains"`
}

// nameRE is what tenant and worker names look like: a DNS label, so that <worker>.<domain>
// is a hostname and a name is a safe directory name.
var nameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// LoadConfig reads and checks the platform configuration at path. Unknown keys are errors: a
// misspelt limit silently ignored would be a limit not applied.
func LoadConfig(path string) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	cfg := &Config{}
	md, err := toml.DecodeFile(abs, cfg)
	if err != nil {
		return nil, fmt.Errorf("platform config %s: %w", path, err)
	}
	cfg.Path = abs
	var errs []error
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		sort.Strings(keys)
		errs = append(errs, fmt.Errorf("unknown keys: %s", strings.Join(keys, ", ")))
	}
	if cfg.DataDir == "" {
		errs = append(errs, errors.New("data_dir is not set"))
	} else if !filepath.IsAbs(cfg.DataDir) {
		cfg.DataDir = filepath.Join(filepath.Dir(abs), cfg.DataDir)
	}
	if cfg.ModelsDir != "" && !filepath.IsAbs(cfg.ModelsDir) {
		cfg.ModelsDir = filepath.Join(filepath.Dir(abs), cfg.ModelsDir)
	}
	cfg.Domain = strings.ToLower(strings.TrimSuffix(cfg.Domain, "."))
	if cfg.Domain == "" {
		errs = append(errs, errors.New("domain is not set: workers answer at <worker>.<domain>"))
	}
	for what, addr := range map[string]string{"listen.public": cfg.Listen.Public, "listen.admin": cfg.Listen.Admin} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: want host:port: %v", what, addr, err))
		}
	}
	if (cfg.Listen.TLSCert == "") != (cfg.Listen.TLSKey == "") {
		errs = append(errs, errors.New("listen.tls_cert and listen.tls_key go together"))
	}
	for _, f := range []*string{&cfg.Listen.TLSCert, &cfg.Listen.TLSKey} {
		if *f != "" && !filepath.IsAbs(*f) {
			*f = filepath.Join(filepath.Dir(abs), *f)
		}
	}
	for _, cidr := range cfg.Listen.TrustedProxies {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			errs = append(errs, fmt.Errorf("listen.trusted_proxies: %v", err))
			continue
		}
		cfg.Listen.trusted = append(cfg.Listen.trusted, n)
	}
	if cfg.Listen.Metrics != "" {
		if _, _, err := net.SplitHostPort(cfg.Listen.Metrics); err != nil {
			errs = append(errs, fmt.Errorf("listen.metrics %q: want host:port: %v", cfg.Listen.Metrics, err))
		}
	}
	for name, p := range cfg.Plans {
		if p.CPUMs < 0 || p.MemoryMB < 0 || p.MaxWorkers < 0 {
			errs = append(errs, fmt.Errorf("plans.%s: limits must not be negative", name))
		}
	}
	for name, t := range cfg.Tenants {
		if !nameRE.MatchString(name) {
			errs = append(errs, fmt.Errorf("tenant %q: a name is lowercase letters, digits and dashes", name))
		}
		if _, ok := cfg.Plans[t.Plan]; t.Plan != "" && !ok {
			errs = append(errs, fmt.Errorf("tenants.%s.plan %q is not a plan of [plans]", name, t.Plan))
		}
		for i, d := range t.Domains {
			t.Domains[i] = strings.ToLower(strings.TrimSuffix(d, "."))
			if d == "" || strings.ContainsAny(d, "*/:") {
				errs = append(errs, fmt.Errorf("tenants.%s.domains: %q is not a hostname", name, d))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("platform config %s: %w", path, err)
	}
	return cfg, nil
}

// memoryLimit is the memory cap of a worker of tenant whose configuration asks for cfgMB (0:
// none), in bytes: the plan's, lowered by the worker's own but never raised.
func (c *Config) memoryLimit(tenant string, cfgMB int) uint64 {
	return uint64(lowered(c.Plans[c.Tenants[tenant].Plan].MemoryMB, cfgMB)) << 20
}

// subrequestLimit is the subrequest cap of a worker of tenant whose configuration asks for
// cfg (0: none): the plan's, lowered by the worker's own but never raised.
func (c *Config) subrequestLimit(tenant string, cfg int) int {
	return lowered(c.Plans[c.Tenants[tenant].Plan].Subrequests, cfg)
}

// lowered is a plan's limit (0: molt's default) as a worker's own (0: none) may lower it.
func lowered(plan, own int) int {
	if own > 0 && (plan == 0 || own < plan) {
		return own
	}
	return plan
}

// trusts reports whether the peer at remoteAddr (host:port) is a trusted proxy.
func (l *Listen) trusts(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	for _, n := range l.trusted {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

// cpuLimit is the CPU cap of a worker of tenant whose configuration asks for cfgMs (0: none):
// the plan's, lowered by the worker's own but never raised.
func (c *Config) cpuLimit(tenant string, cfgMs int) time.Duration {
	return time.Duration(lowered(c.Plans[c.Tenants[tenant].Plan].CPUMs, cfgMs)) * time.Millisecond
}
