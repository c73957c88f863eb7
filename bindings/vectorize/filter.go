package vectorize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"
)

// A filter is parsed once per query into clauses over metadata properties, all of which must
// hold (Vectorize has no OR). Semantics follow Cloudflare's "Metadata filtering" page, with
// MongoDB's for what the page leaves open: a vector without an indexed value for a property
// matches $ne, $nin and {$eq: null}, and nothing else on it.

// kind is the type of a metadata value.
type kind uint8

const (
	kindNull kind = iota
	kindString
	kindNumber
	kindBool
)

// value is one scalar of metadata or of a filter.
type value struct {
	kind kind
	s    string
	n    float64
}

func (v value) equal(w value) bool {
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case kindString:
		return v.s == w.s
	case kindNumber, kindBool:
		return v.n == w.n
	}
	return true
}

// compare orders two values of one kind (strings by bytes, numbers numerically).
func (v value) compare(w value) int {
	if v.kind == kindString {
		return strings.Compare(v.s, w.s)
	}
	switch {
	case v.n < w.n:
		return -1
	case v.n > w.n:
		return 1
	}
	return 0
}

// indexedValue is a vector's value for one metadata index.
type indexedValue struct {
	prop string
	v    value
}

type opKind uint8

const (
	opEq opKind = iota
	opNe
	opIn
	opNin
	opRange
)

// bound is one end of a range; set is false when that end is open.
type bound struct {
	set, incl bool
	v         value
}

type clause struct {
	prop   string
	op     opKind
	vals   []value
	lo, hi bound
}

type filter []clause

// filterError is the error of a malformed filter. The live service's code for it is not known.
func filterError(format string, args ...any) error {
	return &Error{Op: "VECTOR_QUERY", Text: "invalid filter: " + fmt.Sprintf(format, args...)}
}

// parseFilter checks raw against Cloudflare's rules and compiles it.
func parseFilter(raw json.RawMessage) (filter, error) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, filterError("filter is not JSON: %v", err)
	}
	if compact.Len() >= MaxFilterBytes {
		return nil, filterError("the filter's compact JSON is %d bytes; it must be less than %d", compact.Len(), MaxFilterBytes)
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, filterError("filter must be a non-empty object")
	}
	if len(obj) == 0 {
		return nil, filterError("filter must be a non-empty object")
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	f := make(filter, 0, len(keys))
	for _, k := range keys {
		if err := checkFilterKey(k); err != nil {
			return nil, err
		}
		c := clause{prop: k}
		switch x := obj[k].(type) {
		case map[string]any:
			if err := c.parseOps(x); err != nil {
				return nil, err
			}
		case []any:
			return nil, filterError("the value of %q must be a string, number, boolean, null or an operator object, not an array", k)
		default:
			v, ok := scalar(x)
			if !ok {
				return nil, filterError("the value of %q must be a string, number, boolean or null", k)
			}
			c.op, c.vals = opEq, []value{indexable(v)}
		}
		f = append(f, c)
	}
	return f, nil
}

func checkFilterKey(k string) error {
	switch {
	case k == "":
		return filterError("keys cannot be empty")
	case strings.Contains(k, `"`):
		return filterError("key %q cannot contain '\"'", k)
	case strings.HasPrefix(k, "$"):
		return filterError("key %q cannot start with '$'", k)
	case utf8.RuneCountInString(k) > MaxFilterKeyChars:
		return filterError("key %q is longer than %d characters", k[:32]+"…", MaxFilterKeyChars)
	}
	for _, part := range strings.Split(k, ".") {
		if part == "" {
			return filterError("key %q has an empty part: '.' separates nested properties", k)
		}
	}
	return nil
}

func (c *clause) parseOps(ops map[string]any) error {
	if len(ops) == 0 {
		return filterError("the operator object of %q is empty", c.prop)
	}
	ranges := 0
	for op, arg := range ops {
		switch op {
		case "$eq", "$ne":
			if len(ops) != 1 {
				return filterError("%s on %q cannot be combined with other operators", op, c.prop)
			}
			v, ok := scalar(arg)
			if !ok {
				return filterError("%s on %q takes a string, number, boolean or null", op, c.prop)
			}
			c.op, c.vals = opEq, []value{indexable(v)}
			if op == "$ne" {
				c.op = opNe
			}
		case "$in", "$nin":
			if len(ops) != 1 {
				return filterError("%s on %q cannot be combined with other operators", op, c.prop)
			}
			arr, ok := arg.([]any)
			if !ok {
				return filterError("%s on %q takes an array", op, c.prop)
			}
			c.op, c.vals = opIn, make([]value, 0, len(arr))
			if op == "$nin" {
				c.op = opNin
			}
			for _, e := range arr {
				v, ok := scalar(e)
				if !ok {
					return filterError("%s on %q takes an array of strings, numbers, booleans or nulls", op, c.prop)
				}
				c.vals = append(c.vals, indexable(v))
			}
		case "$lt", "$lte", "$gt", "$gte":
			v, ok := scalar(arg)
			if !ok || v.kind != kindString && v.kind != kindNumber {
				return filterError("%s on %q takes a string or a number", op, c.prop)
			}
			b := bound{set: true, incl: strings.HasSuffix(op, "e"), v: indexable(v)}
			if op[1] == 'l' {
				if c.hi.set {
					return filterError("%q has two upper bounds", c.prop)
				}
				c.hi = b
			} else {
				if c.lo.set {
					return filterError("%q has two lower bounds", c.prop)
				}
				c.lo = b
			}
			ranges++
		default:
			return filterError("unsupported operator %q on %q", op, c.prop)
		}
	}
	if ranges > 0 {
		if ranges != len(ops) {
			return filterError("range operators on %q cannot be combined with other operators", c.prop)
		}
		if c.lo.set && c.hi.set && c.lo.v.kind != c.hi.v.kind {
			return filterError("the bounds of %q must both be strings or both numbers", c.prop)
		}
		c.op = opRange
	}
	return nil
}

// scalar converts a decoded JSON scalar.
func scalar(x any) (value, bool) {
	switch v := x.(type) {
	case nil:
		return value{kind: kindNull}, true
	case string:
		return value{kind: kindString, s: v}, true
	case float64:
		return value{kind: kindNumber, n: v}, true
	case bool:
		n := 0.0
		if v {
			n = 1
		}
		return value{kind: kindBool, n: n}, true
	}
	return value{}, false
}

// indexable truncates a string to what a metadata index holds: its first MaxIndexedBytes,
// cut back to a whole UTF-8 character, so that a filter compares what the index compares.
func indexable(v value) value {
	if v.kind == kindString {
		v.s = truncateUTF8(v.s, MaxIndexedBytes)
	}
	return v
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 {
		r, size := utf8.DecodeLastRuneInString(s)
		if r != utf8.RuneError || size > 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}

// matches reports whether a vector with the indexed values vals passes every clause.
func (f filter) matches(vals []indexedValue) bool {
	for i := range f {
		if !f[i].matches(vals) {
			return false
		}
	}
	return true
}

func (c *clause) matches(vals []indexedValue) bool {
	v, has := value{}, false
	for _, iv := range vals {
		if iv.prop == c.prop {
			v, has = iv.v, true
			break
		}
	}
	if !has {
		v = value{kind: kindNull}
	}
	switch c.op {
	case opEq:
		return v.equal(c.vals[0])
	case opNe:
		return !v.equal(c.vals[0])
	case opIn, opNin:
		in := false
		for _, w := range c.vals {
			if v.equal(w) {
				in = true
				break
			}
		}
		return in == (c.op == opIn)
	}
	// A range matches only values of its kind.
	kind := c.lo.v.kind
	if !c.lo.set {
		kind = c.hi.v.kind
	}
	if !has || v.kind != kind {
		return false
	}
	if c.lo.set {
		if r := v.compare(c.lo.v); r < 0 || r == 0 && !c.lo.incl {
			return false
		}
	}
	if c.hi.set {
		if r := v.compare(c.hi.v); r > 0 || r == 0 && !c.hi.incl {
			return false
		}
	}
	return true
}

// indexValues extracts from metadata the values of the metadata indexes made before the
// vector was written (seq), keeping only values of each index's type.
func indexValues(meta map[string]any, idx []MetadataIndex, seq uint64) []indexedValue {
	var out []indexedValue
	for _, mi := range idx {
		if mi.seq >= seq {
			continue
		}
		x, ok := lookup(meta, mi.Property)
		if !ok {
			continue
		}
		v, ok := scalar(x)
		if !ok {
			continue
		}
		switch {
		case mi.Type == String && v.kind == kindString,
			mi.Type == Number && v.kind == kindNumber && !math.IsNaN(v.n),
			mi.Type == Boolean && v.kind == kindBool:
			out = append(out, indexedValue{prop: mi.Property, v: indexable(v)})
		}
	}
	return out
}

// lookup follows a dotted path through nested objects.
func lookup(meta map[string]any, path string) (any, bool) {
	var cur any = meta
	for part := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// indexedJSON is the metadata "indexed" returns: the indexed values, nested back along their
// dotted paths, strings as truncated as the index holds them.
func indexedJSON(vals []indexedValue) json.RawMessage {
	root := map[string]any{}
	for _, iv := range vals {
		parts := strings.Split(iv.prop, ".")
		m := root
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		var x any
		switch iv.v.kind {
		case kindString:
			x = iv.v.s
		case kindNumber:
			x = iv.v.n
		case kindBool:
			x = iv.v.n == 1
		}
		m[parts[len(parts)-1]] = x
	}
	b, _ := json.Marshal(root)
	return b
}
