package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// document is a decoded configuration file.
type document struct {
	file string         // the path as given to Load, for messages
	root map[string]any // the top-level table, in encoding/json's types
	// locate returns where the value at a path is written, or 0, 0 when it cannot tell.
	locate func(keyPath) (line, col int)
}

// readDocument reads and decodes the configuration file at path, by its extension.
func readDocument(path string) (*document, error) {
	var decode func(string, []byte) (*document, error)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml":
		decode = decodeTOML
	case ".json", ".jsonc":
		decode = decodeJSONC
	default:
		return nil, fmt.Errorf("%s: unsupported configuration file; wrangler reads .json, .jsonc and .toml", path)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decode(path, src)
}

// errorAt makes an *Error about the value at p, positioned when the document can tell where it is.
func (d *document) errorAt(p keyPath, format string, args ...any) *Error {
	line, col := d.locate(p)
	return &Error{File: d.file, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}
