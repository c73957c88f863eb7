package js

import (
	"github.com/dop251/goja"
	"github.com/moltworker/molt/isolates/urlpattern"
)

func init() {
	register("urlpattern", []string{"URLPattern"}, func(iso *Isolate) map[string]any {
		return map[string]any{"compile": iso.urlPatternCompile, "exec": iso.urlPatternExec}
	})
}

// patternInput turns lib/urlpattern.js's (string or null, init array or null) into an Input.
func patternInput(s, init goja.Value) urlpattern.Input {
	if !goja.IsNull(s) && !goja.IsUndefined(s) {
		return urlpattern.StringInput(s.String())
	}
	var in urlpattern.Input
	in.IsInit = true
	arr, _ := init.Export().([]any)
	field := func(i int) *string {
		if i >= len(arr) {
			return nil
		}
		v, ok := arr[i].(string)
		if !ok {
			return nil
		}
		return &v
	}
	in.Init = urlpattern.Init{Protocol: field(0), Username: field(1), Password: field(2), Hostname: field(3), Port: field(4),
		Pathname: field(5), Search: field(6), Hash: field(7), BaseURL: field(8)}
	return in
}

func optString(v goja.Value) *string {
	if v == nil || goja.IsUndefined(v) {
		return nil
	}
	s := v.String()
	return &s
}

// urlPatternCompile is compile(string, init, base, ignoreCase): [pattern, the eight pattern
// strings, hasRegExpGroups], or null when the pattern is invalid.
func (iso *Isolate) urlPatternCompile(s, init, base goja.Value, ignoreCase bool) goja.Value {
	p, err := urlpattern.New(patternInput(s, init), optString(base), urlpattern.Options{IgnoreCase: ignoreCase})
	if err != nil {
		return goja.Null()
	}
	out := make([]any, 10)
	out[0] = p
	for c := urlpattern.Protocol; c <= urlpattern.Hash; c++ {
		out[c+1] = p.Pattern(c)
	}
	out[9] = p.HasRegExpGroups()
	return iso.vm.NewArray(out...)
}

// urlPatternExec is exec(pattern, string, init, base, testOnly): undefined when the input is
// refused, null for no match, true for a match when testOnly, else per component
// [input, name, value, ...].
func (iso *Isolate) urlPatternExec(pv, s, init, base goja.Value, testOnly bool) goja.Value {
	p, ok := pv.Export().(*urlpattern.Pattern)
	if !ok {
		iso.throwTypeError("Illegal invocation")
	}
	r, err := p.Exec(patternInput(s, init), optString(base))
	if err != nil {
		return goja.Undefined()
	}
	if testOnly {
		return iso.vm.ToValue(r != nil)
	}
	if r == nil {
		return goja.Null()
	}
	comps := make([]any, len(r.Components))
	for i, c := range r.Components {
		m := make([]any, 1, 1+2*len(c.Groups))
		m[0] = c.Input
		for _, g := range c.Groups {
			if g.Matched {
				m = append(m, g.Name, g.Value)
			} else {
				m = append(m, g.Name, goja.Undefined())
			}
		}
		comps[i] = iso.vm.NewArray(m...)
	}
	return iso.vm.NewArray(comps...)
}
