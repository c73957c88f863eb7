package config

// VectorizeIndex is one entry of vectorize: a Vectorize index bound into env.
type VectorizeIndex struct {
	// Binding is the name the worker sees it under (env.BINDING).
	Binding string
	// IndexName is the index's name, as `molt vectorize create` made it.
	IndexName string
}

func (r *fieldReader) vectorizeIndexes() []VectorizeIndex {
	return bindingEntries(r, "vectorize", "indexes", "binding and index_name",
		func(str func(field string, required bool) string) (VectorizeIndex, string) {
			ix := VectorizeIndex{Binding: str("binding", true), IndexName: str("index_name", true)}
			return ix, ix.Binding
		})
}
