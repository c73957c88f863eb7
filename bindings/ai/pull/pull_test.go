package pull

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/moltworker/molt/bindings/ai"
	"github.com/moltworker/molt/bindings/ai/gguf"
)

// modelBytes is a real GGUF file of about 600 KiB.
func modelBytes(t *testing.T) []byte {
	t.Helper()
	w := gguf.NewWriter()
	w.Set("general.architecture", "llama")
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 600<<10)
	for i := range data {
		data[i] = byte(r.IntN(256))
	}
	if err := w.AddTensor("blob", gguf.I8, []uint64{uint64(len(data))}, data); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// server serves body at /m.gguf with Range support. While cuts > 0, a
// response stops after cutAt bytes of body and the connection is dropped.
type server struct {
	*httptest.Server
	body         []byte
	mu           sync.Mutex
	cuts         int
	cutAt        int
	ignoreRanges bool
	status       int
	thenStatus   int      // the status of every response after the last cut
	ranges       []string // the Range header of every request
}

func newServer(t *testing.T, body []byte) *server {
	s := &server{body: body}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *server) url() string { return s.URL + "/m.gguf" }

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.ranges = append(s.ranges, r.Header.Get("Range"))
	cut := s.cuts > 0
	status, cutAt, ignore := s.status, s.cutAt, s.ignoreRanges
	if cut {
		s.cuts--
		if s.cuts == 0 {
			s.status = s.thenStatus
		}
	}
	s.mu.Unlock()
	if status != 0 {
		http.Error(w, "nope", status)
		return
	}
	start := 0
	code := http.StatusOK
	if rg := r.Header.Get("Range"); rg != "" && !ignore {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"))
		if err != nil || n < 0 {
			http.Error(w, "bad range", http.StatusBadRequest)
			return
		}
		if n >= len(s.body) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", len(s.body)))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		start, code = n, http.StatusPartialContent
	}
	rest := s.body[start:]
	if !cut {
		w.Header().Set("Content-Length", strconv.Itoa(len(rest)))
		if code == http.StatusPartialContent {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, len(s.body)-1, len(s.body)))
		}
		w.WriteHeader(code)
		w.Write(rest)
		return
	}
	// Send the headers and part of the body, then drop the connection.
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Length: %d\r\n", code, http.StatusText(code), len(rest))
	if code == http.StatusPartialContent {
		fmt.Fprintf(buf, "Content-Range: bytes %d-%d/%d\r\n", start, len(s.body)-1, len(s.body))
	}
	buf.WriteString("\r\n")
	buf.Write(rest[:min(cutAt, len(rest))])
	buf.Flush()
}

func (s *server) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ranges...)
}

func readIndex(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ai.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPullResumesAfterCutConnection(t *testing.T) {
	body := modelBytes(t)
	s := newServer(t, body)
	s.cuts, s.cutAt = 2, 100<<10
	dir := t.TempDir()
	var progress bytes.Buffer
	res, err := Pull(context.Background(), "@cf/test/model", Options{Dir: dir, URL: s.url(), SHA256: sum(body), Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", fmt.Sprintf("bytes=%d-", 100<<10), fmt.Sprintf("bytes=%d-", 200<<10)}
	if got := s.seen(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("requests' ranges %q, want %q", got, want)
	}
	got, err := os.ReadFile(filepath.Join(dir, "m.gguf"))
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("file differs from the served one (%v)", err)
	}
	if !res.Verified || res.SHA256 != sum(body) || res.Size != int64(len(body)) {
		t.Fatalf("result %+v", res)
	}
	if _, err := os.Stat(filepath.Join(dir, "m.gguf.part")); !os.IsNotExist(err) {
		t.Fatalf("the .part file is left: %v", err)
	}
	if idx := readIndex(t, dir); idx != `"@cf/test/model" = "m.gguf"`+"\n" {
		t.Fatalf("models.toml = %q", idx)
	}
	for _, want := range []string{"m.gguf [", "100.0%", "resuming at byte 102400"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress output lacks %q:\n%s", want, progress.String())
		}
	}
	// The registry bindings/ai uses finds the model.
	r, err := ai.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := r.File("@cf/test/model"); !ok || p != filepath.Join(dir, "m.gguf") {
		t.Fatalf("registry: %q %v", p, ok)
	}
	// Pulling again checks the file in place and downloads nothing.
	n := len(s.seen())
	if res, err := Pull(context.Background(), "@cf/test/model", Options{Dir: dir, URL: s.url(), SHA256: sum(body)}); err != nil || !res.Verified {
		t.Fatalf("second pull: %+v %v", res, err)
	}
	if len(s.seen()) != n {
		t.Fatal("a model already in place was downloaded again")
	}
}

func TestPullResumesAcrossRuns(t *testing.T) {
	body := modelBytes(t)
	s := newServer(t, body)
	s.cuts, s.cutAt, s.thenStatus = 1, 300<<10, http.StatusServiceUnavailable
	dir := t.TempDir()
	// The connection drops, then the server fails: the run gives up and
	// keeps what it got.
	_, err := Pull(context.Background(), "@cf/test/model", Options{Dir: dir, URL: s.url(), Retries: 2})
	if err == nil || !strings.Contains(err.Error(), "HTTP 503 Service Unavailable (gave up after 2 attempts; 307200 bytes kept") {
		t.Fatalf("error %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "m.gguf.part")); err != nil || fi.Size() != 300<<10 {
		t.Fatalf(".part: %v %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(dir, ai.IndexFile)); !os.IsNotExist(err) {
		t.Fatal("a failed pull registered the model")
	}
	s.mu.Lock()
	s.status = 0
	s.mu.Unlock()
	res, err := Pull(context.Background(), "@cf/test/model", Options{Dir: dir, URL: s.url(), SHA256: sum(body)})
	if err != nil {
		t.Fatal(err)
	}
	if seen := s.seen(); res.Resumed != 300<<10 || seen[len(seen)-1] != "bytes=307200-" {
		t.Fatalf("resumed %d bytes, ranges %q", res.Resumed, s.seen())
	}
	if got, _ := os.ReadFile(res.Path); !bytes.Equal(got, body) {
		t.Fatal("resumed file differs")
	}
}

func TestPullServerWithoutRanges(t *testing.T) {
	body := modelBytes(t)
	s := newServer(t, body)
	s.cuts, s.cutAt, s.ignoreRanges = 1, 50<<10, true
	dir := t.TempDir()
	res, err := Pull(context.Background(), "@cf/test/model", Options{Dir: dir, URL: s.url(), SHA256: sum(body)})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(res.Path); !bytes.Equal(got, body) {
		t.Fatal("a server that ignores Range gave a corrupt file")
	}
}

func TestPullRefusesBadDownloads(t *testing.T) {
	body := modelBytes(t)
	cases := []struct {
		name   string
		serve  []byte
		status int
		sha    string
		want   string
	}{
		{"bad checksum", body, 0, strings.Repeat("ab", 32), "its sha256 is " + sum(body) + ", want abab"},
		{"not gguf", []byte("<html>rate limited</html>"), 0, "", "not a GGUF file"},
		{"404", body, http.StatusNotFound, "", "HTTP 404 Not Found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newServer(t, c.serve)
			s.status = c.status
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, ai.IndexFile), []byte("# mine\n"), 0o644)
			_, err := Pull(context.Background(), "@cf/test/model", Options{Dir: dir, URL: s.url(), SHA256: c.sha})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "m.gguf")); !os.IsNotExist(err) {
				t.Fatal("a refused download is in place")
			}
			if idx := readIndex(t, dir); idx != "# mine\n" {
				t.Fatalf("models.toml changed: %q", idx)
			}
			if c.status != 0 && len(s.seen()) != 1 {
				t.Fatalf("HTTP %d was retried: %q", c.status, s.seen())
			}
		})
	}
	// A corrupt file already in place is reported, not registered.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "m.gguf"), []byte("GGUF junk"), 0o644)
	s := newServer(t, body)
	if _, err := Pull(context.Background(), "@cf/test/model", Options{Dir: dir, URL: s.url(), SHA256: sum(body)}); err == nil || !strings.Contains(err.Error(), "already there") {
		t.Fatalf("error %v", err)
	}
}

func TestResolve(t *testing.T) {
	if e, err := resolve("@cf/meta/llama-3.2-1b-instruct", Options{}); err != nil || !strings.HasPrefix(e.URL, "https://huggingface.co/") {
		t.Fatalf("catalog entry: %+v %v", e, err)
	}
	for _, c := range []struct {
		name string
		opts Options
		want string
	}{
		{"@cf/nope", Options{}, "not in the catalog"},
		{"@cf/x", Options{URL: "ftp://h/m.gguf"}, "not an http(s) URL"},
		{"@cf/x", Options{URL: "https://h/model.bin"}, "does not name a .gguf file"},
		{"@cf/x", Options{URL: "https://h/m.gguf", SHA256: "123"}, "not 64 hex digits"},
	} {
		if _, err := resolve(c.name, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: error %v, want %q", c.name, c.opts, err, c.want)
		}
	}
	for _, e := range Catalog() {
		if e.File != filepath.Base(e.URL) || !strings.HasSuffix(e.File, ".gguf") {
			t.Errorf("catalog %s: file %q, URL %q", e.Name, e.File, e.URL)
		}
	}
}

func TestRegisterKeepsOtherLines(t *testing.T) {
	dir := t.TempDir()
	old := "# my models\n\"@cf/baai/bge-small-en-v1.5\" = \"bge.gguf\"\n\n\"@cf/meta/llama-3.2-1b-instruct\" = \"old.gguf\" # was\nlocal = \"/abs/x.gguf\"\n"
	os.WriteFile(filepath.Join(dir, ai.IndexFile), []byte(old), 0o644)
	if err := Register(dir, "@cf/meta/llama-3.2-1b-instruct", "new.gguf"); err != nil {
		t.Fatal(err)
	}
	if err := Register(dir, `we"ird\name`, "w.gguf"); err != nil {
		t.Fatal(err)
	}
	want := "# my models\n\"@cf/baai/bge-small-en-v1.5\" = \"bge.gguf\"\n\n\"@cf/meta/llama-3.2-1b-instruct\" = \"new.gguf\"\nlocal = \"/abs/x.gguf\"\n\"we\\\"ird\\\\name\" = \"w.gguf\"\n"
	if got := readIndex(t, dir); got != want {
		t.Fatalf("models.toml\n%s\nwant\n%s", got, want)
	}
	r, err := ai.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := r.File(`we"ird\name`); p != filepath.Join(dir, "w.gguf") {
		t.Fatalf("registry reads %q", p)
	}
	os.WriteFile(filepath.Join(dir, ai.IndexFile), []byte("x = [\n"), 0o644)
	if err := Register(dir, "a", "b.gguf"); err == nil {
		t.Fatal("a malformed models.toml was edited")
	}
}

func TestContentRange(t *testing.T) {
	for _, c := range []struct {
		in          string
		start, size int64
		ok          bool
	}{
		{"bytes 10-99/100", 10, 100, true},
		{"bytes 0-0/*", 0, -1, true},
		{"bytes */100", 0, 100, true},
		{"bytes 10-99", 0, 0, false},
		{"items 1-2/3", 0, 0, false},
		{"bytes x-9/10", 0, 0, false},
	} {
		start, size, ok := contentRange(c.in)
		if start != c.start || size != c.size || ok != c.ok {
			t.Errorf("contentRange(%q) = %d %d %v", c.in, start, size, ok)
		}
	}
}

func TestPullOverHTTPS(t *testing.T) {
	body := modelBytes(t)
	s := &server{body: body}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	defer s.Close()
	s.cuts, s.cutAt = 1, 10<<10
	dir := t.TempDir()
	res, err := Pull(context.Background(), "@cf/test/model", Options{Dir: dir, URL: s.url(), SHA256: sum(body), Client: s.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Verified || !strings.HasPrefix(s.url(), "https://") || len(s.seen()) != 2 {
		t.Fatalf("result %+v, requests %q", res, s.seen())
	}
}
