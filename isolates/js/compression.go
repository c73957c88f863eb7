package js

import (
	"bufio"
	"bytes"
	"errors"
	"io"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
)

// CompressionStream and DecompressionStream are Go pipes (see pipes.go) whose reading side
// compresses or decompresses what the writing side receives, so each chunk crosses from
// JavaScript to Go once and back once, and a Go body piped through one is compressed without
// entering JavaScript at all.

// Messages of workerd's compression streams (with the strict_compression behaviour).
var (
	errCompress           = &streamError{"Compression failed."}
	errDecompress         = &streamError{"Decompression failed."}
	errTrailingBytes      = &streamError{"Trailing bytes after end of compressed data"}
	errIncompleteCompress = &streamError{"Called close() on a decompression stream with incomplete data"}
)

// compressionLevel is zlib's default, which workerd uses.
const compressionLevel = 6

// compressReader compresses src as it is read.
type compressReader struct {
	src  io.Reader
	out  bytes.Buffer
	zw   io.WriteCloser
	in   []byte
	done bool
}

func newCompressReader(src io.Reader, format string) *compressReader {
	c := &compressReader{src: src, in: make([]byte, hostChunk)}
	switch format {
	case "gzip":
		c.zw, _ = gzip.NewWriterLevel(&c.out, compressionLevel)
	case "deflate":
		c.zw, _ = zlib.NewWriterLevel(&c.out, compressionLevel)
	default:
		c.zw, _ = flate.NewWriter(&c.out, compressionLevel)
	}
	return c
}

func (c *compressReader) Read(p []byte) (int, error) {
	for c.out.Len() == 0 {
		if c.done {
			return 0, io.EOF
		}
		n, err := c.src.Read(c.in)
		if n > 0 {
			if _, werr := c.zw.Write(c.in[:n]); werr != nil {
				return 0, errCompress
			}
		}
		if err == io.EOF {
			c.done = true
			if cerr := c.zw.Close(); cerr != nil {
				return 0, errCompress
			}
		} else if err != nil {
			return 0, err
		}
	}
	return c.out.Read(p)
}

// decompressReader decompresses src as it is read, refusing what workerd refuses: bytes after
// the end of the compressed data, and data that ends early.
type decompressReader struct {
	src    *bufio.Reader
	format string
	zr     io.Reader
	done   bool
}

func newDecompressReader(src io.Reader, format string) *decompressReader {
	return &decompressReader{src: bufio.NewReaderSize(src, hostChunk), format: format}
}

func (d *decompressReader) Read(p []byte) (int, error) {
	if d.done {
		return 0, io.EOF
	}
	if d.zr == nil {
		// The gzip and zlib readers read their header when made: made here, on the first read,
		// the pipe's writer has had the chance to write it.
		var err error
		switch d.format {
		case "gzip":
			var g *gzip.Reader
			if g, err = gzip.NewReader(d.src); err == nil {
				g.Multistream(false)
				d.zr = g
			}
		case "deflate":
			d.zr, err = zlib.NewReader(d.src)
		default:
			d.zr = flate.NewReader(d.src)
		}
		if err != nil {
			return 0, d.fail(err)
		}
	}
	n, err := d.zr.Read(p)
	if err == io.EOF {
		d.done = true
		if _, perr := d.src.Peek(1); perr == nil {
			return n, errTrailingBytes
		}
		if n > 0 {
			return n, nil
		}
		return 0, io.EOF
	}
	if err != nil {
		return n, d.fail(err)
	}
	return n, nil
}

func (d *decompressReader) fail(err error) error {
	var se *streamError
	switch {
	case errors.As(err, &se):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errIncompleteCompress
	case errors.Is(err, io.ErrClosedPipe), errors.Is(err, errIsolateClosed):
		return err
	}
	return errDecompress
}
