package config

import (
	"errors"
	"testing"

	"github.com/moltworker/molt/internal/testutil"
)

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, content, env string
		want                     string
	}{
		// Malformed files.
		{"toml syntax", "wrangler.toml", "name = \"w\"\nmain = \n", "",
			`wrangler.toml:2:8: expected value but found '\n' instead`},
		{"toml duplicate key", "wrangler.toml", "name = \"a\"\nname = \"b\"\n", "",
			`wrangler.toml:2:1: Key 'name' has already been defined.`},
		{"json missing comma", "wrangler.json", "{\n  \"name\": \"w\"\n  \"main\": \"x\"\n}", "",
			`wrangler.json:3:3: invalid character '"' after object key:value pair`},
		{"json trailing text", "wrangler.json", "{}\n}", "",
			`wrangler.json:2:1: invalid character '}' after top-level value`},
		{"json second object", "wrangler.json", "{} {}", "",
			`wrangler.json:1:4: invalid character '{' after top-level value`},
		{"json not an object", "wrangler.json", "\n  [1, 2]", "",
			`wrangler.json:2:3: the configuration must be a JSON object`},
		{"json empty", "wrangler.json", "", "",
			`wrangler.json:1:1: unexpected end of file`},
		{"json truncated", "wrangler.json", "{\"name\": \"w\",\n", "",
			`wrangler.json:2:1: unexpected end of file`},
		{"json comment in plain json", "wrangler.json", "{\n  // wrangler reads .json as JSONC too\n  \"name\": 1\n}", "",
			`wrangler.json:3:11: "name" must be a string, got number 1`},
		{"jsonc unterminated comment", "wrangler.jsonc", "{\n  \"name\": \"w\" /* no end\n}", "",
			`wrangler.jsonc:2:15: unterminated /* comment`},
		{"jsonc empty element", "wrangler.jsonc", "{\"compatibility_flags\": [,]}", "",
			`wrangler.jsonc:1:26: invalid character ',' looking for beginning of value`},
		{"jsonc double trailing comma", "wrangler.jsonc", "{\"compatibility_flags\": [\"a\",,]}", "",
			`wrangler.jsonc:1:30: invalid character ',' looking for beginning of value`},

		// Mistyped fields.
		{"toml flags", "wrangler.toml", "name = \"w\"\n\ncompatibility_flags = \"x\"\n", "",
			`wrangler.toml:3:23: "compatibility_flags" must be an array of strings, got string "x"`},
		{"toml flag element", "wrangler.toml", "compatibility_flags = [\"a\", 2]\n", "",
			`wrangler.toml:1:23: "compatibility_flags[1]" must be a string, got number 2`},
		{"toml cpu_ms string", "wrangler.toml", "[limits]\ncpu_ms = \"5\"\n", "",
			`wrangler.toml:2:10: "limits.cpu_ms" must be a number, got string "5"`},
		// In an inline table, BurntSushi/toml knows where the key is, not the value.
		{"toml cpu_ms fraction", "wrangler.toml", "limits = { cpu_ms = 1.5 }\n", "",
			`wrangler.toml:1:12: "limits.cpu_ms" must be a whole number of milliseconds, got number 1.5`},
		{"toml limits not a table", "wrangler.toml", "limits = 5\n", "",
			`wrangler.toml:1:10: "limits" must be an object, got number 5`},
		{"toml env cpu_ms", "wrangler.toml", "[env.staging.limits]\ncpu_ms = \"5\"\n", "staging",
			`wrangler.toml:2:10: "env.staging.limits.cpu_ms" must be a number, got string "5"`},
		{"toml vars date", "wrangler.toml", "[vars]\nWHEN = 2024-01-01\n", "",
			`wrangler.toml:2:8: "vars.WHEN" is a TOML date, which is not supported; write it as a string`},
		{"toml date unquoted", "wrangler.toml", "compatibility_date = 2024-01-01\n", "",
			`wrangler.toml:1:22: "compatibility_date" is a TOML date, which is not supported; write it as a string`},
		{"toml bad date", "wrangler.toml", "compatibility_date = \"2024-1-1\"\n", "",
			`wrangler.toml:1:22: "compatibility_date" must be a date in the form yyyy-mm-dd, got "2024-1-1"`},
		{"toml en dash date", "wrangler.toml", "compatibility_date = \"2024–01–01\"\n", "",
			`wrangler.toml:1:22: "compatibility_date" must use hyphens (-), not en or em dashes, got "2024–01–01"`},
		{"toml name", "wrangler.toml", "name = \"My Worker\"\n", "",
			`wrangler.toml:1:8: "name" must contain only lowercase letters, digits, dashes and underscores, got "My Worker"`},
		{"toml empty main", "wrangler.toml", "main = \"\"\n", "",
			`wrangler.toml:1:8: "main" must not be empty`},
		{"toml vars not a table", "wrangler.toml", "vars = [\"a\"]\n", "",
			`wrangler.toml:1:8: "vars" must be an object, got an array`},
		{"toml rule type", "wrangler.toml", "[[rules]]\ntype = \"Wasm\"\nglobs = [\"*.wasm\"]\n", "",
			`wrangler.toml:1:1: "rules[0].type" must be one of "ESModule", "CommonJS", "CompiledWasm", "Text", "Data", got string "Wasm"`},
		{"toml env not a table", "wrangler.toml", "env = 1\n", "",
			`wrangler.toml:1:7: "env" must be an object of environments, got number 1`},
		{"toml one env not a table", "wrangler.toml", "env = { staging = 1 }\n", "",
			`wrangler.toml:1:9: "env.staging" must be an object, got number 1`},
		{"toml rule without type", "wrangler.toml", "rules = [{ globs = [] }]\n", "",
			`wrangler.toml:1:9: "rules[0].type" must be one of "ESModule", "CommonJS", "CompiledWasm", "Text", "Data", got nothing`},
		{"toml date in an array", "wrangler.toml", "[vars]\nDAYS = [2024-01-01]\n", "",
			`wrangler.toml:2:8: "vars.DAYS[0]" is a TOML date, which is not supported; write it as a string`},
		{"json unterminated string", "wrangler.json", "{\"name\": \"w", "",
			`wrangler.json:1:12: unexpected end of file`},
		{"json flags object", "wrangler.json", "{\"compatibility_flags\": {\"a\": true}}", "",
			`wrangler.json:1:25: "compatibility_flags" must be an array of strings, got an object`},
		{"json flag boolean", "wrangler.json", "{\"compatibility_flags\": [true]}", "",
			`wrangler.json:1:26: "compatibility_flags[0]" must be a string, got boolean true`},
		{"json long string", "wrangler.json", "{\"main\": [], \"compatibility_flags\": \"a-very-long-flag-that-goes-on-and-on-and-on-for-ever\"}", "",
			`wrangler.json:1:10: "main" must be a string, got an array` + "\n" +
				`wrangler.json:1:37: "compatibility_flags" must be an array of strings, got string "a-very-long-flag-that-goes-on-and-on-and…"`},
		{"json rule globs", "wrangler.json", "{\"rules\": [\n  {\"type\": \"Text\", \"globs\": \"*.md\"}\n]}", "",
			`wrangler.json:2:29: "rules[0].globs" must be an array of strings, got string "*.md"`},
		{"json rule fallthrough", "wrangler.json", "{\"rules\": [{\"type\": \"Text\", \"globs\": [], \"fallthrough\": 1}]}", "",
			`wrangler.json:1:57: "rules[0].fallthrough" must be a boolean, got number 1`},
		{"json rule not an object", "wrangler.json", "{\"rules\": [\"Text\"]}", "",
			`wrangler.json:1:12: "rules[0]" must be an object with type and globs, got string "Text"`},
		{"jsonc env flags", "wrangler.jsonc", "{\n  /* staging */\n  \"env\": {\"staging\": {\"compatibility_flags\": \"x\"}},\n}", "staging",
			`wrangler.jsonc:3:46: "env.staging.compatibility_flags" must be an array of strings, got string "x"`},
		{"jsonc cpu_ms null is unset", "wrangler.jsonc", "{\"limits\": {\"cpu_ms\": null}, \"main\": 1}", "",
			`wrangler.jsonc:1:38: "main" must be a string, got number 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(testutil.WriteFiles(t, map[string]string{tc.file: tc.content}))
			_, err := Load(tc.file, LoadOptions{Env: tc.env})
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Load error:\n got %v\nwant %s", err, tc.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != tc.file {
				t.Errorf("Load error %#v is not an *Error about %s", err, tc.file)
			}
		})
	}
}

func TestLoadErrorsJoined(t *testing.T) {
	t.Chdir(testutil.WriteFiles(t, map[string]string{"wrangler.toml": "main = 1\ncompatibility_flags = \"x\"\n"}))
	_, err := Load("wrangler.toml", LoadOptions{})
	want := "wrangler.toml:1:8: \"main\" must be a string, got number 1\n" +
		"wrangler.toml:2:23: \"compatibility_flags\" must be an array of strings, got string \"x\""
	if err == nil || err.Error() != want {
		t.Fatalf("Load error:\n got %v\nwant %s", err, want)
	}
}

func TestErrorWithoutPosition(t *testing.T) {
	e := &Error{File: "wrangler.toml", Msg: "no environment"}
	if got := e.Error(); got != "wrangler.toml: no environment" {
		t.Errorf("Error() = %q", got)
	}
}
