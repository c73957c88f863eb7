package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNoConfig is wrapped by Find's error when a directory holds no wrangler configuration file.
var ErrNoConfig = errors.New("no wrangler configuration file")

// configFiles are the names wrangler looks for, in its order of precedence.
var configFiles = []string{"wrangler.json", "wrangler.jsonc", "wrangler.toml"}

// Find returns the path of the wrangler configuration file in dir: wrangler.json, else
// wrangler.jsonc, else wrangler.toml, which is the order wrangler prefers them in. Unlike
// wrangler, it does not search dir's parents. The error wraps ErrNoConfig when there is none.
func Find(dir string) (string, error) {
	for _, name := range configFiles {
		path := filepath.Join(dir, name)
		fi, err := os.Stat(path)
		switch {
		case err == nil && fi.Mode().IsRegular():
			return path, nil
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return "", err
		}
	}
	return "", fmt.Errorf("%w in %s (looked for wrangler.json, wrangler.jsonc and wrangler.toml)", ErrNoConfig, dir)
}
