package js

import (
	"reflect"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
)

// codegenRefused is workerd's message when a worker calls eval or a Function constructor.
const codegenRefused = "Code generation from strings disallowed for this context"

// refuseCodegen makes eval and the Function, GeneratorFunction and AsyncFunction constructors
// throw an EvalError, as Workers does unless a compatibility flag allows code generation.
//
// All of them compile through the runtime's parser options, so one option that throws refuses
// them all, the way V8's code-generation callback does: eval of a non-string still returns its
// argument and the constructors keep their identity. Replacing the constructors themselves
// instead meant building GeneratorFunction and AsyncFunction in every isolate, a quarter of a
// fresh isolate's set-up. parser.Option's parameter type is unexported, hence reflect. Only
// compilation asked for by running JavaScript is refused: Go callers, tests included, may still
// run scripts on the runtime with RunString.
func (iso *Isolate) refuseCodegen() {
	opt := reflect.MakeFunc(parserOptionType, func([]reflect.Value) []reflect.Value {
		if len(iso.vm.CaptureCallStack(1, nil)) > 0 {
			panic(iso.evalError())
		}
		return nil
	}).Interface().(parser.Option)
	iso.vm.SetParserOptions(opt)
}

var parserOptionType = reflect.TypeOf(parser.Option(nil))

// evalError builds the EvalError to throw, with the global EvalError as a throw statement
// would find it.
func (iso *Isolate) evalError() goja.Value {
	if ctor, ok := goja.AssertConstructor(iso.vm.Get("EvalError")); ok {
		if e, err := ctor(nil, iso.vm.ToValue(codegenRefused)); err == nil {
			return e
		}
	}
	return iso.vm.NewTypeError(codegenRefused)
}
