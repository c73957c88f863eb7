package config

import (
	"reflect"
	"testing"
)

func TestAIBinding(t *testing.T) {
	tests := []struct {
		name, file, text string
		want             *AIBinding
		err              string
	}{
		{"toml", "wrangler.toml", "[ai]\nbinding = \"AI\"\n", &AIBinding{"AI"}, ""},
		{"jsonc", "wrangler.jsonc", `{ "ai": { "binding": "MODELS", }, // comment
}`, &AIBinding{"MODELS"}, ""},
		{"none", "wrangler.toml", "name = \"x\"\n", nil, ""},
		{"no binding", "wrangler.toml", "[ai]\n", nil, `"ai" must have a "binding" field`},
		{"not a string", "wrangler.json", `{"ai": {"binding": 1}}`, nil, `"ai.binding" must be a string, got number 1`},
		{"bad binding", "wrangler.toml", "[ai]\nbinding = \"my-ai\"\n", nil, "valid JavaScript identifier"},
		{"not an object", "wrangler.json", `{"ai": "AI"}`, nil, `"ai" must be an object with a binding`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := loadCase(t, tt.file, tt.text, LoadOptions{}, tt.err)
			if cfg != nil && !reflect.DeepEqual(cfg.AI, tt.want) {
				t.Fatalf("got %+v, want %+v", cfg.AI, tt.want)
			}
		})
	}
}
