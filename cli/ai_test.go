package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestAIModels(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile("../testdata/bert-tiny.gguf")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tiny.gguf"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	index := `"@cf/baai/bge-small-en-v1.5" = "tiny.gguf"
"@cf/baai/bge-base-en-v1.5" = "absent.gguf"
`
	if err := os.WriteFile(filepath.Join(dir, "models.toml"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"ai", "models", "--models", dir}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		`^NAME\s+FILE\s+ARCHITECTURE\s+SIZE\s+TYPE\s+DIMS$`,
		`^@cf/baai/bge-base-en-v1.5\s+absent.gguf\s+\(.*no such file or directory\)\s*$`,
		`^@cf/baai/bge-small-en-v1.5\s+tiny.gguf\s+bert\s+\d+\.\d KiB\s+F32\s+64$`,
	}
	if len(lines) != len(want) {
		t.Fatalf("output:\n%s", out.String())
	}
	for i, re := range want {
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("line %d %q does not match %s", i, lines[i], re)
		}
	}

	out.Reset()
	empty := t.TempDir()
	if code := run(context.Background(), []string{"ai", "models", "--models", empty}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "No models in "+empty) {
		t.Errorf("empty directory: exit %d, %q", code, out.String())
	}
	if err := os.WriteFile(filepath.Join(dir, "models.toml"), []byte("\"a\" = \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"ai", "models", "--models", dir}, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "models.toml:1") {
		t.Errorf("malformed index: exit %d, %q", code, errOut.String())
	}
}
