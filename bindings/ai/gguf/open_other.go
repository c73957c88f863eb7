//go:build !unix

package gguf

import (
	"fmt"
	"os"
)

// Open parses the file at path, reading tensor data from it on demand
// (no memory mapping on this platform). Close closes it.
func Open(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	st, err := fd.Stat()
	if err != nil {
		fd.Close()
		return nil, fmt.Errorf("gguf: %w", err)
	}
	f, err := Read(fd, st.Size())
	if err != nil {
		fd.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.unmap = fd.Close
	return f, nil
}
