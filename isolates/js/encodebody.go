package js

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// Outgoing responses are compressed as a worker's responses are on Cloudflare:
//
//   - a worker that sets Content-Encoding: gzip and leaves encodeBody "automatic" hands the
//     runtime an uncompressed body, which workerd compresses (getContentEncoding in workerd's
//     system-streams.c++); Cloudflare's edge sends it as it is to a client that accepts gzip
//     and decoded to one that does not;
//   - a response without Content-Encoding is compressed by the edge when the client accepts
//     gzip, the status is 200, 403 or 404 and the Content-Type is one of Cloudflare's
//     compressible types (developers.cloudflare.com/speed/optimization/content/compression/),
//     unless Cache-Control says no-transform;
//   - encodeBody "manual" means the body is already encoded: it goes out untouched, with the
//     worker's Content-Encoding.
//
// Brotli and Zstandard, which the edge may also use, are not offered: gzip is what every
// client accepts and what workerd itself produces.

// compressibleTypes are the media types Cloudflare compresses by default.
var compressibleTypes = map[string]bool{}

func init() {
	for _, t := range strings.Fields(`text/html text/richtext text/plain text/css text/x-script text/x-component
		text/x-java-source text/x-markdown application/javascript application/x-javascript text/javascript text/js
		image/x-icon image/vnd.microsoft.icon application/x-perl application/x-httpd-cgi text/xml application/xml
		application/rss+xml application/vnd.api+json application/x-protobuf application/json multipart/bag
		multipart/mixed application/xhtml+xml font/ttf font/otf font/x-woff image/svg+xml
		application/vnd.ms-fontobject application/ttf application/x-ttf application/otf application/x-otf
		application/truetype application/opentype application/x-opentype application/font-woff application/eot
		application/font application/font-sfnt application/wasm application/javascript-binast
		application/manifest+json application/ld+json application/graphql+json application/geo+json`) {
		compressibleTypes[t] = true
	}
}

// acceptsGzip reports whether an Accept-Encoding value admits gzip.
func acceptsGzip(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" && coding != "*" {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
				q, _ = strconv.ParseFloat(strings.TrimSpace(v), 64)
			}
		}
		if q > 0 {
			return true
		}
	}
	return false
}

// gzipResponse decides whether the body goes out gzip-compressed by the runtime, adjusting h:
// it may add Content-Encoding and Vary, or drop the worker's Content-Encoding: gzip for a client
// that does not accept it (the body then goes out as the worker gave it, uncompressed).
func gzipResponse(acceptEncoding string, status int, h http.Header, manual bool) bool {
	if manual {
		return false
	}
	if ce := h.Get("Content-Encoding"); ce != "" {
		if !strings.EqualFold(strings.TrimSpace(ce), "gzip") {
			return false
		}
		if !acceptsGzip(acceptEncoding) {
			h.Del("Content-Encoding")
			return false
		}
		h.Del("Content-Length")
		return true
	}
	if acceptEncoding == "" || (status != 200 && status != 403 && status != 404) || !acceptsGzip(acceptEncoding) {
		return false
	}
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || !compressibleTypes[mt] {
		return false
	}
	for _, cc := range h.Values("Cache-Control") {
		if strings.Contains(strings.ToLower(cc), "no-transform") {
			return false
		}
	}
	h.Set("Content-Encoding", "gzip")
	h.Add("Vary", "Accept-Encoding")
	h.Del("Content-Length")
	return true
}

// gzipResponseWriter compresses what is written to it; Flush pushes out what is compressed so
// far, so that streamed responses still reach the client as they are produced.
type gzipResponseWriter struct {
	http.ResponseWriter
	zw *gzip.Writer
}

func newGzipResponseWriter(w http.ResponseWriter) *gzipResponseWriter {
	zw, _ := gzip.NewWriterLevel(w, compressionLevel)
	return &gzipResponseWriter{ResponseWriter: w, zw: zw}
}

func (g *gzipResponseWriter) Write(p []byte) (int, error) { return g.zw.Write(p) }

func (g *gzipResponseWriter) Flush() {
	g.zw.Flush()
	if f, ok := g.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the server's writer.
func (g *gzipResponseWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

func (g *gzipResponseWriter) close() { g.zw.Close() }
