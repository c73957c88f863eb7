package config

// AIBinding is the [ai] table: the Workers AI binding.
type AIBinding struct {
	// Binding is the name the worker sees it under (env.BINDING).
	Binding string
}

// ai reads [ai]; nil when the configuration has none.
func (r *fieldReader) ai() *AIBinding {
	v, at, ok := r.get("ai")
	if !ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		r.fail(at, "%q must be an object with a binding, got %s", at.String(), describe(v))
		return nil
	}
	b, present := m["binding"]
	name, isString := b.(string)
	bat := at.child("binding")
	switch {
	case !present || b == nil:
		r.fail(at, "%q must have a %q field", at.String(), "binding")
		return nil
	case !isString:
		r.fail(bat, "%q must be a string, got %s", bat.String(), describe(b))
		return nil
	case !validBinding.MatchString(name):
		r.fail(bat, "%q must be a valid JavaScript identifier, got %q", bat.String(), name)
		return nil
	}
	return &AIBinding{Binding: name}
}
