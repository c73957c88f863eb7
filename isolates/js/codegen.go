package js

import (
	"sync"

	"github.com/dop251/goja"
)

// noCodegenSource makes eval and the Function constructors throw, as Workers does unless a
// compatibility flag allows code generation. The constructors stay reachable through
// prototypes, so each prototype's constructor property is replaced too; instanceof keeps
// working because the replacements share the original prototypes.
const noCodegenSource = `(function (g) {
"use strict";
const msg = "Code generation from strings disallowed for this context";
function refuse(original) {
  const f = function () { throw new EvalError(msg); };
  Object.defineProperty(f, "prototype", { value: original.prototype, writable: false });
  Object.defineProperty(f, "name", { value: original.name });
  Object.defineProperty(original.prototype, "constructor", { value: f, writable: true, configurable: true });
  return f;
}
Object.defineProperty(g, "eval", { value: { eval() { throw new EvalError(msg); } }.eval, writable: true, configurable: true });
Object.defineProperty(g, "Function", { value: refuse(Function), writable: true, configurable: true });
refuse(Object.getPrototypeOf(function* () {}).constructor);
refuse(Object.getPrototypeOf(async function () {}).constructor);
})(globalThis);`

var noCodegenProgram = sync.OnceValue(func() *goja.Program {
	return goja.MustCompile("molt:codegen", noCodegenSource, true)
})
