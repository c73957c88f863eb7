package js

import (
	"errors"

	"github.com/dop251/goja"
	"github.com/moltworker/molt/isolates/weburl"
)

// The URL class keeps its components in JavaScript and asks Go only to parse or to change the
// URL, so a getter costs no call into Go. A change re-parses href, which the serializer promises
// gives back the same URL record, instead of keeping a Go object per URL reachable from
// JavaScript.

// URL attribute indexes shared with lib/url.js: the order of the components array and the
// setter numbers.
const (
	urlHref = iota
	urlOrigin
	urlProtocol
	urlUsername
	urlPassword
	urlHost
	urlHostname
	urlPort
	urlPathname
	urlSearch
	urlHash
	urlQuery // not an attribute: URLSearchParams's update step writes the serialized query
)

func init() {
	register("url", []string{"URL", "URLSearchParams"}, func(iso *Isolate) map[string]any {
		return map[string]any{
			"parse":    iso.urlParse,
			"set":      iso.urlSet,
			"canParse": iso.urlCanParse,
			"parseQuery": func(c goja.FunctionCall) goja.Value {
				return iso.pairsToJS(weburl.ParseQuery(c.Argument(0).String()))
			},
			"serializeQuery": func(c goja.FunctionCall) goja.Value {
				return iso.vm.ToValue(weburl.SerializeQuery(iso.pairsFromJS(c.Argument(0))))
			},
			// The second argument of delete() and has() is new in the standard; workerd gates
			// it because older deployed workers passed a stray second argument.
			"deleteHasValueArg": urlSearchParamsValueArg(iso.cfg),
		}
	})
}

// urlSearchParamsValueArg mirrors workerd's urlsearchparams_delete_has_value_arg flag, on by
// default from 2023-07-01 and for configs without a compatibility date.
func urlSearchParamsValueArg(cfg *Config) bool {
	switch {
	case cfg.flag("urlsearchparams_delete_has_value_arg"):
		return true
	case cfg.flag("no_urlsearchparams_delete_has_value_arg"):
		return false
	}
	return cfg.CompatibilityDate == "" || cfg.CompatibilityDate >= "2023-07-01"
}

// parseArgs parses input against the optional base given as the next argument; ok is false
// when either fails to parse.
func parseArgs(input, base goja.Value) (*weburl.URL, bool) {
	var b *weburl.URL
	if base != nil && !goja.IsUndefined(base) {
		var err error
		if b, err = weburl.Parse(base.String(), nil); err != nil {
			return nil, false
		}
	}
	u, err := weburl.Parse(input.String(), b)
	return u, err == nil
}

// urlParse is parse(input, base): the components array, or null when parsing fails.
func (iso *Isolate) urlParse(c goja.FunctionCall) goja.Value {
	u, ok := parseArgs(c.Argument(0), c.Argument(1))
	if !ok {
		return goja.Null()
	}
	return iso.urlComponents(u)
}

func (iso *Isolate) urlCanParse(c goja.FunctionCall) goja.Value {
	_, ok := parseArgs(c.Argument(0), c.Argument(1))
	return iso.vm.ToValue(ok)
}

// urlSet is set(href, attribute, value): the components after running the attribute's setter
// on the URL href serializes, or null when the href setter rejects value.
func (iso *Isolate) urlSet(c goja.FunctionCall) goja.Value {
	u, err := weburl.Parse(c.Argument(0).String(), nil)
	if err != nil {
		// Only reachable if the serializer broke its promise; fail loudly rather than
		// silently dropping the change.
		panic(iso.vm.NewGoError(err))
	}
	v := c.Argument(2).String()
	switch c.Argument(1).ToInteger() {
	case urlHref:
		if u.SetHref(v) != nil {
			return goja.Null()
		}
	case urlProtocol:
		u.SetProtocol(v)
	case urlUsername:
		u.SetUsername(v)
	case urlPassword:
		u.SetPassword(v)
	case urlHost:
		u.SetHost(v)
	case urlHostname:
		u.SetHostname(v)
	case urlPort:
		u.SetPort(v)
	case urlPathname:
		u.SetPathname(v)
	case urlSearch:
		u.SetSearch(v)
	case urlHash:
		u.SetHash(v)
	case urlQuery:
		u.SetQuery(v)
	default:
		panic(iso.vm.NewGoError(errUnknownURLAttr))
	}
	return iso.urlComponents(u)
}

var errUnknownURLAttr = errors.New("molt: unknown URL attribute")

// urlComponents hands JavaScript every attribute in one array so getters need no native call.
func (iso *Isolate) urlComponents(u *weburl.URL) goja.Value {
	vals := [urlQuery]string{
		urlHref:     u.Href(),
		urlOrigin:   u.Origin(),
		urlProtocol: u.Protocol(),
		urlUsername: u.Username(),
		urlPassword: u.Password(),
		urlHost:     u.Host(),
		urlHostname: u.Hostname(),
		urlPort:     u.Port(),
		urlPathname: u.Pathname(),
		urlSearch:   u.Search(),
		urlHash:     u.Hash(),
	}
	arr := make([]any, len(vals))
	for i, s := range vals {
		arr[i] = iso.vm.ToValue(s)
	}
	return iso.vm.NewArray(arr...)
}

// pairsToJS flattens pairs into [name, value, ...], the list form lib/url.js keeps.
func (iso *Isolate) pairsToJS(pairs []weburl.Pair) goja.Value {
	arr := make([]any, 0, 2*len(pairs))
	for _, p := range pairs {
		arr = append(arr, iso.vm.ToValue(p.Name), iso.vm.ToValue(p.Value))
	}
	return iso.vm.NewArray(arr...)
}

// pairsFromJS reads a flat [name, value, ...] array of strings.
func (iso *Isolate) pairsFromJS(v goja.Value) []weburl.Pair {
	list, _ := v.Export().([]any)
	pairs := make([]weburl.Pair, 0, len(list)/2)
	for i := 0; i+1 < len(list); i += 2 {
		name, _ := list[i].(string)
		value, _ := list[i+1].(string)
		pairs = append(pairs, weburl.Pair{Name: name, Value: value})
	}
	return pairs
}
