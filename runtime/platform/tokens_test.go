package platform

import (
	"sync"
	"testing"
)

// Tokens created at once are all kept; a revoked token stops authenticating at once, the
// others do not.
func TestTokens(t *testing.T) {
	cfg := writeConfig(t)
	store := &tokens{path: tokensPath(cfg.DataDir)}
	var wg sync.WaitGroup
	made := make([]string, 8)
	ids := make([]string, 8)
	for i := range made {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tenant := []string{"acme", "globex"}[i%2]
			tok, info, err := CreateToken(cfg, tenant)
			if err != nil {
				t.Error(err)
			}
			made[i], ids[i] = tok, info.ID
		}()
	}
	wg.Wait()
	all, err := ListTokens(cfg, "")
	if err != nil || len(all) != 8 {
		t.Fatalf("ListTokens = %d tokens, %v; want 8", len(all), err)
	}
	if acme, _ := ListTokens(cfg, "acme"); len(acme) != 4 {
		t.Errorf("acme has %d tokens, want 4", len(acme))
	}
	for i, tok := range made {
		if got, err := store.tenant(tok); err != nil || got != []string{"acme", "globex"}[i%2] {
			t.Errorf("token %d: tenant %q, %v", i, got, err)
		}
	}
	if err := RevokeToken(cfg, ids[0]); err != nil {
		t.Fatal(err)
	}
	if got, _ := store.tenant(made[0]); got != "" {
		t.Errorf("revoked token still authenticates as %q", got)
	}
	if got, _ := store.tenant(made[1]); got != "globex" {
		t.Errorf("another token after a revocation: %q", got)
	}
	if err := RevokeToken(cfg, ids[0]); err == nil {
		t.Error("revoking twice succeeded")
	}
	if _, _, err := CreateToken(cfg, "initech"); err == nil {
		t.Error("token for a tenant not in the configuration")
	}
	for _, tok := range []string{"", "molt_", made[0] + "x"} {
		if got, _ := store.tenant(tok); got != "" {
			t.Errorf("token %q authenticates as %q", tok, got)
		}
	}
}
