package runtime

import (
	"log/slog"

	"github.com/moltworker/molt/bindings/ai"
	"github.com/moltworker/molt/runtime/config"
)

// aiBinding adds the configuration's [ai] binding to env: the models of modelsDir
// (ai.DefaultDir() when empty), loaded when a request first runs them and shared by every
// worker of the process that names the same file.
func aiBinding(cfg *config.Config, modelsDir string, env map[string]any) error {
	if cfg.AI == nil {
		return nil
	}
	if modelsDir == "" {
		modelsDir = ai.DefaultDir()
	}
	r, err := ai.Open(modelsDir, slog.Default())
	if err != nil {
		return err
	}
	env[cfg.AI.Binding] = r
	return nil
}
