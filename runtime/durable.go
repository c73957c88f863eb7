package runtime

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/moltworker/molt/bindings/durable"
	"github.com/moltworker/molt/isolates/js"
	"github.com/moltworker/molt/runtime/config"
)

// DurablePath is the directory of a Durable Object namespace's objects in a state directory.
func DurablePath(stateDir, uniqueKey string) string {
	return filepath.Join(stateDir, "do", uniqueKey)
}

// durableObjects holds a worker version's Durable Object namespaces and, once the version's
// isolates are configured, the engine that runs their objects.
type durableObjects struct {
	namespaces []*durable.Namespace
	objects    *js.Objects
	// remote are the namespaces of other workers' classes bound with script_name: their
	// objects run in those workers' isolates.
	remote []*durable.Namespace
}

// DurableResolver finds the namespace of class in the worker script, for bindings with a
// script_name. It is called on every event, so that a binding follows the other worker's
// deploys; molt serve resolves within the deploying tenant.
type DurableResolver func(script, class string) (*durable.Namespace, error)

// remoteEngine delivers a remote namespace's events to the namespace the owning worker's
// active version runs.
type remoteEngine struct {
	resolve       DurableResolver
	script, class string
}

func (e remoteEngine) Send(_ *durable.Namespace, id durable.ID, name string, c durable.Call) func(ctx context.Context) (durable.Reply, error) {
	ns, err := e.resolve(e.script, e.class)
	if err != nil {
		return func(context.Context) (durable.Reply, error) { return durable.Reply{}, err }
	}
	return ns.Send(id, name, c)
}

// DurableNamespace returns the version's namespace of class, or nil.
func (w *Worker) DurableNamespace(class string) *durable.Namespace {
	if w.objects == nil {
		return nil
	}
	for _, ns := range w.objects.namespaces {
		if ns.ClassName() == class {
			return ns
		}
	}
	return nil
}

// durableBindings adds the configuration's Durable Object namespaces to env. Bindings of the
// same class share one namespace. Migrations decide each class's storage backend, and a
// renamed class keeps the ids and data of its first name, as on Cloudflare.
func durableBindings(cfg *config.Config, persistTo string, resolve DurableResolver, env map[string]any) (*durableObjects, []string, error) {
	d := &durableObjects{}
	// Under molt serve (resolve set) a worker also hosts the classes its migrations create
	// without binding them, for other workers' script_name bindings.
	if len(cfg.DurableObjects) == 0 && (resolve == nil || len(cfg.Migrations) == 0) {
		return d, nil, nil
	}
	dir, err := StateDir(cfg.Dir, persistTo)
	if err != nil {
		return nil, nil, err
	}
	classes, former := config.DurableClasses(cfg.Migrations)
	worker := cfg.Name
	if worker == "" {
		worker = "worker"
	}
	var warnings []string
	byClass := map[string]*durable.Namespace{}
	newNamespace := func(class string, storage config.ClassStorage) (*durable.Namespace, error) {
		origin := class
		if names := former[class]; len(names) > 0 {
			origin = names[0]
		}
		key := worker + "-" + origin
		ns, err := durable.NewNamespace(durable.NamespaceOptions{
			UniqueKey: key, ClassName: class, Dir: DurablePath(dir, key), SQL: storage == config.ClassSQLite,
		})
		if err != nil {
			return nil, err
		}
		byClass[class] = ns
		d.namespaces = append(d.namespaces, ns)
		return ns, nil
	}
	for i, b := range cfg.DurableObjects {
		at := fmt.Sprintf("durable_objects.bindings[%d]", i)
		if b.ScriptName != "" && b.ScriptName != cfg.Name && resolve != nil {
			ns, err := remoteNamespace(b.ScriptName, b.ClassName, dir, resolve)
			if err != nil {
				d.close()
				return nil, nil, fmt.Errorf("%s: %s: %q: %w", configName(cfg), at, b.Name, err)
			}
			d.remote = append(d.remote, ns)
			env[b.Name] = ns
			continue
		}
		if b.ScriptName != "" && b.ScriptName != cfg.Name {
			return nil, nil, fmt.Errorf("%s: %s: %q binds class %q of the worker %q (script_name), but molt dev runs one worker per host, %q, so it cannot reach another worker's Durable Objects; export the class from this worker and drop script_name",
				configName(cfg), at, b.Name, b.ClassName, b.ScriptName, cfg.Name)
		}
		if ns := byClass[b.ClassName]; ns != nil {
			env[b.Name] = ns
			continue
		}
		storage := classes[b.ClassName]
		switch storage {
		case config.ClassDeleted:
			return nil, nil, fmt.Errorf("%s: %s: %q binds class %q, which a migration deletes or renames", configName(cfg), at, b.Name, b.ClassName)
		case config.ClassUndeclared:
			warnings = append(warnings, fmt.Sprintf("no migration creates the Durable Object class %q; molt gives it key-value storage, but deploying needs a [[migrations]] entry with new_classes or new_sqlite_classes", b.ClassName))
		}
		ns, err := newNamespace(b.ClassName, storage)
		if err != nil {
			return nil, nil, err
		}
		env[b.Name] = ns
	}
	if resolve != nil {
		names := make([]string, 0, len(classes))
		for class := range classes {
			names = append(names, class)
		}
		sort.Strings(names)
		for _, class := range names {
			if storage := classes[class]; byClass[class] == nil && (storage == config.ClassKV || storage == config.ClassSQLite) {
				if _, err := newNamespace(class, storage); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	return d, warnings, nil
}

// remoteNamespace is the binding worker's side of another worker's class: ids from the
// owner's unique key, events to the owner's engine. It holds no storage and arms no alarms
// (its directory is never created): the owner does both.
func remoteNamespace(script, class, stateDir string, resolve DurableResolver) (*durable.Namespace, error) {
	owner, err := resolve(script, class)
	if err != nil {
		return nil, err
	}
	ns, err := durable.NewNamespace(durable.NamespaceOptions{
		UniqueKey: owner.UniqueKey(), ClassName: class, SQL: owner.SQL(),
		Dir: filepath.Join(stateDir, "do", ".remote", owner.UniqueKey()),
	})
	if err != nil {
		return nil, err
	}
	if err := ns.Start(remoteEngine{resolve: resolve, script: script, class: class}); err != nil {
		return nil, err
	}
	return ns, nil
}

// start runs the namespaces' objects with isolates of cfg and arms their alarms.
func (d *durableObjects) start(cfg *js.Config, idle time.Duration) error {
	if len(d.namespaces) == 0 {
		return nil
	}
	d.objects = js.NewObjects(cfg, js.ObjectsOptions{IdleTimeout: idle})
	for _, ns := range d.namespaces {
		if err := ns.Start(d.objects); err != nil {
			return err
		}
	}
	return nil
}

// close stops the alarms, then lets the objects finish their events and commit.
func (d *durableObjects) close() {
	for _, ns := range d.remote {
		ns.Close()
	}
	for _, ns := range d.namespaces {
		ns.Close()
	}
	if d.objects != nil {
		d.objects.Close(10 * time.Second)
	}
}
