package js

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/dop251/goja"

	"github.com/moltworker/molt/bindings/vectorize"
)

// The VectorizeIndex of env is lib/vectorize.js over the natives below. As for KV, a native
// takes the Go *vectorize.Binding the library holds, does the work off the loop and settles
// its promise on the loop; results cross as JSON text, which the library parses, because a
// match list is plain data and JSON.parse builds it faster than goja's reflection would.

func init() {
	register("vectorize", nil, func(iso *Isolate) map[string]any {
		a := &vectorizeAdapter{iso: iso}
		return map[string]any{
			"setErrors":   func(fn goja.Callable) { a.mkErr = fn },
			"describe":    a.describe,
			"query":       a.query,
			"write":       a.write,
			"getByIds":    a.getByIDs,
			"deleteByIds": a.deleteByIDs,
		}
	})
	registerBinding(func(iso *Isolate, b *vectorize.Binding) goja.Value {
		create, _ := goja.AssertFunction(iso.load("vectorize").Get("create"))
		v, err := create(goja.Undefined(), iso.vm.ToValue(b))
		if err != nil {
			panic(err)
		}
		return v
	})
}

type vectorizeAdapter struct {
	iso   *Isolate
	mkErr goja.Callable // (message) → Error, from the library
}

func (a *vectorizeAdapter) binding(v goja.Value) *vectorize.Binding {
	b, ok := v.Export().(*vectorize.Binding)
	if !ok {
		a.iso.throwTypeError("Illegal invocation")
	}
	return b
}

// async runs work off the loop and resolves with the JSON text it returns, or rejects with the
// error workerd would throw.
func (a *vectorizeAdapter) async(op string, work func() (any, error)) goja.Value {
	iso := a.iso
	p, resolve, reject := iso.vm.NewPromise()
	done := iso.loop.reserve()
	iso.loop.goAsync(done, func() {
		v, err := work()
		var text []byte
		if err == nil {
			if text, err = json.Marshal(v); err != nil {
				err = fmt.Errorf("vectorize: encoding the result: %w", err)
			}
		}
		done(func() error {
			if err != nil {
				return iso.settle(reject, a.jsError(op, err))
			}
			return iso.settle(resolve, iso.vm.ToValue(string(text)))
		})
	})
	return iso.vm.ToValue(p)
}

// jsError is workerd's Error for a failed request: "<OP>_ERROR (code = N): text" for the
// service's errors; a storage failure is logged and reported as the status workerd shows
// when the service answers without a JSON error.
func (a *vectorizeAdapter) jsError(op string, err error) goja.Value {
	msg := ""
	var ve *vectorize.Error
	if errors.As(err, &ve) {
		msg = ve.Error()
	} else {
		a.iso.logf(LevelError, "molt: %v", err)
		msg = op + "_ERROR: Status + 500"
	}
	if a.mkErr == nil {
		return a.iso.vm.NewGoError(errors.New(msg))
	}
	e, callErr := a.mkErr(goja.Undefined(), a.iso.vm.ToValue(msg))
	if callErr != nil {
		return a.iso.vm.ToValue(callErr.Error())
	}
	return e
}

// parseError is the service's answer to a body it cannot decode.
func parseError(op, what string) error {
	return &vectorize.Error{Op: op, Code: 40026, Text: "Failed to parse the request body as JSON: " + what}
}

func (a *vectorizeAdapter) describe(c goja.FunctionCall) goja.Value {
	b := a.binding(c.Argument(0))
	return a.async("INDEX_GET", func() (any, error) { return b.Describe() })
}

// floats decodes the little-endian float32 bytes the library sends; they are copied, since
// JavaScript may change the buffer once the call returns.
func (a *vectorizeAdapter) floats(v goja.Value) []float32 {
	raw, ok := a.iso.chunkBytes(v)
	if !ok || len(raw)%4 != 0 {
		a.iso.throwTypeError("Illegal invocation")
	}
	out := make([]float32, len(raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}

// wireOptions are the query options as the service decodes them from JSON.
type wireOptions struct {
	TopK           *json.RawMessage `json:"topK"`
	Namespace      *string          `json:"namespace"`
	ReturnValues   *bool            `json:"returnValues"`
	ReturnMetadata *json.RawMessage `json:"returnMetadata"`
	Filter         json.RawMessage  `json:"filter"`
}

func decodeOptions(text string) (vectorize.QueryOptions, error) {
	var w wireOptions
	var o vectorize.QueryOptions
	if err := json.Unmarshal([]byte(text), &w); err != nil {
		return o, parseError("VECTOR_QUERY", err.Error())
	}
	if w.TopK != nil && string(*w.TopK) != "null" {
		var k float64
		if json.Unmarshal(*w.TopK, &k) != nil || k != math.Trunc(k) || k > math.MaxInt32 || k < math.MinInt32 {
			return o, parseError("VECTOR_QUERY", "topK: invalid type")
		}
		o.TopK = int(k)
		if o.TopK == 0 {
			o.TopK = -1 // an explicit 0 is not the default
		}
	}
	if w.Namespace != nil {
		o.Namespace = *w.Namespace
	}
	if w.ReturnValues != nil {
		o.ReturnValues = *w.ReturnValues
	}
	if w.ReturnMetadata != nil && string(*w.ReturnMetadata) != "null" {
		if json.Unmarshal(*w.ReturnMetadata, &o.ReturnMetadata) != nil {
			return o, parseError("VECTOR_QUERY", "returnMetadata: expected value")
		}
	}
	o.Filter = w.Filter
	return o, nil
}

// wireMatch is a match as the service sends it: values as the float64 of each float32, as
// Cloudflare's answers show them (58.79999923706055 for 58.8).
type wireMatch struct {
	ID        string          `json:"id"`
	Namespace string          `json:"namespace,omitempty"`
	Score     float64         `json:"score"`
	Values    []float64       `json:"values,omitempty"`
	Metadata  json.RawMessage `json:"metadata,omitempty"`
}

func widen(v []float32) []float64 {
	if v == nil {
		return nil
	}
	out := make([]float64, len(v))
	for i, f := range v {
		out[i] = float64(f)
	}
	return out
}

// query(b, vectorBytes or null, vectorId, optionsJSON) resolves to {count, matches}.
func (a *vectorizeAdapter) query(c goja.FunctionCall) goja.Value {
	b := a.binding(c.Argument(0))
	var vector []float32
	byID := ""
	if v := c.Argument(1); goja.IsNull(v) || goja.IsUndefined(v) {
		byID = c.Argument(2).String()
	} else {
		vector = a.floats(v)
	}
	text := c.Argument(3).String()
	return a.async("VECTOR_QUERY", func() (any, error) {
		opts, err := decodeOptions(text)
		if err != nil {
			return nil, err
		}
		var res vectorize.Matches
		if vector != nil {
			res, err = b.Query(vector, opts)
		} else {
			res, err = b.QueryByID(byID, opts)
		}
		if err != nil {
			return nil, err
		}
		out := struct {
			Count   int         `json:"count"`
			Matches []wireMatch `json:"matches"`
		}{res.Count, make([]wireMatch, len(res.Matches))}
		for i, m := range res.Matches {
			out.Matches[i] = wireMatch{m.ID, m.Namespace, m.Score, widen(m.Values), m.Metadata}
		}
		return out, nil
	})
}

// write(b, insert, ids, namespaces, metadataJSONs, lengths, valueBytes) resolves to
// {mutationId}.
func (a *vectorizeAdapter) write(c goja.FunctionCall) goja.Value {
	b := a.binding(c.Argument(0))
	insert := c.Argument(1).ToBoolean()
	var ids, nss, metas []string
	var lengths []int
	vm := a.iso.vm
	if vm.ExportTo(c.Argument(2), &ids) != nil || vm.ExportTo(c.Argument(3), &nss) != nil ||
		vm.ExportTo(c.Argument(4), &metas) != nil || vm.ExportTo(c.Argument(5), &lengths) != nil {
		a.iso.throwTypeError("Illegal invocation")
	}
	values := a.floats(c.Argument(6))
	op := "VECTOR_UPSERT"
	if insert {
		op = "VECTOR_INSERT"
	}
	vs := make([]vectorize.Vector, len(ids))
	off := 0
	for i := range vs {
		vs[i] = vectorize.Vector{ID: ids[i], Namespace: nss[i], Values: values[off : off+lengths[i] : off+lengths[i]]}
		if metas[i] != "" {
			vs[i].Metadata = json.RawMessage(metas[i])
		}
		off += lengths[i]
	}
	return a.async(op, func() (any, error) {
		if insert {
			return b.Insert(vs)
		}
		return b.Upsert(vs)
	})
}

func decodeIDs(op, text string) ([]string, error) {
	var body struct{ IDs []string }
	if err := json.Unmarshal([]byte(text), &body); err != nil {
		return nil, parseError(op, "ids: "+err.Error())
	}
	return body.IDs, nil
}

func (a *vectorizeAdapter) getByIDs(c goja.FunctionCall) goja.Value {
	b := a.binding(c.Argument(0))
	text := c.Argument(1).String()
	return a.async("VECTOR_GET", func() (any, error) {
		ids, err := decodeIDs("VECTOR_GET", text)
		if err != nil {
			return nil, err
		}
		vs, err := b.GetByIDs(ids)
		if err != nil {
			return nil, err
		}
		type wireVector struct {
			ID        string          `json:"id"`
			Namespace string          `json:"namespace,omitempty"`
			Values    []float64       `json:"values"`
			Metadata  json.RawMessage `json:"metadata,omitempty"`
		}
		out := make([]wireVector, len(vs))
		for i, v := range vs {
			out[i] = wireVector{v.ID, v.Namespace, widen(v.Values), v.Metadata}
		}
		return out, nil
	})
}

func (a *vectorizeAdapter) deleteByIDs(c goja.FunctionCall) goja.Value {
	b := a.binding(c.Argument(0))
	text := c.Argument(1).String()
	return a.async("VECTOR_DELETE", func() (any, error) {
		ids, err := decodeIDs("VECTOR_DELETE", text)
		if err != nil {
			return nil, err
		}
		return b.DeleteByIDs(ids)
	})
}
