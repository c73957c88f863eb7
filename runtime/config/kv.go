package config

import "regexp"

// KVNamespace is one entry of kv_namespaces: a Workers KV namespace bound into env.
type KVNamespace struct {
	// Binding is the name the worker sees it under (env.BINDING).
	Binding string
	// ID is the namespace's id; "" when the configuration leaves it out, as wrangler allows
	// for local development.
	ID string
	// PreviewID is the namespace used in development instead of ID, when set.
	PreviewID string
}

// LocalID is the namespace id local development stores data under: preview_id, then id, then
// the binding name, as wrangler dev picks it.
func (ns KVNamespace) LocalID() string {
	switch {
	case ns.PreviewID != "":
		return ns.PreviewID
	case ns.ID != "":
		return ns.ID
	}
	return ns.Binding
}

// validBinding is what a binding name must look like to be a JavaScript identifier.
var validBinding = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

func (r *fieldReader) kvNamespaces() []KVNamespace {
	v, at, ok := r.get("kv_namespaces")
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		r.fail(at, "%q must be an array of namespaces, got %s", at.String(), describe(v))
		return nil
	}
	out := make([]KVNamespace, 0, len(arr))
	seen := map[string]bool{}
	for i, e := range arr {
		at := at.index(i)
		m, ok := e.(map[string]any)
		if !ok {
			r.fail(at, "%q must be an object with binding and id, got %s", at.String(), describe(e))
			continue
		}
		var ns KVNamespace
		str := func(key string, required bool) string {
			v, present := m[key]
			if !present || v == nil {
				if required {
					r.fail(at, "%q must have a %q field", at.String(), key)
				}
				return ""
			}
			s, ok := v.(string)
			if !ok {
				r.fail(at.child(key), "%q must be a string, got %s", at.child(key).String(), describe(v))
			}
			return s
		}
		ns.Binding = str("binding", true)
		ns.ID = str("id", false)
		ns.PreviewID = str("preview_id", false)
		switch {
		case ns.Binding == "":
		case !validBinding.MatchString(ns.Binding):
			r.fail(at.child("binding"), "%q must be a valid JavaScript identifier, got %q", at.child("binding").String(), ns.Binding)
		case seen[ns.Binding]:
			r.fail(at.child("binding"), "%q: the binding %q is defined more than once", at.child("binding").String(), ns.Binding)
		}
		seen[ns.Binding] = true
		out = append(out, ns)
	}
	return out
}
