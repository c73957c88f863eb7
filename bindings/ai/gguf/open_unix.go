//go:build unix

package gguf

import (
	"bytes"
	"fmt"
	"os"
	"syscall"
)

// Open memory-maps the file at path and parses it; TensorData then returns
// views into the mapping, so a model's weights are never copied into the Go
// heap. Close unmaps it. The file must not be truncated while it is open:
// reading a mapped page past the new end kills the process (SIGBUS).
func Open(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	defer fd.Close() // the mapping outlives the descriptor
	st, err := fd.Stat()
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	size := st.Size()
	if size == 0 || size != int64(int(size)) {
		return nil, fmt.Errorf("gguf: %s: cannot map %d bytes", path, size)
	}
	m, err := syscall.Mmap(int(fd.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("gguf: mapping %s: %w", path, err)
	}
	f, err := Read(bytes.NewReader(m), size)
	if err != nil {
		syscall.Munmap(m)
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.mapped = m
	f.unmap = func() error { return syscall.Munmap(m) }
	return f, nil
}
