package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
)

// LoadDevVars reads the local secrets of the project in dir for environment env ("" for the
// top level), following Cloudflare's "Environment variables and secrets" for local development:
//
//   - .dev.vars.<env> when env is set and the file exists, and then only that file;
//   - else .dev.vars;
//   - else, when neither exists, the .env files, merged, the most specific winning:
//     .env.<env>.local, then .env.local, then .env.<env>, then .env.
//
// All use dotenv syntax; a malformed line is an *Error at its file, line and column. The
// result is nil when none of these files exists.
func LoadDevVars(dir, env string) (map[string]string, error) {
	if env != "" {
		if vars, err := readDotenv(filepath.Join(dir, ".dev.vars."+env)); vars != nil || err != nil {
			return vars, err
		}
	}
	if vars, err := readDotenv(filepath.Join(dir, ".dev.vars")); vars != nil || err != nil {
		return vars, err
	}
	files := []string{".env", ".env.local"}
	if env != "" {
		files = []string{".env", ".env." + env, ".env.local", ".env." + env + ".local"}
	}
	var merged map[string]string
	for _, name := range files {
		vars, err := readDotenv(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if vars != nil && merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, vars)
	}
	return merged, nil
}

// readDotenv parses the dotenv file at path; it returns nil, nil when there is no such file.
func readDotenv(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseDotenv(path, data)
}

// ParseVarFlag splits the value of a `--var KEY:VALUE` flag at its first colon; the value may
// be empty and may contain colons. It is always a string, as wrangler passes it.
func ParseVarFlag(s string) (key, value string, err error) {
	key, value, ok := strings.Cut(s, ":")
	switch {
	case !ok:
		return "", "", fmt.Errorf("--var %q: expected KEY:VALUE", s)
	case key == "":
		return "", "", fmt.Errorf("--var %q: the variable name before the colon is empty", s)
	}
	return key, value, nil
}
