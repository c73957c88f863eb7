package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/moltworker/molt/bindings/durable"
	"github.com/moltworker/molt/bindings/service"
)

// DevGroup is molt dev with several projects, as wrangler dev with several -c configurations:
// the first project is the one served; the others run beside it, each rebuilt on its own
// changes, and are reached through service bindings and Durable Object bindings with a
// script_name, by worker name.
type DevGroup struct {
	// Devs are the projects in the order given; Devs[0].Host is the one to serve.
	Devs []*Dev
	// Warnings are bindings that name a worker none of the projects is.
	Warnings []string
	byName   map[string]*Host
}

// NewDevGroup prepares the projects; opts and log are shared, and newHost makes each
// project's Host (the caller sets its dev-mode fields).
func NewDevGroup(projects []Project, opts Options, log *slog.Logger, newHost func(log *slog.Logger) *Host) (*DevGroup, error) {
	g := &DevGroup{byName: map[string]*Host{}}
	services := map[string][]string{}
	for i, p := range projects {
		cfg, err := loadConfig(p)
		if err != nil {
			return nil, err
		}
		name := cfg.Name
		if name == "" {
			name = filepath.Base(cfg.Dir)
		}
		if _, dup := g.byName[name]; dup {
			return nil, fmt.Errorf("molt dev: two projects are named %q; service bindings find workers by name", name)
		}
		l := log
		if i > 0 {
			l = log.With("worker", name)
		}
		h := newHost(l)
		g.byName[name] = h
		o := opts
		if len(projects) > 1 {
			// One project alone keeps molt dev's single-worker behaviour: bindings to other
			// workers are left out with a warning.
			o.Services = g.resolveService
			o.DurableObjects = g.resolveDurable
		}
		g.Devs = append(g.Devs, &Dev{Project: p, Options: o, Host: h, Log: l})
		services[name] = serviceNames(cfg.Raw)
	}
	for binder, targets := range services {
		for _, s := range targets {
			if g.byName[s] == nil {
				g.Warnings = append(g.Warnings, fmt.Sprintf("%s: service binding to %q: no project of that name runs in this molt dev; calls to it fail", binder, s))
			}
		}
	}
	return g, nil
}

// Start builds every project. A project whose Durable Object bindings name another project's
// classes starts after that project, since the binding finds the class when it is built.
func (g *DevGroup) Start() error {
	started := map[*Dev]bool{}
	for len(started) < len(g.Devs) {
		progress := false
		for _, d := range g.Devs {
			if started[d] || !g.ready(d, started) {
				continue
			}
			if err := d.Start(); err != nil {
				return err
			}
			started[d], progress = true, true
		}
		if !progress {
			return errors.New("molt dev: the projects' Durable Object script_name bindings name each other in a cycle")
		}
	}
	return nil
}

// ready tells whether the projects d's script_name bindings name have started.
func (g *DevGroup) ready(d *Dev, started map[*Dev]bool) bool {
	cfg, err := loadConfig(d.Project)
	if err != nil {
		return true // Start reports the error
	}
	for _, b := range cfg.DurableObjects {
		h := g.byName[b.ScriptName]
		if b.ScriptName == "" || h == nil || h == d.Host {
			continue
		}
		for _, o := range g.Devs {
			if o.Host == h && !started[o] {
				return false
			}
		}
	}
	return true
}

// Watch rebuilds each project on its own changes until ctx ends.
func (g *DevGroup) Watch(ctx context.Context) {
	for _, d := range g.Devs[1:] {
		go d.Watch(ctx)
	}
	g.Devs[0].Watch(ctx)
}

// Close lets go of every project's worker.
func (g *DevGroup) Close() {
	for _, d := range g.Devs {
		if w := d.Host.Swap(nil); w != nil {
			w.Close()
		}
	}
}

func (g *DevGroup) resolveService(name string) (service.Target, error) {
	if h := g.byName[name]; h != nil {
		return HostTarget{Host: h}, nil
	}
	return missingTarget(name), nil
}

func (g *DevGroup) resolveDurable(script, class string) (*durable.Namespace, error) {
	h := g.byName[script]
	if h == nil {
		return nil, fmt.Errorf("script_name %q: no project of that name runs in this molt dev; give its directory too (molt dev ./this ./%s)", script, script)
	}
	w := h.Worker()
	if w == nil {
		return nil, fmt.Errorf("script_name %q: the worker is not running", script)
	}
	ns := w.DurableNamespace(class)
	if ns == nil {
		return nil, fmt.Errorf("worker %q has no Durable Object class %q", script, class)
	}
	return ns, nil
}

// missingTarget is a binding to a worker no project is: requests get a 503 that says so, as
// wrangler dev answers when no dev session serves the service, and RPC calls fail.
type missingTarget string

func (m missingTarget) err() error {
	return fmt.Errorf("service binding: no worker named %q runs in this molt dev", string(m))
}

func (m missingTarget) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	text := m.err().Error()
	return &http.Response{
		Status: "503 Service Unavailable", StatusCode: http.StatusServiceUnavailable, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"text/plain;charset=UTF-8"}},
		Body:          io.NopCloser(strings.NewReader(text)),
		ContentLength: int64(len(text)), Request: req,
	}, nil
}

func (m missingTarget) Call(context.Context, string, string, []byte) (service.Result, error) {
	return service.Result{}, m.err()
}

// serviceNames lists the workers a configuration's [[services]] name.
func serviceNames(raw map[string]any) []string {
	list, _ := raw["services"].([]any)
	var out []string
	for _, item := range list {
		if t, ok := item.(map[string]any); ok {
			if s, ok := t["service"].(string); ok && s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
