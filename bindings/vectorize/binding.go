package vectorize

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
)

// Binding is a [[vectorize]] binding: the index a worker names, resolved on every call so
// that an index created, deleted or re-created while the worker runs is seen at once. Its
// methods are Vectorize's V2 operations with their argument checks and error shapes.
type Binding struct {
	store      *Store
	name       string
	autoCreate *slog.Logger
}

// NewBinding returns the binding of index name in store.
func NewBinding(store *Store, name string) *Binding { return &Binding{store: store, name: name} }

// WithAutoCreate returns a copy of b that creates a missing index on its first insert or
// upsert, with the dimensions of the first vector and the cosine metric, and says so on log.
// wrangler dev has no local Vectorize to copy; this lets a project run before anyone types
// molt vectorize create.
func (b *Binding) WithAutoCreate(log *slog.Logger) *Binding {
	c := *b
	c.autoCreate = log
	return &c
}

// IndexName is the name of the bound index.
func (b *Binding) IndexName() string { return b.name }

func (b *Binding) index(op string) (*Index, error) {
	x, err := b.store.Index(b.name)
	if _, ok := err.(*ErrNotFound); ok {
		return nil, &Error{Op: op, Text: fmt.Sprintf("index %q not found; create it with: molt vectorize create %s --dimensions N --metric cosine|euclidean|dot-product", b.name, b.name)}
	}
	return x, err
}

// Insert adds vectors whose ids are new; vectors with ids already stored are skipped.
func (b *Binding) Insert(vs []Vector) (Mutation, error) { return b.write("VECTOR_INSERT", vs, true) }

// Upsert adds vectors, replacing whole any stored vector with the same id.
func (b *Binding) Upsert(vs []Vector) (Mutation, error) { return b.write("VECTOR_UPSERT", vs, false) }

func (b *Binding) write(op string, vs []Vector, insert bool) (Mutation, error) {
	x, err := b.index(op)
	if err != nil && b.autoCreate != nil && len(vs) > 0 {
		dims := len(vs[0].Values)
		if _, cerr := b.store.CreateIndex(IndexConfig{Name: b.name, Dimensions: dims, Metric: Cosine}); cerr == nil {
			b.autoCreate.Warn(fmt.Sprintf("vectorize: created the missing index %q with %d dimensions and the cosine metric; use `molt vectorize create` to choose", b.name, dims))
		}
		x, err = b.index(op)
	}
	if err != nil {
		return Mutation{}, err
	}
	metas, err := checkVectors(op, vs, x.dims)
	if err != nil {
		return Mutation{}, err
	}
	return x.write(vs, metas, insert)
}

// checkVectors applies Vectorize's checks to a batch and parses each metadata object.
func checkVectors(op string, vs []Vector, dims int) ([]map[string]any, error) {
	fail := func(code int, format string, args ...any) ([]map[string]any, error) {
		return nil, &Error{Op: op, Code: code, Text: fmt.Sprintf(format, args...)}
	}
	if len(vs) > MaxBatch {
		return fail(codeBadRequest, "too many vectors in payload; max vector count is %d, got %d", MaxBatch, len(vs))
	}
	metas := make([]map[string]any, len(vs))
	for i := range vs {
		v := &vs[i]
		switch {
		case v.ID == "":
			return fail(codeBadRequest, "vector id must not be empty")
		case len(v.ID) > MaxIDBytes:
			return fail(codeIDTooLong, "id too long; max is %d bytes, got %d bytes", MaxIDBytes, len(v.ID))
		case len(v.Namespace) > MaxNamespaceBytes:
			return fail(codeBadRequest, "namespace too long; max is %d bytes, got %d bytes", MaxNamespaceBytes, len(v.Namespace))
		case len(v.Values) != dims:
			return fail(codeVectorInvalid, "invalid vector for id=%q, expected %d dimensions, and got %d dimensions", v.ID, dims, len(v.Values))
		case len(v.Metadata) > MaxMetadataBytes:
			return fail(codeBadRequest, "metadata too large for id=%q; max is %d bytes, got %d bytes", v.ID, MaxMetadataBytes, len(v.Metadata))
		}
		for _, f := range v.Values {
			if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
				return fail(codeVectorInvalid, "invalid vector for id=%q, values must be finite numbers", v.ID)
			}
		}
		if len(v.Metadata) > 0 && string(v.Metadata) != "null" {
			if err := json.Unmarshal(v.Metadata, &metas[i]); err != nil || metas[i] == nil {
				return fail(codeBadRequest, "invalid metadata for id=%q: it must be a JSON object", v.ID)
			}
		} else {
			v.Metadata = nil
		}
	}
	return metas, nil
}

// Query returns the vectors nearest to vector.
func (b *Binding) Query(vector []float32, opts QueryOptions) (Matches, error) {
	x, err := b.index("VECTOR_QUERY")
	if err != nil {
		return Matches{}, err
	}
	if len(vector) != x.dims {
		return Matches{}, &Error{Op: "VECTOR_QUERY", Code: codeQueryDimensions, Text: fmt.Sprintf("invalid query vector, expected %d dimensions, and got %d dimensions", x.dims, len(vector))}
	}
	return x.query(vector, "", opts)
}

// QueryByID returns the vectors nearest to the stored vector id; none when id is not stored.
func (b *Binding) QueryByID(id string, opts QueryOptions) (Matches, error) {
	x, err := b.index("VECTOR_QUERY")
	if err != nil {
		return Matches{}, err
	}
	return x.query(nil, id, opts)
}

func (x *Index) query(vector []float32, byID string, opts QueryOptions) (Matches, error) {
	fail := func(code int, format string, args ...any) (Matches, error) {
		return Matches{}, &Error{Op: "VECTOR_QUERY", Code: code, Text: fmt.Sprintf(format, args...)}
	}
	k := opts.TopK
	if k == 0 {
		k = DefaultTopK
	}
	payload := opts.ReturnValues || opts.ReturnMetadata == "all"
	switch {
	case k < 1:
		return fail(codeTopK, "invalid topK, expected a positive number, got %d", k)
	case payload && k > MaxTopKWithPayload:
		return fail(codeTopK, "with returnValues=true or returnMetadata=all, max top K is %d, but got %d", MaxTopKWithPayload, k)
	case k > MaxTopK:
		return fail(codeTopK, "max top K is %d, but got %d", MaxTopK, k)
	}
	switch opts.ReturnMetadata {
	case "", "none", "indexed", "all":
	default:
		return fail(codeBadRequest, "Failed to parse the request body as JSON: returnMetadata: expected value")
	}
	var f filter
	if len(opts.Filter) > 0 && string(opts.Filter) != "null" {
		var err error
		if f, err = parseFilter(opts.Filter); err != nil {
			return Matches{}, err
		}
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if byID != "" {
		s, ok := x.byID[byID]
		if !ok {
			return Matches{Matches: []Match{}}, nil
		}
		vector = append([]float32(nil), x.vec(s)...)
	}
	return x.matches(vector, x.search(vector, k, opts.Namespace, f), opts.ReturnValues, opts.ReturnMetadata), nil
}

// GetByIDs returns the stored vectors of ids, with values and metadata, in the order asked;
// ids not stored are left out.
func (b *Binding) GetByIDs(ids []string) ([]Vector, error) {
	if len(ids) > MaxGetIDs {
		return nil, &Error{Op: "VECTOR_GET", Code: codeTooManyIDs, Text: fmt.Sprintf("too many ids in payload; max id count is %d, got %d", MaxGetIDs, len(ids))}
	}
	x, err := b.index("VECTOR_GET")
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := []Vector{}
	for _, id := range ids {
		if v, ok := x.getVector(id); ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// DeleteByIDs deletes the vectors of ids; ids not stored are ignored.
func (b *Binding) DeleteByIDs(ids []string) (Mutation, error) {
	if len(ids) > MaxDeleteIDs {
		return Mutation{}, &Error{Op: "VECTOR_DELETE", Code: codeTooManyIDs, Text: fmt.Sprintf("too many ids in payload; max id count is %d, got %d", MaxDeleteIDs, len(ids))}
	}
	x, err := b.index("VECTOR_DELETE")
	if err != nil {
		return Mutation{}, err
	}
	return x.deleteIDs(ids)
}

// Describe reports the index's dimensions, vector count and last mutation.
func (b *Binding) Describe() (Info, error) {
	x, err := b.index("INDEX_GET")
	if err != nil {
		return Info{}, err
	}
	return x.info(), nil
}
