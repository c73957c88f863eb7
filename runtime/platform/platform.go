package platform

import (
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moltworker/molt/bindings/durable"
	"github.com/moltworker/molt/isolates/js"
	"github.com/moltworker/molt/runtime"
	"github.com/moltworker/molt/runtime/config"
)

// Error is a failed platform operation with the HTTP status the admin API answers it with.
type Error struct {
	Status int
	Err    error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func fail(status int, format string, args ...any) error {
	return &Error{Status: status, Err: fmt.Errorf(format, args...)}
}

// Platform holds the deployed workers of every tenant and routes requests to them.
type Platform struct {
	cfg     *Config
	log     *slog.Logger
	tokens  *tokens
	metrics *metrics
	tails   tails
	// opening is set while Open loads the stored workers.
	opening atomic.Bool

	// mu serializes changes: deploys' commits, rollbacks, deletes.
	mu      sync.Mutex
	workers map[string]*deployed
	// front is what the public front reads, without locks: replaced whole on every change.
	front atomic.Pointer[frontState]
}

// deployed is a worker and the version serving it.
type deployed struct {
	tenant, name string
	active       *live
	routes       []route
}

// live is a version loaded and serving. Requests in flight hold mu for reading; retiring the
// version takes it for writing, so the version closes only after they finish.
type live struct {
	version Version
	worker  *runtime.Worker
	host    *runtime.Host
	// crons are the version's cron triggers (triggers.crons).
	crons []*cronSpec
	mu    sync.RWMutex
}

type frontState struct {
	routes routeTable
	live   map[string]*live
}

// Open loads the platform's deployed workers from its data directory: each worker's active
// version is rebuilt from the stored bundle. A version that no longer builds is logged and
// its worker left out, so that one bad worker does not keep the others down.
func Open(cfg *Config, log *slog.Logger) (*Platform, error) {
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "tenants"), 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	p := &Platform{cfg: cfg, log: log, tokens: &tokens{path: tokensPath(cfg.DataDir)}, metrics: newMetrics(), workers: map[string]*deployed{}}
	p.opening.Store(true)
	defer p.opening.Store(false)
	p.publish() // resolvers read the front while the stored workers load
	tenants, err := os.ReadDir(filepath.Join(cfg.DataDir, "tenants"))
	if err != nil {
		return nil, err
	}
	type stored struct{ tenant, worker string }
	var pending []stored
	for _, t := range tenants {
		if _, ok := cfg.Tenants[t.Name()]; !ok {
			log.Warn("data for a tenant not in the configuration; its workers are not served", "tenant", t.Name())
			continue
		}
		workers, err := os.ReadDir(filepath.Join(p.tenantDir(t.Name()), "workers"))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		for _, w := range workers {
			if !w.IsDir() || strings.HasPrefix(w.Name(), ".") {
				continue
			}
			// A deploy that a crash interrupted left its staging folder; it never served.
			stale, _ := filepath.Glob(filepath.Join(p.workerDir(t.Name(), w.Name()), ".staging-*"))
			for _, dir := range stale {
				os.RemoveAll(dir)
			}
			pending = append(pending, stored{t.Name(), w.Name()})
		}
	}
	// A worker binding another's Durable Objects loads after it: passes go on while one loads.
	errs := map[stored]error{}
	for progress := true; progress && len(pending) > 0; {
		progress = false
		var next []stored
		for _, s := range pending {
			if err := p.loadStored(s.tenant, s.worker); err != nil {
				errs[s] = err
				next = append(next, s)
				continue
			}
			delete(errs, s)
			progress = true
			p.publish()
		}
		pending = next
	}
	for s, err := range errs {
		log.Error("worker not served: its active version does not load", "tenant", s.tenant, "worker", s.worker, "error", err.Error())
	}
	p.publish()
	return p, nil
}

func (p *Platform) loadStored(tenant, worker string) error {
	if other := p.workers[worker]; other != nil {
		return fmt.Errorf("the name is taken by tenant %q", other.tenant)
	}
	id, err := p.activeID(tenant, worker)
	if errors.Is(err, os.ErrNotExist) {
		return nil // a first deploy that failed left the folder and nothing else
	}
	if err != nil {
		return err
	}
	l, routes, err := p.build(tenant, worker, p.versionDir(tenant, worker, id))
	if err != nil {
		return err
	}
	p.workers[worker] = &deployed{tenant: tenant, name: worker, active: l, routes: routes}
	return nil
}

// build loads a stored version and checks its routes.
func (p *Platform) build(tenant, worker, dir string) (*live, []route, error) {
	v, b, cfg, err := readVersion(dir)
	if err != nil {
		return nil, nil, fail(http.StatusBadRequest, "%w", err)
	}
	routes, err := p.routesOf(tenant, worker, cfg)
	if err != nil {
		return nil, nil, err
	}
	crons, err := configCrons(cfg.Raw)
	if err != nil {
		return nil, nil, fail(http.StatusBadRequest, "%w", err)
	}
	console := js.ConsoleFunc(func(level js.Level, text string) {
		p.log.Info(text, "worker", worker, "console", level)
	})
	w, err := runtime.FromBundle(cfg, b, runtime.Options{
		Console:         console,
		PoolSize:        2,
		PersistTo:       p.stateDir(tenant),
		Models:          p.cfg.ModelsDir,
		CPULimit:        p.cfg.cpuLimit(tenant, cfg.Limits.CPUMs),
		MemoryLimit:     p.cfg.memoryLimit(tenant, cfg.Limits.MemoryMB),
		SubrequestLimit: p.cfg.subrequestLimit(tenant, cfg.Limits.Subrequests),
		Services:        p.resolveService(tenant, worker),
		// A worker must not reach the admin API or the operator's network.
		PublicSubrequestsOnly: !p.cfg.AllowPrivateSubrequests,
		DurableObjects: func(script, class string) (*durable.Namespace, error) {
			l := p.front.Load().live[script]
			if l == nil || l.version.Tenant != tenant {
				return nil, fail(http.StatusBadRequest, "script_name %q: the tenant has no worker of that name", script)
			}
			ns := l.worker.DurableNamespace(class)
			if ns == nil {
				return nil, fail(http.StatusBadRequest, "worker %q has no Durable Object binding of class %q", script, class)
			}
			return ns, nil
		},
	})
	if err != nil {
		return nil, nil, fail(http.StatusBadRequest, "%w", err)
	}
	v.Warnings = w.Warnings
	host := runtime.NewHost(p.log.With("worker", worker, "version", v.ID))
	host.Invocations = p.tails.observer(worker, v.ID)
	host.Swap(w)
	return &live{version: v, worker: w, host: host, crons: crons}, routes, nil
}

// routesOf reads a worker's routes and checks the tenant may claim their hosts.
func (p *Platform) routesOf(tenant, worker string, cfg *config.Config) ([]route, error) {
	routes, err := configRoutes(cfg.Raw)
	if err != nil {
		return nil, fail(http.StatusBadRequest, "%w", err)
	}
	domains := p.cfg.Tenants[tenant].Domains
	for i := range routes {
		r := &routes[i]
		r.worker = worker
		if !r.claimable(domains) {
			return nil, fail(http.StatusForbidden, "route %q: the host is not under one of tenant %s's domains (%s)", r.pattern, tenant, strings.Join(domains, ", "))
		}
	}
	def, _ := customDomain(worker + "." + p.cfg.Domain)
	def.worker = worker
	return append(routes, def), nil
}

// publish rebuilds what the front reads from p.workers; the caller holds p.mu or is Open.
func (p *Platform) publish() {
	fs := &frontState{live: make(map[string]*live, len(p.workers))}
	var all []route
	for name, d := range p.workers {
		fs.live[name] = d.active
		all = append(all, d.routes...)
	}
	fs.routes = newRouteTable(all)
	p.front.Store(fs)
}

// retire closes a version once the requests it is serving have finished.
func retire(l *live) {
	if l == nil {
		return
	}
	go func() {
		l.mu.Lock()
		l.worker.Close()
	}()
}

// owned returns the worker named name for tenant: nil if there is none, a 403 if it belongs
// to another tenant. The caller holds p.mu.
func (p *Platform) owned(tenant, name string) (*deployed, error) {
	d := p.workers[name]
	if d != nil && d.tenant != tenant {
		return nil, fail(http.StatusForbidden, "worker %q belongs to another tenant", name)
	}
	return d, nil
}

// Deploy stores b as a new version of the tenant's worker and makes it serve new requests at
// once; requests in flight finish on the version they started on. Nothing changes when the
// bundle does not build, its configuration is wrong or its routes are not the tenant's.
func (p *Platform) Deploy(tenant, worker string, b *runtime.Bundle) (v Version, err error) {
	defer func() { p.metrics.deploy(tenant, worker, err) }()
	if !nameRE.MatchString(worker) {
		return Version{}, fail(http.StatusBadRequest, "worker name %q: use lowercase letters, digits and dashes (it becomes a hostname)", worker)
	}
	if b.Name == "" || strings.ContainsAny(b.Name, `/\`) || strings.HasPrefix(b.Name, ".") || b.Name == "wrangler.json" || b.Name == "version.json" || b.Name == "wasm.json" {
		return Version{}, fail(http.StatusBadRequest, "script name %q must be a bare file name", b.Name)
	}
	p.mu.Lock()
	existing, err := p.owned(tenant, worker)
	if err == nil && existing == nil {
		err = p.checkQuota(tenant)
	}
	p.mu.Unlock()
	if err != nil {
		return Version{}, err
	}
	raw := make(map[string]any, len(b.Config)+1)
	for k, val := range b.Config {
		raw[k] = val
	}
	raw["name"] = worker
	if strings.HasSuffix(strings.ToLower(b.Name), ".wasm") {
		raw["main"] = b.Name // the module is stored under its name beside the configuration
	}
	upload := *b
	upload.Config = raw
	v = Version{ID: newID(), Worker: worker, Tenant: tenant, Script: b.Name, ServiceWorker: b.ServiceWorker, CreatedOn: timeNow()}
	staging := filepath.Join(p.workerDir(tenant, worker), ".staging-"+v.ID)
	defer os.RemoveAll(staging)
	if err := writeVersion(staging, v, &upload); err != nil {
		return Version{}, fmt.Errorf("store version: %w", err)
	}
	// Building outside p.mu lets other tenants deploy meanwhile; the checks are redone below.
	l, routes, err := p.build(tenant, worker, staging)
	if err != nil {
		return Version{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	old, err := p.owned(tenant, worker)
	if err == nil && old == nil {
		err = p.checkQuota(tenant) // again: another deploy may have added a worker meanwhile
	}
	if err == nil {
		err = p.checkConflicts(worker, routes)
	}
	if err == nil {
		err = os.MkdirAll(filepath.Dir(p.versionDir(tenant, worker, v.ID)), 0o755)
	}
	if err == nil {
		err = os.Rename(staging, p.versionDir(tenant, worker, v.ID))
	}
	if err == nil {
		err = p.setActive(tenant, worker, v.ID)
	}
	if err != nil {
		l.worker.Close()
		return Version{}, err
	}
	p.workers[worker] = &deployed{tenant: tenant, name: worker, active: l, routes: routes}
	p.publish()
	if old != nil {
		retire(old.active)
	}
	p.log.Info("deployed", "tenant", tenant, "worker", worker, "version", v.ID)
	out := l.version
	out.Active, out.URLs = true, p.urls(routes)
	return out, nil
}

// checkQuota refuses a new worker past the tenant's plan's max_workers. The caller holds p.mu.
func (p *Platform) checkQuota(tenant string) error {
	max := p.cfg.Plans[p.cfg.Tenants[tenant].Plan].MaxWorkers
	if max == 0 {
		return nil
	}
	n := 0
	for _, d := range p.workers {
		if d.tenant == tenant {
			n++
		}
	}
	if n >= max {
		return fail(http.StatusForbidden, "tenant %s has %d workers, the most its plan allows; delete one first", tenant, n)
	}
	return nil
}

// checkConflicts refuses routes another worker already has. The caller holds p.mu.
func (p *Platform) checkConflicts(worker string, routes []route) error {
	for name, d := range p.workers {
		if name == worker {
			continue
		}
		for _, theirs := range d.routes {
			for _, r := range routes {
				if r.pattern == theirs.pattern && r.whole == theirs.whole {
					return fail(http.StatusConflict, "route %q is already the route of another worker", r.pattern)
				}
			}
		}
	}
	return nil
}

// Versions lists a worker's versions, oldest first, the active one marked.
func (p *Platform) Versions(tenant, worker string) ([]Version, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, err := p.owned(tenant, worker)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, fail(http.StatusNotFound, "no worker %q", worker)
	}
	vs, err := p.listVersions(tenant, worker)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		if vs[i].ID == d.active.version.ID {
			vs[i].Active, vs[i].URLs = true, p.urls(d.routes)
		}
	}
	return vs, nil
}

// Rollback makes version id of the worker serve again; "" means the version before the active one.
func (p *Platform) Rollback(tenant, worker, id string) (Version, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, err := p.owned(tenant, worker)
	if err != nil {
		return Version{}, err
	}
	if d == nil {
		return Version{}, fail(http.StatusNotFound, "no worker %q", worker)
	}
	if id == "" {
		vs, err := p.listVersions(tenant, worker)
		if err != nil {
			return Version{}, err
		}
		for i, v := range vs {
			if v.ID == d.active.version.ID && i > 0 {
				id = vs[i-1].ID
			}
		}
		if id == "" {
			return Version{}, fail(http.StatusConflict, "worker %q has no version before the active one", worker)
		}
	}
	if !nameRE.MatchString(strings.ReplaceAll(id, "-", "")) {
		return Version{}, fail(http.StatusBadRequest, "bad version id %q", id)
	}
	dir := p.versionDir(tenant, worker, id)
	if _, err := os.Stat(filepath.Join(dir, "version.json")); err != nil {
		return Version{}, fail(http.StatusNotFound, "worker %q has no version %q", worker, id)
	}
	l, routes, err := p.build(tenant, worker, dir)
	if err == nil {
		err = p.checkConflicts(worker, routes)
	}
	if err == nil {
		err = p.setActive(tenant, worker, id)
	}
	if err != nil {
		if l != nil {
			l.worker.Close()
		}
		return Version{}, err
	}
	old := d.active
	p.workers[worker] = &deployed{tenant: tenant, name: worker, active: l, routes: routes}
	p.publish()
	retire(old)
	p.log.Info("rolled back", "tenant", tenant, "worker", worker, "version", id)
	out := l.version
	out.Active, out.URLs = true, p.urls(routes)
	return out, nil
}

// Delete stops serving the worker and removes its versions. The tenant's binding state (KV
// data and the like) stays: it belongs to the tenant, not the worker.
func (p *Platform) Delete(tenant, worker string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, err := p.owned(tenant, worker)
	if err != nil {
		return err
	}
	if d == nil {
		return fail(http.StatusNotFound, "no worker %q", worker)
	}
	delete(p.workers, worker)
	p.publish()
	retire(d.active)
	p.log.Info("deleted", "tenant", tenant, "worker", worker)
	return os.RemoveAll(p.workerDir(tenant, worker))
}

// Workers lists the tenant's workers with their active versions.
func (p *Platform) Workers(tenant string) []Version {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Version
	for _, d := range p.workers {
		if d.tenant == tenant {
			v := d.active.version
			v.Active, v.URLs = true, p.urls(d.routes)
			out = append(out, v)
		}
	}
	return out
}

// urls lists where a worker answers, for people: its hostnames with the front's port.
func (p *Platform) urls(routes []route) []string {
	scheme, std := "http", "80"
	if p.cfg.Listen.TLSCert != "" {
		scheme, std = "https", "443"
	}
	port := ""
	if _, pt, err := net.SplitHostPort(p.cfg.Listen.Public); err == nil && pt != std {
		port = ":" + pt
	}
	out := make([]string, 0, len(routes))
	for i := len(routes) - 1; i >= 0; i-- { // the default hostname, appended last, first
		r := routes[i]
		if r.whole {
			out = append(out, scheme+"://"+r.host+port+"/")
			continue
		}
		host := r.host
		if r.hostWild {
			host = "*" + host
		}
		out = append(out, scheme+"://"+host+port+r.path+map[bool]string{true: "*"}[r.pathWild])
	}
	return out
}

// CloseTails ends the tail streams; molt serve calls it when it starts shutting down, so that
// the admin server does not wait for them.
func (p *Platform) CloseTails() { p.tails.close() }

// Close stops serving every worker, letting their requests in flight finish.
func (p *Platform) Close() {
	p.tails.close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for name, d := range p.workers {
		d.active.mu.Lock()
		d.active.worker.Close()
		delete(p.workers, name)
	}
	p.publish()
}

// ServeHTTP is the public front: it runs the request through the worker whose route matches
// its host and path best, or answers 404.
func (p *Platform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	clientAddress(r, &p.cfg.Listen)
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	tenant, worker := "", ""
	defer func() {
		// Deferred so that a response cut short (the handler panics to abort it) is counted.
		status := sw.status
		if status == 0 {
			status = 499
		}
		p.metrics.request(tenant, worker, status, time.Since(start))
	}()
	w = sw
	// A version being retired refuses new readers; the front then sees the one replacing it.
	for range 100 {
		fs := p.front.Load()
		name := fs.routes.match(host, r.URL.Path)
		l := fs.live[name]
		if l == nil {
			notFound(w, r, host)
			return
		}
		if l.mu.TryRLock() {
			defer l.mu.RUnlock()
			tenant, worker = l.version.Tenant, name
			l.host.ServeHTTP(w, r)
			return
		}
		runtimeGosched()
	}
	http.Error(w, "the worker is being replaced; try again", http.StatusServiceUnavailable)
}

// clientAddress sets CF-Connecting-IP to the client's address for the worker. A client's own
// header is not to be believed, so it is dropped, and the Host sets it from the connection;
// a trusted proxy's is kept, or taken from the last address it added to X-Forwarded-For.
func clientAddress(r *http.Request, l *Listen) {
	if !l.trusts(r.RemoteAddr) {
		r.Header.Del("CF-Connecting-IP")
		return
	}
	if r.Header.Get("CF-Connecting-IP") != "" {
		return
	}
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		hops := strings.Split(xff[len(xff)-1], ",")
		if ip := strings.TrimSpace(hops[len(hops)-1]); net.ParseIP(ip) != nil {
			r.Header.Set("CF-Connecting-IP", ip)
		}
	}
}

// notFound is the page of a host no worker answers on.
func notFound(w http.ResponseWriter, r *http.Request, host string) {
	w.Header().Set("Cache-Control", "no-store")
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		w.Header().Set("Content-Type", "text/html;charset=UTF-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>No worker here</title></head>"+
			"<body><h1>No worker here</h1><p>No worker on this platform answers for <code>%s</code>.</p></body></html>\n", html.EscapeString(host))
		return
	}
	w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, "No worker here\n\nNo worker on this platform answers for %s.\n", host)
}
