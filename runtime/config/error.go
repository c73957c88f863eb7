package config

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Error is a problem in a configuration or dotenv file, at a position when one is known.
type Error struct {
	// File is the file's path as it was given to the function that read it.
	File string
	// Line and Column are 1-based (Column counts bytes); both are 0 when the position is unknown.
	Line, Column int
	// Msg says what is wrong.
	Msg string
}

// Error formats the problem as "file:line:col: msg", or "file: msg" without a position.
func (e *Error) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// errorAt makes an *Error for the byte at offset off of src.
func errorAt(file string, src []byte, off int, format string, args ...any) *Error {
	line, col := lineCol(src, off)
	return &Error{File: file, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

// lineCol converts a byte offset into src into a 1-based line and byte column.
func lineCol(src []byte, off int) (line, col int) {
	off = min(max(off, 0), len(src))
	before := src[:off]
	return bytes.Count(before, []byte("\n")) + 1, off - bytes.LastIndexByte(before, '\n')
}

// keyPath names a value in a configuration: table keys, and "[i]" for array elements.
type keyPath []string

// child is p extended by one key, without sharing p's backing array.
func (p keyPath) child(key string) keyPath {
	return append(p[:len(p):len(p)], key)
}

// index is p extended by array index i.
func (p keyPath) index(i int) keyPath {
	return p.child(indexKey(i))
}

// indexKey is the path element of array index i.
func indexKey(i int) string {
	return "[" + strconv.Itoa(i) + "]"
}

// String spells p the way wrangler names fields: env.staging.rules[0].type.
func (p keyPath) String() string {
	var b strings.Builder
	for i, k := range p {
		if i > 0 && !isIndex(k) {
			b.WriteByte('.')
		}
		b.WriteString(k)
	}
	return b.String()
}

func isIndex(k string) bool {
	return strings.HasPrefix(k, "[")
}
