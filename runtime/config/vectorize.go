package config

// VectorizeIndex is one entry of vectorize: a Vectorize index bound into env.
type VectorizeIndex struct {
	// Binding is the name the worker sees it under (env.BINDING).
	Binding string
	// IndexName is the index's name, as `molt vectorize create` made it.
	IndexName string
}

func (r *fieldReader) vectorizeIndexes() []VectorizeIndex {
	v, at, ok := r.get("vectorize")
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		r.fail(at, "%q must be an array of indexes, got %s", at.String(), describe(v))
		return nil
	}
	out := make([]VectorizeIndex, 0, len(arr))
	seen := map[string]bool{}
	for i, e := range arr {
		at := at.index(i)
		m, ok := e.(map[string]any)
		if !ok {
			r.fail(at, "%q must be an object with binding and index_name, got %s", at.String(), describe(e))
			continue
		}
		str := func(key string) string {
			v, present := m[key]
			if !present || v == nil {
				r.fail(at, "%q must have a %q field", at.String(), key)
				return ""
			}
			s, ok := v.(string)
			if !ok {
				r.fail(at.child(key), "%q must be a string, got %s", at.child(key).String(), describe(v))
			}
			return s
		}
		ix := VectorizeIndex{Binding: str("binding"), IndexName: str("index_name")}
		switch {
		case ix.Binding == "":
		case !validBinding.MatchString(ix.Binding):
			r.fail(at.child("binding"), "%q must be a valid JavaScript identifier, got %q", at.child("binding").String(), ix.Binding)
		case seen[ix.Binding]:
			r.fail(at.child("binding"), "%q: the binding %q is defined more than once", at.child("binding").String(), ix.Binding)
		}
		seen[ix.Binding] = true
		out = append(out, ix)
	}
	return out
}
