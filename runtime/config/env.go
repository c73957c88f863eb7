package config

import (
	"fmt"
	"maps"
	"slices"
)

// field is one key of the effective configuration: its value and where it is written.
type field struct {
	value any
	at    keyPath
}

// selection is the effective configuration for one environment.
type selection struct {
	fields   map[string]field
	warnings []string
}

// selectEnv applies wrangler's environment rules: with no env, the top level; with one, the
// top-level-only keys, the inheritable keys from [env.NAME] or else the top level, and the
// non-inheritable keys (vars and the bindings) from [env.NAME] alone. An env that is not
// defined is an error naming those that are, unless the file defines none: then wrangler
// warns and uses the top level, and so does this.
func selectEnv(d *document, env string) (*selection, error) {
	s := &selection{fields: map[string]field{}}
	for _, k := range slices.Sorted(maps.Keys(d.root)) {
		if keyKinds[k] == unknownKey && k != "env" {
			s.warn("unexpected field %q in %s", k, d.file)
		}
	}
	envs, err := environments(d)
	if err != nil {
		return nil, err
	}
	named, ok := envs[env]
	switch {
	case env == "" || !ok && len(envs) == 0:
		if env != "" {
			s.warn("no environment %q is defined in %s; using the top-level configuration", env, d.file)
		}
		for k, v := range d.root {
			if k != "env" && keyKinds[k] != unknownKey {
				s.fields[k] = field{v, keyPath{k}}
			}
		}
		return s, nil
	case !ok:
		names := quoteAll(slices.Sorted(maps.Keys(envs)))
		return nil, &Error{File: d.file, Msg: fmt.Sprintf("no environment %q is defined; the environments are %s", env, names)}
	}
	s.merge(d.root, named, keyPath{"env", env})
	return s, nil
}

// environments returns the [env.NAME] tables.
func environments(d *document) (map[string]map[string]any, error) {
	raw, ok := d.root["env"]
	if !ok || raw == nil {
		return nil, nil
	}
	tables, ok := raw.(map[string]any)
	if !ok {
		return nil, d.errorAt(keyPath{"env"}, `"env" must be an object of environments, got %s`, describe(raw))
	}
	envs := make(map[string]map[string]any, len(tables))
	for name, t := range tables {
		if envs[name], ok = t.(map[string]any); !ok {
			p := keyPath{"env", name}
			return nil, d.errorAt(p, "%q must be an object, got %s", p.String(), describe(t))
		}
	}
	return envs, nil
}

// merge fills s from the top level and the environment table named, written at envAt.
func (s *selection) merge(top, named map[string]any, envAt keyPath) {
	for _, k := range slices.Sorted(maps.Keys(named)) {
		switch keyKinds[k] {
		case unknownKey:
			s.warn("unexpected field %q in %s", k, envAt)
		case topLevelOnly:
			s.warn("unexpected field %q in %s: it is only allowed at the top level", k, envAt)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(keyKinds)) {
		kind := keyKinds[k]
		v, inEnv := named[k]
		inEnv = inEnv && v != nil
		topV, inTop := top[k]
		switch {
		case kind != topLevelOnly && inEnv:
			s.fields[k] = field{v, envAt.child(k)}
		case kind == notInherited && inTop:
			s.warn("%q exists at the top level, but not in %s; it is not inherited, so %s has none", k, envAt, envAt)
		case inTop:
			s.fields[k] = field{topV, keyPath{k}}
		}
	}
	s.warnMissingVars(top["vars"], named["vars"], envAt)
}

// warnMissingVars warns, as wrangler does, about top-level vars that an environment's own vars
// leave out.
func (s *selection) warnMissingVars(top, named any, envAt keyPath) {
	topVars, ok := top.(map[string]any)
	envVars, ok2 := named.(map[string]any)
	if !ok || !ok2 {
		return
	}
	var missing []string
	for _, k := range slices.Sorted(maps.Keys(topVars)) {
		if _, ok := envVars[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		s.warn("vars %s exist at the top level, but not in %s; vars are not inherited", quoteAll(missing), envAt.child("vars"))
	}
}

func (s *selection) warn(format string, args ...any) {
	s.warnings = append(s.warnings, fmt.Sprintf(format, args...))
}
