package js

import (
	"fmt"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
)

// Script is a worker's bundled code compiled once, to be run by many isolates. goja programs are
// immutable and safe to share between runtimes, so compilation stays off the per-request path.
type Script struct {
	name string
	prog *goja.Program
}

// Compile parses code as a classic script named name. sourceMap, when not nil, is the v3 source
// map of code: goja then reports positions of the original sources in stack traces and errors.
func Compile(name string, code, sourceMap []byte) (*Script, error) {
	opt := parser.WithDisableSourceMaps
	if sourceMap != nil {
		opt = parser.WithSourceMapLoader(func(string) ([]byte, error) { return sourceMap, nil })
	}
	ast, err := goja.Parse(name, string(code), opt)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	prog, err := goja.CompileAST(ast, false)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", name, err)
	}
	return &Script{name: name, prog: prog}, nil
}

// Name is the file name the script was compiled under.
func (s *Script) Name() string { return s.name }
