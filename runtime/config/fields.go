package config

import (
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// validName is wrangler's check of a Worker name.
var validName = regexp.MustCompile(`^[a-z0-9_][a-z0-9_-]*$`)

// moduleTypes are the rule types wrangler accepts.
var moduleTypes = []string{"ESModule", "CommonJS", "CompiledWasm", "Text", "Data"}

// fieldReader decodes the fields of the effective configuration that Config holds,
// collecting an error for each one that is mistyped.
type fieldReader struct {
	d      *document
	fields map[string]field
	errs   []error
}

// get returns a field's value and where it is written; ok is false when it is absent or null.
func (r *fieldReader) get(key string) (v any, at keyPath, ok bool) {
	f, ok := r.fields[key]
	return f.value, f.at, ok && f.value != nil
}

func (r *fieldReader) fail(at keyPath, format string, args ...any) {
	r.errs = append(r.errs, r.d.errorAt(at, format, args...))
}

// str returns a string field, or "" when it is absent.
func (r *fieldReader) str(key string) (s string, at keyPath, ok bool) {
	v, at, ok := r.get(key)
	if !ok {
		return "", at, false
	}
	if s, ok = v.(string); !ok {
		r.fail(at, "%q must be a string, got %s", at.String(), describe(v))
	}
	return s, at, ok
}

func (r *fieldReader) name(env string) string {
	name, at, ok := r.str("name")
	if !ok || name == "" {
		return name
	}
	if !validName.MatchString(name) {
		r.fail(at, "%q must contain only lowercase letters, digits, dashes and underscores, got %q", at.String(), name)
	}
	if env != "" && len(at) == 1 {
		name += "-" + env
	}
	return name
}

func (r *fieldReader) main(dir string) string {
	main, at, ok := r.str("main")
	switch {
	case !ok:
		return ""
	case main == "":
		r.fail(at, "%q must not be empty", at.String())
		return ""
	case filepath.IsAbs(main):
		return filepath.Clean(main)
	}
	return filepath.Join(dir, main)
}

func (r *fieldReader) compatibilityDate() string {
	date, at, ok := r.str("compatibility_date")
	if !ok {
		return ""
	}
	if strings.ContainsAny(date, "–—") {
		r.fail(at, "%q must use hyphens (-), not en or em dashes, got %q", at.String(), date)
	} else if _, err := time.Parse(time.DateOnly, date); err != nil {
		r.fail(at, "%q must be a date in the form yyyy-mm-dd, got %q", at.String(), date)
	}
	return date
}

// strList returns a field that is an array of strings.
func (r *fieldReader) strList(key string) []string {
	v, at, ok := r.get(key)
	if !ok {
		return nil
	}
	return r.stringArray(v, at)
}

func (r *fieldReader) stringArray(v any, at keyPath) []string {
	arr, ok := v.([]any)
	if !ok {
		r.fail(at, "%q must be an array of strings, got %s", at.String(), describe(v))
		return nil
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			r.fail(at.index(i), "%q must be a string, got %s", at.index(i).String(), describe(e))
		}
		out = append(out, s)
	}
	return out
}

func (r *fieldReader) vars() map[string]any {
	v, at, ok := r.get("vars")
	if !ok {
		return map[string]any{}
	}
	vars, ok := v.(map[string]any)
	if !ok {
		r.fail(at, "%q must be an object, got %s", at.String(), describe(v))
		return map[string]any{}
	}
	return maps.Clone(vars)
}

func (r *fieldReader) limits() Limits {
	v, at, ok := r.get("limits")
	if !ok {
		return Limits{}
	}
	limits, ok := v.(map[string]any)
	if !ok {
		r.fail(at, "%q must be an object, got %s", at.String(), describe(v))
		return Limits{}
	}
	return Limits{CPUMs: r.wholeNumber(limits, at, "cpu_ms"), MemoryMB: r.wholeNumber(limits, at, "memory_mb"),
		Subrequests: r.wholeNumber(limits, at, "subrequests")}
}

// wholeNumber reads limits.name, a non-negative whole number; 0 if unset or invalid (then
// reported).
func (r *fieldReader) wholeNumber(limits map[string]any, parent keyPath, name string) int {
	v, ok := limits[name]
	if !ok || v == nil {
		return 0
	}
	at := parent.child(name)
	n, ok := v.(float64)
	if !ok {
		r.fail(at, "%q must be a number, got %s", at.String(), describe(v))
		return 0
	}
	if n < 0 || n != math.Trunc(n) || n > math.MaxInt32 {
		unit := "milliseconds"
		switch name {
		case "memory_mb":
			unit = "megabytes"
		case "subrequests":
			unit = "subrequests"
		}
		r.fail(at, "%q must be a whole number of %s, got %s", at.String(), unit, describe(v))
		return 0
	}
	return int(n)
}

func (r *fieldReader) rules() []Rule {
	v, at, ok := r.get("rules")
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		r.fail(at, "%q must be an array of rules, got %s", at.String(), describe(v))
		return nil
	}
	rules := make([]Rule, 0, len(arr))
	for i, e := range arr {
		at := at.index(i)
		m, ok := e.(map[string]any)
		if !ok {
			r.fail(at, "%q must be an object with type and globs, got %s", at.String(), describe(e))
			continue
		}
		var rule Rule
		if rule.Type, _ = m["type"].(string); !slices.Contains(moduleTypes, rule.Type) {
			r.fail(at.child("type"), "%q must be one of %s, got %s", at.child("type").String(), quoteAll(moduleTypes), describe(m["type"]))
		}
		rule.Globs = r.stringArray(m["globs"], at.child("globs"))
		if f, ok := m["fallthrough"]; ok && f != nil {
			if rule.Fallthrough, ok = f.(bool); !ok {
				r.fail(at.child("fallthrough"), "%q must be a boolean, got %s", at.child("fallthrough").String(), describe(f))
			}
		}
		rules = append(rules, rule)
	}
	return rules
}

// describe names a decoded value's type, and its value when that is short.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "nothing"
	case string:
		if r := []rune(v); len(r) > 40 {
			v = string(r[:40]) + "…"
		}
		return "string " + strconv.Quote(v)
	case float64:
		return "number " + strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return "boolean " + strconv.FormatBool(v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// quoteAll joins strings as "a", "b", "c".
func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
