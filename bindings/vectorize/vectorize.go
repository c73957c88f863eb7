// Package vectorize is Cloudflare Vectorize (the V2 API) for molt: persistent vector indexes
// with nearest-neighbour queries, namespaces and metadata filters, checked against Cloudflare's
// limits and answering with Cloudflare's error shapes.
//
//	store, err := vectorize.Open(filepath.Join(stateDir, "vectorize", "vectorize.db"), vectorize.Options{})
//	_, err = store.CreateIndex(vectorize.IndexConfig{Name: "docs", Dimensions: 384, Metric: vectorize.Cosine})
//	b := vectorize.NewBinding(store, "docs")
//	_, err = b.Upsert([]vectorize.Vector{{ID: "a", Values: v}})
//	matches, err := b.Query(q, vectorize.QueryOptions{TopK: 10})
//
// An Index holds its vectors in memory (a float32 slab) and answers queries by exact search
// while it is small and through an HNSW graph, built incrementally on every insert, once it is
// large. Vectors are durable in bbolt before a mutation returns; the graph is snapshotted to the
// same file in the background and on Close, and reconciled with the vectors on load, so a crash
// costs at most re-inserting the vectors written since the last snapshot. Nothing here knows
// JavaScript; isolates/js adapts a *Binding into the VectorizeIndex object workers see.
package vectorize

import (
	"encoding/json"
	"fmt"
)

// Cloudflare's Vectorize V2 limits (developers.cloudflare.com/vectorize/platform/limits).
const (
	// MaxDimensions is the largest dimension count of an index.
	MaxDimensions = 1536
	// MaxIDBytes is the longest vector id, in bytes.
	MaxIDBytes = 64
	// MaxMetadataBytes is the largest metadata of one vector, in bytes of its JSON.
	MaxMetadataBytes = 10 << 10
	// MaxTopK is the largest topK without values or all metadata returned.
	MaxTopK = 100
	// MaxTopKWithPayload is the largest topK with returnValues or returnMetadata "all".
	MaxTopKWithPayload = 20
	// DefaultTopK is topK when a query does not set it.
	DefaultTopK = 5
	// MaxBatch is the most vectors one insert or upsert from a Worker may carry.
	MaxBatch = 1000
	// MaxIndexNameBytes is the longest index name.
	MaxIndexNameBytes = 64
	// MaxNamespaceBytes is the longest namespace name.
	MaxNamespaceBytes = 64
	// MaxMetadataIndexes is the most metadata indexes of one index.
	MaxMetadataIndexes = 10
	// MaxIndexedBytes is how much of a string value a metadata index holds.
	MaxIndexedBytes = 64
	// MaxFilterBytes bounds a filter: its compact JSON must be shorter than this.
	MaxFilterBytes = 2048
	// MaxFilterKeyChars is the longest key of a filter.
	MaxFilterKeyChars = 512
	// MaxGetIDs is the most ids one getByIds may ask for (the live service's limit).
	MaxGetIDs = 20
	// MaxDeleteIDs is the most ids one deleteByIds may carry (the live service's limit).
	MaxDeleteIDs = 100
)

// Metric is an index's distance metric.
type Metric string

// The distance metrics, with scores as Cloudflare's "Create indexes" page defines them.
const (
	// Cosine scores the cosine similarity: 1 identical, 0 orthogonal, -1 opposite; higher
	// ranks first.
	Cosine Metric = "cosine"
	// Euclidean scores the L2 distance: 0 identical; lower ranks first.
	Euclidean Metric = "euclidean"
	// DotProduct scores the negative dot product; lower ranks first.
	DotProduct Metric = "dot-product"
)

// Valid reports whether m is one of the three metrics.
func (m Metric) Valid() bool { return m == Cosine || m == Euclidean || m == DotProduct }

// MetadataType is the type of a metadata index.
type MetadataType string

// The metadata index types.
const (
	// String indexes the first MaxIndexedBytes of string values.
	String MetadataType = "string"
	// Number indexes numbers as float64.
	Number MetadataType = "number"
	// Boolean indexes true and false.
	Boolean MetadataType = "boolean"
)

// Vector is one stored vector.
type Vector struct {
	// ID identifies the vector in its index, at most MaxIDBytes.
	ID string
	// Namespace is the vector's partition; "" is none.
	Namespace string
	// Values are the vector's components; Vectorize keeps 32-bit precision.
	Values []float32
	// Metadata is a JSON object, or nil.
	Metadata json.RawMessage
}

// Match is one result of a query.
type Match struct {
	// ID is the vector's id.
	ID string `json:"id"`
	// Namespace is the vector's namespace, "" when none.
	Namespace string `json:"namespace,omitempty"`
	// Score is the metric's score (see Metric).
	Score float64 `json:"score"`
	// Values are the vector's values when the query asked for them.
	Values []float32 `json:"values,omitempty"`
	// Metadata is the vector's metadata (all of it, or its indexed part) when asked for.
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// Matches is a query's answer.
type Matches struct {
	// Count is len(Matches).
	Count int `json:"count"`
	// Matches are the best vectors, best first.
	Matches []Match `json:"matches"`
}

// QueryOptions are the options of a query.
type QueryOptions struct {
	// TopK is how many matches to return; 0 means DefaultTopK.
	TopK int
	// Namespace restricts the query to one namespace when not "".
	Namespace string
	// ReturnValues adds the vectors' values to the matches.
	ReturnValues bool
	// ReturnMetadata is "none" (or ""), "indexed" or "all".
	ReturnMetadata string
	// Filter is the metadata filter as JSON, nil for none.
	Filter json.RawMessage
}

// Mutation identifies an accepted insert, upsert or delete, as Vectorize V2 reports it.
type Mutation struct {
	// MutationID is a UUID unique to the mutation.
	MutationID string `json:"mutationId"`
}

// Info is what describe() reports of an index.
type Info struct {
	// Dimensions is the index's dimension count.
	Dimensions int `json:"dimensions"`
	// VectorCount is the number of vectors stored.
	VectorCount int `json:"vectorCount"`
	// ProcessedUpToDatetime is when the last mutation was applied (ISO 8601), nil before any.
	ProcessedUpToDatetime *string `json:"processedUpToDatetime"`
	// ProcessedUpToMutation is the last mutation's id, nil before any. Locally every
	// mutation is applied before it returns.
	ProcessedUpToMutation *string `json:"processedUpToMutation"`
}

// MetadataIndex is one metadata index: filters may use Property.
type MetadataIndex struct {
	// Property is the metadata property, dotted for nested ones ("pandas.nice").
	Property string `json:"propertyName"`
	// Type is the indexed type; values of other types are not indexed.
	Type MetadataType `json:"indexType"`
	// seq is the index's mutation sequence when the metadata index was made: only vectors
	// written after it are in it, as on Cloudflare.
	seq uint64
}

// Error is a failure Vectorize reports; workerd turns it into an Error whose message is
// "<OP>_ERROR (code = <code>): <text>". Code is 0 where the live service's code is unknown,
// and the message is then "<OP>_ERROR: <text>", as workerd formats a codeless error.
type Error struct {
	// Op is the operation: VECTOR_QUERY, VECTOR_INSERT, VECTOR_UPSERT, VECTOR_GET,
	// VECTOR_DELETE or INDEX_GET.
	Op string
	// Code is Vectorize's error code.
	Code int
	// Text is the explanation.
	Text string
}

// Error is the message workerd gives the JavaScript Error.
func (e *Error) Error() string {
	if e.Code == 0 {
		return fmt.Sprintf("%s_ERROR: %s", e.Op, e.Text)
	}
	return fmt.Sprintf("%s_ERROR (code = %d): %s", e.Op, e.Code, e.Text)
}

// Error codes the live service answers with (they are not documented; these are the ones its
// users have reported).
const (
	codeQueryDimensions = 40006
	codeTooManyIDs      = 40007
	codeIDTooLong       = 40008
	codeVectorInvalid   = 40012
	codeTopK            = 40025
	codeBadRequest      = 40026
)

// ErrNotFound is the error of an index that does not exist.
type ErrNotFound struct{ Name string }

// Error names the missing index.
func (e *ErrNotFound) Error() string { return fmt.Sprintf("vectorize index %q not found", e.Name) }
