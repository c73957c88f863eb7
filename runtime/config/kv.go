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
	return bindingEntries(r, "kv_namespaces", "namespaces", "binding and id",
		func(str func(field string, required bool) string) (KVNamespace, string) {
			ns := KVNamespace{Binding: str("binding", true), ID: str("id", false), PreviewID: str("preview_id", false)}
			return ns, ns.Binding
		})
}

// bindingEntries reads the array of binding tables under key (kv_namespaces, vectorize): each
// entry must be an object, which read turns into its value through the entry's string fields;
// read also names the entry's binding, which must be a JavaScript identifier used once.
// noun and shape word the errors ("an array of namespaces", "an object with binding and id").
func bindingEntries[T any](r *fieldReader, key, noun, shape string, read func(str func(field string, required bool) string) (T, string)) []T {
	v, at, ok := r.get(key)
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		r.fail(at, "%q must be an array of %s, got %s", at.String(), noun, describe(v))
		return nil
	}
	out := make([]T, 0, len(arr))
	seen := map[string]bool{}
	for i, e := range arr {
		at := at.index(i)
		m, ok := e.(map[string]any)
		if !ok {
			r.fail(at, "%q must be an object with %s, got %s", at.String(), shape, describe(e))
			continue
		}
		str := func(field string, required bool) string {
			v, present := m[field]
			if !present || v == nil {
				if required {
					r.fail(at, "%q must have a %q field", at.String(), field)
				}
				return ""
			}
			s, ok := v.(string)
			if !ok {
				r.fail(at.child(field), "%q must be a string, got %s", at.child(field).String(), describe(v))
			}
			return s
		}
		item, binding := read(str)
		switch {
		case binding == "":
		case !validBinding.MatchString(binding):
			r.fail(at.child("binding"), "%q must be a valid JavaScript identifier, got %q", at.child("binding").String(), binding)
		case seen[binding]:
			r.fail(at.child("binding"), "%q: the binding %q is defined more than once", at.child("binding").String(), binding)
		}
		seen[binding] = true
		out = append(out, item)
	}
	return out
}
