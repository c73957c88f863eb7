package config

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestDecodeJSONC(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      map[string]any
	}{
		{"plain", `{"a": 1, "b": [true, null, "x"]}`, map[string]any{"a": 1.0, "b": []any{true, nil, "x"}}},
		{"line comments", "// head\n{\"a\": 1 // one\n}\n// tail", map[string]any{"a": 1.0}},
		{"block comments", "/* a\n b */{/**/\"a\"/* : */:/*x*/1}/* end */", map[string]any{"a": 1.0}},
		{"comment markers in strings", `{"url": "https://x/*y*/", "c": "// no"}`, map[string]any{"url": "https://x/*y*/", "c": "// no"}},
		{"escaped quotes", `{"q": "a\"//\"b", "s": "\\"}`, map[string]any{"q": `a"//"b`, "s": `\`}},
		{"trailing commas", "{\"a\": [1, 2,], \"b\": {\"c\": 3,},}", map[string]any{"a": []any{1.0, 2.0}, "b": map[string]any{"c": 3.0}}},
		{"trailing comma before comment", "{\"a\": [1, // more\n /* later */ ],}", map[string]any{"a": []any{1.0}}},
		{"comma in string before bracket", `{"a": [",", "]"]}`, map[string]any{"a": []any{",", "]"}}},
		{"byte order mark", "\uFEFF{\"a\": 1}", map[string]any{"a": 1.0}},
		{"duplicate key, last wins", `{"a": 1, "a": 2}`, map[string]any{"a": 2.0}},
		{"empty", "{}", map[string]any{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := decodeJSONC("f.jsonc", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d.root, tc.want) {
				t.Errorf("decodeJSONC(%q) = %#v, want %#v", tc.src, d.root, tc.want)
			}
		})
	}
}

func TestJSONCPositions(t *testing.T) {
	d, err := decodeJSONC("f.jsonc", []byte("{\n  // c\n  \"a\": {\"b\": [1, /* x */ \"two\"]},\n}"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p         keyPath
		line, col int
	}{
		{nil, 1, 1},
		{keyPath{"a"}, 3, 8},
		{keyPath{"a", "b"}, 3, 14},
		{keyPath{"a", "b", "[1]"}, 3, 26},
		{keyPath{"missing"}, 0, 0},
	} {
		if line, col := d.locate(tc.p); line != tc.line || col != tc.col {
			t.Errorf("locate(%s) = %d:%d, want %d:%d", tc.p, line, col, tc.line, tc.col)
		}
	}

	// A number beyond float64 is valid JSON that encoding/json cannot decode.
	_, err = decodeJSONC("f.jsonc", []byte("{\n  \"a\": [1],\n  \"e\": 1e400\n}"))
	want := `f.jsonc:3:8: json: cannot unmarshal number 1e400 into Go value of type float64`
	if err == nil || err.Error() != want {
		t.Errorf("decodeJSONC error = %v, want %s", err, want)
	}
}

func FuzzJSONC(f *testing.F) {
	for _, s := range []string{
		sampleJSON, sampleJSONC, envJSON,
		`{"a": [1, 2,], /* c */ "b": {"c": "//",},}`,
		"{\"a\": 1 // x\n}", "{/* open", `{"a": "\"/*"}`, "[,]", "{,}", `{"a":,}`, "\uFEFF{}", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := decodeJSONC("f.jsonc", src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != "f.jsonc" || e.Line < 1 || e.Column < 1 {
				t.Fatalf("decodeJSONC(%q) error without a position: %#v", src, err)
			}
			return
		}
		if d.root == nil {
			t.Fatalf("decodeJSONC(%q) = nil, nil", src)
		}
		// Plain JSON decodes as encoding/json decodes it.
		var want map[string]any
		if json.Unmarshal(src, &want) == nil && !reflect.DeepEqual(d.root, want) {
			t.Fatalf("decodeJSONC(%q) = %#v, encoding/json says %#v", src, d.root, want)
		}
	})
}
