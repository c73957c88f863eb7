package pull

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/moltworker/molt/bindings/ai"
)

// Register names file as model name in dir/models.toml: the line that
// already names the model is replaced, every other line (comments
// included) is kept, and a new name is appended. The index is replaced
// atomically.
func Register(dir, name, file string) error {
	path := filepath.Join(dir, ai.IndexFile)
	raw, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	// A malformed index is left alone rather than edited blindly.
	var index map[string]any
	if err := toml.Unmarshal(raw, &index); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	line := quote(name) + " = " + quote(file)
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(raw) == 0 {
		lines = nil
	}
	replaced := false
	for i, l := range lines {
		var kv map[string]any
		if toml.Unmarshal([]byte(l), &kv) == nil && len(kv) == 1 && kv[name] != nil {
			lines[i], replaced = line, true
		}
	}
	if !replaced {
		lines = append(lines, line)
	}
	tmp, err := os.CreateTemp(dir, ai.IndexFile+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(strings.Join(lines, "\n") + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// quote writes s as a TOML basic string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
