package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAIPull(t *testing.T) {
	raw, err := os.ReadFile("../testdata/bert-tiny.gguf")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "tiny.gguf", time.Time{}, bytes.NewReader(raw))
	}))
	defer srv.Close()
	sum := sha256.Sum256(raw)
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	args := []string{"ai", "pull", "@cf/baai/bge-small-en-v1.5", "--models", dir, "--url", srv.URL + "/tiny.gguf", "--sha256", hex.EncodeToString(sum[:])}
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "sha256 verified") || !strings.Contains(errOut.String(), "100.0%") {
		t.Fatalf("stdout %q, stderr %q", out.String(), errOut.String())
	}
	// molt ai models now lists it.
	out.Reset()
	if code := run(context.Background(), []string{"ai", "models", "--models", dir}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "@cf/baai/bge-small-en-v1.5  tiny.gguf  bert") {
		t.Fatalf("models: exit %d: %s", code, out.String())
	}

	errOut.Reset()
	args[len(args)-1] = strings.Repeat("0", 64)
	os.Remove(filepath.Join(dir, "tiny.gguf"))
	if code := run(context.Background(), args, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "want 0000") {
		t.Fatalf("bad checksum: exit %d, %s", code, errOut.String())
	}

	out.Reset()
	if code := run(context.Background(), []string{"ai", "pull", "--catalog"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "@cf/meta/llama-3.2-1b-instruct") {
		t.Fatalf("catalog: exit %d: %s", code, out.String())
	}
}
