package platform

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// tokenPrefix marks molt API tokens, so that secret scanners and people recognise one.
const tokenPrefix = "molt_"

// tokenRecord is one API token as stored: only its SHA-256, which is enough for tokens of 256
// random bits (no dictionary to guess from, so no slow hash is needed).
type tokenRecord struct {
	ID        string    `json:"id"`
	Tenant    string    `json:"tenant"`
	SHA256    string    `json:"sha256"`
	CreatedOn time.Time `json:"created_on"`
}

// tokensPath is the file of a data directory that holds the API tokens.
func tokensPath(dataDir string) string { return filepath.Join(dataDir, "tokens.json") }

// TokenInfo describes a stored API token; the token itself is not kept.
type TokenInfo struct {
	// ID names the token for revocation: the start of its hash.
	ID        string    `json:"id"`
	Tenant    string    `json:"tenant"`
	CreatedOn time.Time `json:"created_on"`
}

// CreateToken makes a new API token for tenant, stores its hash under the configuration's data
// directory and returns the token, which is never stored and cannot be shown again.
func CreateToken(cfg *Config, tenant string) (token string, info TokenInfo, err error) {
	if _, ok := cfg.Tenants[tenant]; !ok {
		return "", info, fmt.Errorf("tenant %q is not in %s: add a [tenants.%s] table first", tenant, cfg.Path, tenant)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", info, err
	}
	token = tokenPrefix + hex.EncodeToString(secret)
	sum := sha256.Sum256([]byte(token))
	info = TokenInfo{ID: hex.EncodeToString(sum[:6]), Tenant: tenant, CreatedOn: time.Now().UTC()}
	err = updateTokens(cfg.DataDir, func(recs []tokenRecord) ([]tokenRecord, error) {
		return append(recs, tokenRecord{ID: info.ID, Tenant: tenant, SHA256: hex.EncodeToString(sum[:]), CreatedOn: info.CreatedOn}), nil
	})
	if err != nil {
		return "", info, fmt.Errorf("store token: %w", err)
	}
	return token, info, nil
}

// ListTokens lists the stored tokens of tenant, or of every tenant for "".
func ListTokens(cfg *Config, tenant string) ([]TokenInfo, error) {
	recs, err := readTokens(tokensPath(cfg.DataDir))
	if err != nil {
		return nil, err
	}
	out := []TokenInfo{}
	for _, r := range recs {
		if tenant == "" || r.Tenant == tenant {
			out = append(out, TokenInfo{ID: r.ID, Tenant: r.Tenant, CreatedOn: r.CreatedOn})
		}
	}
	return out, nil
}

// RevokeToken deletes the token with id; a running molt serve refuses it from its next call.
func RevokeToken(cfg *Config, id string) error {
	return updateTokens(cfg.DataDir, func(recs []tokenRecord) ([]tokenRecord, error) {
		out := recs[:0]
		for _, r := range recs {
			if r.ID != id {
				out = append(out, r)
			}
		}
		if len(out) == len(recs) {
			return nil, fmt.Errorf("no token %q (molt admin token list shows them)", id)
		}
		return out, nil
	})
}

// updateTokens rewrites the tokens file with f's answer, holding a lock so that two molt admin
// commands at once do not lose one another's change.
func updateTokens(dataDir string, f func([]tokenRecord) ([]tokenRecord, error)) error {
	path := tokensPath(dataDir)
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return err
	}
	unlock, err := lockFile(path + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	recs, err := readTokens(path)
	if err != nil {
		return err
	}
	if recs, err = f(recs); err != nil {
		return err
	}
	text, err := json.MarshalIndent(recs, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(text, '\n'), 0o600)
}

func readTokens(path string) ([]tokenRecord, error) {
	text, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var recs []tokenRecord
	if err := json.Unmarshal(text, &recs); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return recs, nil
}

// tokens authenticates API tokens against the tokens file, rereading it when it changes so
// that a token created by molt admin token create works without a restart.
type tokens struct {
	path string
	mu   sync.Mutex
	// stamp is the file's modification time and size when byHash was read.
	stamp  string
	byHash map[string]string
}

// tenant returns the tenant a token belongs to, or "" for an unknown token.
func (t *tokens) tenant(token string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	stamp := ""
	if fi, err := os.Stat(t.path); err == nil {
		stamp = fmt.Sprintf("%d/%d", fi.ModTime().UnixNano(), fi.Size())
	}
	if stamp != t.stamp || t.byHash == nil {
		recs, err := readTokens(t.path)
		if err != nil {
			return "", err
		}
		t.byHash = make(map[string]string, len(recs))
		for _, r := range recs {
			t.byHash[r.SHA256] = r.Tenant
		}
		t.stamp = stamp
	}
	sum := sha256.Sum256([]byte(token))
	return t.byHash[hex.EncodeToString(sum[:])], nil
}

// writeFileAtomic replaces path with data so that a reader sees the old file or the new one,
// never a part, and a crash leaves one of them.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
