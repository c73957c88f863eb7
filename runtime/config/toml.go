package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// decodeTOML decodes a wrangler.toml file into the values encoding/json would produce for the
// same configuration written as JSON.
func decodeTOML(file string, src []byte) (*document, error) {
	text := string(src)
	var raw map[string]any
	if _, err := toml.Decode(text, &raw); err != nil {
		var perr toml.ParseError
		if !errors.As(err, &perr) || perr.Position.Line == 0 {
			return nil, &Error{File: file, Msg: err.Error()}
		}
		// Position.Start is exact; Line and Col are not always (see tomlPosition).
		return nil, errorAt(file, src, perr.Position.Start, "%s", perr.Message)
	}
	d := &document{file: file, locate: func(p keyPath) (int, int) { return tomlPosition(text, p) }}
	root, date := fromTOML(raw)
	if date != nil {
		slices.Reverse(date)
		return nil, d.errorAt(date, "%q is a TOML date, which is not supported; write it as a string", date.String())
	}
	d.root = root.(map[string]any)
	return d, nil
}

// fromTOML converts a decoded TOML value: integers become float64 and arrays of tables []any.
// Dates and times have no JSON equivalent, and wrangler refuses them where it checks (vars,
// compatibility_date), so they are refused anywhere: fromTOML then returns the path to one,
// innermost key first (so that building it costs no more than its depth).
func fromTOML(v any) (any, keyPath) {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			c, date := fromTOML(e)
			if date != nil {
				return nil, append(date, k)
			}
			out[k] = c
		}
		return out, nil
	case []map[string]any:
		out := make([]any, len(v))
		for i, e := range v {
			c, date := fromTOML(e)
			if date != nil {
				return nil, append(date, indexKey(i))
			}
			out[i] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			c, date := fromTOML(e)
			if date != nil {
				return nil, append(date, indexKey(i))
			}
			out[i] = c
		}
		return out, nil
	case int64:
		return float64(v), nil
	case time.Time:
		return nil, keyPath{}
	}
	return v, nil // float64, string, bool
}

// errProbe is what tomlProbe refuses to decode with.
var errProbe = errors.New("position probe")

// tomlProbe is a value that never decodes.
type tomlProbe struct{}

// UnmarshalTOML fails, so that the decoder reports where the value is.
func (tomlProbe) UnmarshalTOML(any) error { return errProbe }

// tomlPosition finds where the value at p is written in src. BurntSushi/toml reports positions
// only in the errors it returns while decoding, so this decodes src into a struct that holds
// just p's keys and whose innermost value refuses to decode: the error carries the position.
// Elements of an array have the array's position. It returns 0, 0 when there is none.
func tomlPosition(src string, p keyPath) (line, col int) {
	for i, k := range p {
		if isIndex(k) {
			p = p[:i]
			break
		}
	}
	if len(p) == 0 {
		return 0, 0
	}
	t := reflect.TypeFor[tomlProbe]()
	for i := len(p) - 1; i >= 0; i-- {
		tag := reflect.StructTag(fmt.Sprintf("toml:%s", strconv.Quote(p[i])))
		t = reflect.StructOf([]reflect.StructField{{Name: "V", Type: t, Tag: tag}})
	}
	_, err := toml.Decode(src, reflect.New(t).Interface())
	var perr toml.ParseError
	if !errors.As(err, &perr) || perr.Message != errProbe.Error() || perr.Position.Line == 0 {
		return 0, 0
	}
	// Start is exact where Line and Col are not (in multi-line values and table headers),
	// but it points past the opening quotes of a string and the bracket of an array or
	// inline table: step back onto them.
	off := min(perr.Position.Start, len(src))
	if off > 0 && strings.IndexByte(`"'[{`, src[off-1]) >= 0 {
		for q, n := src[off-1], 0; n < 3 && off > 0 && src[off-1] == q; n++ {
			off--
		}
	}
	return lineCol([]byte(src), off)
}
