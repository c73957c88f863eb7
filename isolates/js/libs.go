package js

import (
	"embed"
	"fmt"
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

// dispatchLibs are the libraries every request loads, in the order it loads them.
var dispatchLibs = []string{"request", "body", "response", "worker"}

// precompile compiles every library in the background, once per process, so that the first
// request to touch an API does not pay (and is not charged CPU time for) its compilation. The
// libraries every request needs come first: the first request waits for those, and in map
// order they came, on average, after half of all the others.
var precompile = sync.OnceFunc(func() {
	go func() {
		for _, name := range dispatchLibs {
			libraries[name].program()
		}
		// Then what most workers use: URL to route on request.url, Headers, bodies.
		for _, name := range []string{"url", "headers", "utf8", "streams", "timers", "console", "encoding"} {
			if l := libraries[name]; l != nil {
				l.program()
			}
		}
		for _, l := range libraries {
			l.program()
		}
	}()
})

// compileDispatchLibs waits until the libraries every request loads are compiled: called before
// entering JavaScript, so that the first requests are not charged CPU time for compiling them.
func compileDispatchLibs() {
	for _, name := range dispatchLibs {
		libraries[name].program()
	}
}

// globalIndex maps each lazily installed global name to its library.
var globalIndex = sync.OnceValue(func() map[string]*library {
	out := make(map[string]*library)
	for _, l := range libraries {
		for _, g := range l.globals {
			out[g] = l
		}
	}
	return out
})

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

// installGlobals makes every library global reachable without building anything per global:
// one dynamic object, placed between the global object and Object.prototype, answers for the
// globals not yet used. The first read of one loads its library and defines the global as a
// plain writable, non-enumerable property of the global object, as built-ins are; assigning
// to it first simply shadows it. Defining an accessor pair per global instead cost two native
// functions each, which made up half of a fresh isolate's set-up.
func (iso *Isolate) installGlobals() {
	g := iso.vm.GlobalObject()
	lazy := iso.vm.NewDynamicObject(&lazyGlobals{iso: iso})
	lazy.SetPrototype(g.Prototype())
	g.SetPrototype(lazy)
}

// lazyGlobals is the DynamicObject behind installGlobals. It lists no keys, so that for-in over
// globalThis does not show globals that are not loaded, as it does not show loaded ones. A
// global it has defined is forgotten, so that deleting it from globalThis deletes it.
type lazyGlobals struct {
	iso  *Isolate
	done map[string]bool
}

func (l *lazyGlobals) Get(key string) goja.Value {
	lib := globalIndex()[key]
	if lib == nil || l.done[key] {
		return nil
	}
	v := l.iso.load(lib.name).Get(key)
	if v == nil {
		v = goja.Undefined()
	}
	if l.done == nil {
		l.done = make(map[string]bool, 8)
	}
	l.done[key] = true
	l.iso.vm.GlobalObject().DefineDataProperty(key, v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	return v
}

func (l *lazyGlobals) Has(key string) bool {
	_, ok := globalIndex()[key]
	return ok && !l.done[key]
}

// Set refuses: the prototype is not written to, since the global object takes assignments.
func (*lazyGlobals) Set(string, goja.Value) bool { return false }

// Delete and Keys complete the DynamicObject interface.
func (*lazyGlobals) Delete(string) bool { return true }
func (*lazyGlobals) Keys() []string     { return nil }
