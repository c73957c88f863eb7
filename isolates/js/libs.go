package js

import (
	"embed"
	"fmt"
	"sort"
	"sync"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
)

// The Web APIs are written in JavaScript under lib/, on top of small Go natives. Each file is
// the body of a function (internal, natives) that returns its exports; it runs in an isolate only
// when one of its globals is first touched, because most workers use a handful of APIs and a
// fresh isolate per request must stay cheap.
//
//go:embed lib/*.js
var libFS embed.FS

// A library is one file of lib/, the globals it defines, and the Go natives it calls.
type library struct {
	name    string
	globals []string
	natives func(iso *Isolate) map[string]any

	once sync.Once
	prog *goja.Program
	err  error
}

var libraries = map[string]*library{}

// register adds a library; called from init functions beside each lib's natives.
func register(name string, globals []string, natives func(iso *Isolate) map[string]any) {
	libraries[name] = &library{name: name, globals: globals, natives: natives}
}

func (l *library) program() (*goja.Program, error) {
	l.once.Do(func() {
		src, err := libFS.ReadFile("lib/" + l.name + ".js")
		if err != nil {
			l.err = err
			return
		}
		code := "(function (internal, natives) {\"use strict\";\n" + string(src) + "\n})"
		ast, err := goja.Parse("molt:"+l.name, code, parser.WithDisableSourceMaps)
		if err != nil {
			l.err = err
			return
		}
		l.prog, l.err = goja.CompileAST(ast, true)
	})
	return l.prog, l.err
}

// precompile compiles every library in the background, once per process, so that the first
// request to touch an API does not pay (and is not charged CPU time for) its compilation.
var precompile = sync.OnceFunc(func() {
	go func() {
		for _, l := range libraries {
			l.program()
		}
	}()
})

// globalIndex maps each lazily installed global name to its library, sorted for a stable order.
var globalIndex = sync.OnceValue(func() []globalEntry {
	var out []globalEntry
	for _, l := range libraries {
		for _, g := range l.globals {
			out = append(out, globalEntry{g, l})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
})

type globalEntry struct {
	name string
	lib  *library
}

// load runs library name in this isolate once and returns its exports.
func (iso *Isolate) load(name string) *goja.Object {
	if ex, ok := iso.libs[name]; ok {
		return ex
	}
	l := libraries[name]
	if l == nil {
		panic(iso.vm.NewGoError(fmt.Errorf("molt: unknown internal library %q", name)))
	}
	prog, err := l.program()
	if err != nil {
		panic(iso.vm.NewGoError(fmt.Errorf("molt: internal library %s: %w", name, err)))
	}
	fnv, err := iso.vm.RunProgram(prog)
	if err != nil {
		panic(err)
	}
	fn, _ := goja.AssertFunction(fnv)
	natives := iso.vm.NewObject()
	if l.natives != nil {
		for k, v := range l.natives(iso) {
			natives.Set(k, v)
		}
	}
	ret, err := fn(goja.Undefined(), iso.internal, natives)
	if err != nil {
		panic(err)
	}
	ex := ret.ToObject(iso.vm)
	iso.libs[name] = ex
	return ex
}

// installGlobals defines every library global as an accessor that loads its library on first
// use and then replaces itself with a plain writable property, as built-ins are.
func (iso *Isolate) installGlobals() {
	g := iso.vm.GlobalObject()
	for _, e := range globalIndex() {
		e := e
		getter := iso.vm.ToValue(func(goja.FunctionCall) goja.Value {
			v := iso.load(e.lib.name).Get(e.name)
			g.DefineDataProperty(e.name, v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
			return v
		})
		setter := iso.vm.ToValue(func(c goja.FunctionCall) goja.Value {
			g.DefineDataProperty(e.name, c.Argument(0), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
			return goja.Undefined()
		})
		g.DefineAccessorProperty(e.name, getter, setter, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
}
