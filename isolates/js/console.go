package js

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// Level is the severity of a console message.
type Level string

// Console levels, named after the console methods that produce them.
const (
	LevelDebug Level = "debug"
	LevelLog   Level = "log"
	LevelInfo  Level = "info"
	LevelWarn  Level = "warn"
	LevelError Level = "error"
)

// Console receives the worker's console output, one formatted message per call.
type Console interface {
	Message(level Level, text string)
}

// ArgsConsole is a Console that also takes each console.* call's arguments one by one, as
// JSON, the way Cloudflare's tail events list them (logs[].message); Tap uses it when given.
type ArgsConsole interface {
	Console
	Args(level Level, args []json.RawMessage)
}

// ConsoleFunc adapts a function to Console.
type ConsoleFunc func(level Level, text string)

// Message calls f.
func (f ConsoleFunc) Message(level Level, text string) { f(level, text) }

func init() {
	register("console", []string{"console"}, func(iso *Isolate) map[string]any {
		return map[string]any{
			"print": func(level string, args []goja.Value) { iso.logArgs(Level(level), args) },
		}
	})
}

// Tap also sends the isolate's console output to c: the host collects one event's messages
// for its tail consumers (an isolate serves one event).
func (iso *Isolate) Tap(c Console) { iso.tap = c }

func (iso *Isolate) logf(level Level, format string, args ...any) {
	if iso.cfg.Console != nil || iso.tap != nil {
		iso.message(level, fmt.Sprintf(format, args...))
	}
}

func (iso *Isolate) message(level Level, text string) {
	if iso.cfg.Console != nil {
		iso.cfg.Console.Message(level, text)
	}
	if iso.tap != nil {
		iso.tap.Message(level, text)
	}
}

// logArgs formats console arguments as workerd and Node do: strings as they are, other values
// inspected, and printf-style substitutions when the first argument is a string.
func (iso *Isolate) logArgs(level Level, args []goja.Value) {
	if iso.cfg.Console == nil && iso.tap == nil {
		return
	}
	all := args
	var b strings.Builder
	if len(args) > 0 {
		if s, ok := args[0].Export().(string); ok && strings.IndexByte(s, '%') >= 0 {
			args = iso.substitute(&b, s, args[1:])
		} else if ok {
			b.WriteString(s)
			args = args[1:]
		} else {
			b.WriteString(iso.inspect(args[0]))
			args = args[1:]
		}
	}
	for _, a := range args {
		b.WriteByte(' ')
		if s, ok := a.Export().(string); ok {
			b.WriteString(s)
		} else {
			b.WriteString(iso.inspect(a))
		}
	}
	text := b.String()
	if iso.cfg.Console != nil {
		iso.cfg.Console.Message(level, text)
	}
	if ac, ok := iso.tap.(ArgsConsole); ok {
		ac.Args(level, iso.jsonArgs(all))
	} else if iso.tap != nil {
		iso.tap.Message(level, text)
	}
}

// jsonArgs is each argument as JSON.stringify makes it; what JSON cannot hold (undefined,
// functions, symbols, errors, cycles) is its inspected text as a JSON string.
func (iso *Isolate) jsonArgs(args []goja.Value) []json.RawMessage {
	out := make([]json.RawMessage, len(args))
	for i, a := range args {
		var b []byte
		err := errNotJSON
		switch v := a.(type) {
		case *goja.Object:
			if _, fn := goja.AssertFunction(v); !fn && v.ClassName() != "Error" {
				b, err = v.MarshalJSON()
			}
		default:
			if !goja.IsUndefined(a) && a.ExportType() != nil && a.ExportType().Kind() != reflect.Pointer {
				b, err = json.Marshal(a.Export())
			}
		}
		if err != nil {
			b, _ = json.Marshal(iso.inspect(a))
		}
		out[i] = b
	}
	return out
}

var errNotJSON = errors.New("not JSON")

func (iso *Isolate) substitute(b *strings.Builder, f string, args []goja.Value) []goja.Value {
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' || i+1 == len(f) {
			b.WriteByte(c)
			continue
		}
		verb := f[i+1]
		if verb == '%' {
			b.WriteByte('%')
			i++
			continue
		}
		if !strings.ContainsRune("sdifoOjc", rune(verb)) || len(args) == 0 {
			b.WriteByte(c)
			continue
		}
		a := args[0]
		args = args[1:]
		i++
		switch verb {
		case 's':
			if s, ok := a.Export().(string); ok {
				b.WriteString(s)
			} else {
				b.WriteString(iso.inspect(a))
			}
		case 'd', 'i':
			n := a.ToFloat()
			if verb == 'i' {
				n = math.Trunc(n)
			}
			b.WriteString(iso.formatNumber(n))
		case 'f':
			b.WriteString(iso.formatNumber(a.ToFloat()))
		case 'j':
			j, err := a.ToObject(iso.vm).MarshalJSON()
			if err != nil {
				b.WriteString("[Circular]")
			} else {
				b.Write(j)
			}
		case 'c':
		default:
			b.WriteString(iso.inspect(a))
		}
	}
	return args
}

func (iso *Isolate) formatNumber(f float64) string {
	if f == 0 && math.Signbit(f) {
		return "-0"
	}
	return iso.vm.ToValue(f).String()
}

// inspect renders v readably, in the style of Node's util.inspect that workerd's console uses.
func (iso *Isolate) inspect(v goja.Value) string {
	var b strings.Builder
	iso.inspectInto(&b, v, 0, nil)
	return b.String()
}

const inspectDepth = 2

func (iso *Isolate) inspectInto(b *strings.Builder, v goja.Value, depth int, seen []*goja.Object) {
	if v == nil || goja.IsUndefined(v) {
		b.WriteString("undefined")
		return
	}
	if goja.IsNull(v) {
		b.WriteString("null")
		return
	}
	o, ok := v.(*goja.Object)
	if !ok {
		switch x := v.Export().(type) {
		case string:
			if depth == 0 {
				b.WriteString(x)
			} else {
				b.WriteString(quoteJS(x))
			}
		case float64:
			b.WriteString(iso.formatNumber(x))
		default:
			if v.ExportType() != nil && v.ExportType().String() == "*big.Int" {
				b.WriteString(v.String() + "n")
				return
			}
			b.WriteString(v.String())
		}
		return
	}
	for _, s := range seen {
		if s == o {
			b.WriteString("[Circular *1]")
			return
		}
	}
	seen = append(seen, o)
	if _, isFn := goja.AssertFunction(o); isFn {
		name := o.Get("name").String()
		if name == "" {
			name = "(anonymous)"
		}
		if strings.HasPrefix(functionSource(o), "class") {
			b.WriteString("[class " + name + "]")
		} else {
			b.WriteString("[Function: " + name + "]")
		}
		return
	}
	className := o.ClassName()
	switch className {
	case "Error":
		if st := o.Get("stack"); st != nil && !goja.IsUndefined(st) {
			b.WriteString(st.String())
		} else {
			b.WriteString(o.String())
		}
		return
	case "Date", "RegExp":
		if className == "Date" {
			b.WriteString(iso.callMethod(o, "toISOString"))
		} else {
			b.WriteString(o.String())
		}
		return
	case "String", "Number", "Boolean":
		b.WriteString("[" + className + ": " + o.String() + "]")
		return
	}
	ctor := constructorName(o)
	if depth > inspectDepth {
		if className == "Array" {
			b.WriteString("[Array]")
		} else if ctor == "" || ctor == "Object" {
			b.WriteString("[Object]")
		} else {
			b.WriteString("[" + ctor + "]")
		}
		return
	}
	var parts []string
	item := func(v goja.Value) string {
		var ib strings.Builder
		iso.inspectInto(&ib, v, depth+1, seen)
		return ib.String()
	}
	prefix := ""
	open, closing := "{", "}"
	switch {
	case className == "Array":
		open, closing = "[", "]"
		n := int(o.Get("length").ToInteger())
		for i := 0; i < n && i < 100; i++ {
			parts = append(parts, item(o.Get(strconv.Itoa(i))))
		}
		if n > 100 {
			parts = append(parts, fmt.Sprintf("... %d more items", n-100))
		}
	case ctor == "Map" || ctor == "Set":
		prefix = fmt.Sprintf("%s(%d) ", ctor, o.Get("size").ToInteger())
		it := iso.vm.Get("Array").ToObject(iso.vm).Get("from")
		from, _ := goja.AssertFunction(it)
		entries, err := from(goja.Undefined(), o)
		if err == nil {
			eo := entries.ToObject(iso.vm)
			n := int(eo.Get("length").ToInteger())
			for i := 0; i < n; i++ {
				e := eo.Get(strconv.Itoa(i))
				if ctor == "Map" {
					pair := e.ToObject(iso.vm)
					parts = append(parts, item(pair.Get("0"))+" => "+item(pair.Get("1")))
				} else {
					parts = append(parts, item(e))
				}
			}
		}
	case isTypedArray(ctor):
		n := int(o.Get("length").ToInteger())
		prefix = fmt.Sprintf("%s(%d) ", ctor, n)
		open, closing = "[", "]"
		for i := 0; i < n && i < 100; i++ {
			parts = append(parts, item(o.Get(strconv.Itoa(i))))
		}
		if n > 100 {
			parts = append(parts, fmt.Sprintf("... %d more items", n-100))
		}
	case ctor == "ArrayBuffer":
		ab, _ := o.Export().(goja.ArrayBuffer)
		data := ab.Bytes()
		var hex strings.Builder
		for i, c := range data {
			if i == 50 {
				hex.WriteString(" ...")
				break
			}
			if i > 0 {
				hex.WriteByte(' ')
			}
			fmt.Fprintf(&hex, "%02x", c)
		}
		b.WriteString(fmt.Sprintf("ArrayBuffer { [Uint8Contents]: <%s>, byteLength: %d }", hex.String(), len(data)))
		return
	case ctor == "Promise":
		b.WriteString("Promise { <state> }")
		if p, ok := o.Export().(*goja.Promise); ok {
			b.Reset()
			switch p.State() {
			case goja.PromiseStatePending:
				b.WriteString("Promise { <pending> }")
			case goja.PromiseStateFulfilled:
				b.WriteString("Promise { " + item(p.Result()) + " }")
			default:
				b.WriteString("Promise { <rejected> " + item(p.Result()) + " }")
			}
		}
		return
	default:
		if ctor != "" && ctor != "Object" {
			prefix = ctor + " "
		} else if ctor == "" {
			prefix = "[Object: null prototype] "
		}
	}
	if className != "Array" && !isTypedArray(ctor) {
		keys := o.Keys()
		if ctor == "Map" || ctor == "Set" {
			keys = nil
		}
		sort.SliceStable(keys, func(i, j int) bool { return false })
		for _, k := range keys {
			parts = append(parts, propertyKey(k)+": "+item(o.Get(k)))
		}
	}
	if len(parts) == 0 {
		b.WriteString(prefix + open + closing)
		return
	}
	line := strings.Join(parts, ", ")
	if len(line)+len(prefix) <= 72 && !strings.Contains(line, "\n") {
		b.WriteString(prefix + open + " " + line + " " + closing)
		return
	}
	indent := strings.Repeat("  ", depth+1)
	b.WriteString(prefix + open + "\n")
	for i, p := range parts {
		b.WriteString(indent + strings.ReplaceAll(p, "\n", "\n"+indent))
		if i < len(parts)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString(strings.Repeat("  ", depth) + closing)
}

func (iso *Isolate) callMethod(o *goja.Object, name string) string {
	fn, ok := goja.AssertFunction(o.Get(name))
	if !ok {
		return o.String()
	}
	v, err := fn(o)
	if err != nil {
		return o.String()
	}
	return v.String()
}

func functionSource(o *goja.Object) string {
	s := o.String()
	if len(s) > 5 {
		return s[:5]
	}
	return s
}

func constructorName(o *goja.Object) string {
	proto := o.Prototype()
	if proto == nil {
		return ""
	}
	c, ok := proto.Get("constructor").(*goja.Object)
	if !ok {
		return "Object"
	}
	return c.Get("name").String()
}

func isTypedArray(name string) bool {
	switch name {
	case "Uint8Array", "Int8Array", "Uint8ClampedArray", "Uint16Array", "Int16Array", "Uint32Array",
		"Int32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array":
		return true
	}
	return false
}

func propertyKey(k string) string {
	if k == "" {
		return "''"
	}
	for i, r := range k {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return quoteJS(k)
		}
	}
	return k
}

func quoteJS(s string) string {
	q := strconv.Quote(s)
	if !strings.Contains(s, "'") {
		return "'" + strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`) + "'"
	}
	return q
}
