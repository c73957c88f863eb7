package ai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/kernels"
)

// IndexFile is the name of the file in a models directory that maps Workers
// AI model names to GGUF files.
const IndexFile = "models.toml"

// DefaultDir is the models directory when none is given: ~/.molt/models.
func DefaultDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".molt", "models")
	}
	return filepath.Join(home, ".molt", "models")
}

// Registry is the models of one models directory, as its models.toml
// names them. It is safe for concurrent use.
type Registry struct {
	// Dir is the models directory.
	Dir   string
	files map[string]string // model name → absolute file path
	log   *slog.Logger
}

// Open reads dir/models.toml. A directory or index that does not exist is
// an empty registry (every Run is then "No such model", and says why in the
// log); a malformed index is an error naming the file and line.
func Open(dir string, log *slog.Logger) (*Registry, error) {
	if log == nil {
		log = slog.Default()
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("ai: models directory %s: %w", dir, err)
	}
	r := &Registry{Dir: abs, files: map[string]string{}, log: log}
	path := filepath.Join(abs, IndexFile)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ai: %w", err)
	}
	var index map[string]any
	if err := toml.Unmarshal(raw, &index); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("ai: %s:%d: %s", path, pe.Position.Line, pe.Message)
		}
		return nil, fmt.Errorf("ai: %s: %w", path, err)
	}
	for name, v := range index {
		file, ok := v.(string)
		if !ok || file == "" {
			return nil, fmt.Errorf("ai: %s: %q must be the name of a GGUF file (a string), got %v", path, name, v)
		}
		if !filepath.IsAbs(file) {
			file = filepath.Join(abs, file)
		}
		r.files[name] = filepath.Clean(file)
	}
	return r, nil
}

// Names lists the model names of the index, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.files))
	for n := range r.files {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// File is the absolute path of the file the index names for model.
func (r *Registry) File(model string) (string, bool) {
	f, ok := r.files[model]
	return f, ok
}

// Run runs model on inputs, loading it first when this process has not.
// Unknown models and inputs that do not fit the model are *Error values,
// as Workers AI reports them; a file that fails to load is also reported
// to the worker as "No such model", with the cause in the log.
func (r *Registry) Run(ctx context.Context, model string, inputs map[string]any) (any, error) {
	m, err := r.model(ctx, model)
	if err != nil {
		return nil, err
	}
	return m.Run(ctx, inputs)
}

// RunJSON is Run for inputs and a result in JSON, as env.AI.run sends and
// receives them. Inputs must be a JSON object; nil stands for none, as when
// env.AI.run is called without inputs. The model is checked first, as
// Workers AI does. A streamed result (stream: true) is an error here: use
// Respond.
func (r *Registry) RunJSON(ctx context.Context, model string, inputs []byte) ([]byte, error) {
	out, stream, err := r.Respond(ctx, model, inputs)
	if stream != nil {
		stream.Close()
		return nil, fmt.Errorf("ai: %s: the result is a stream, not JSON", model)
	}
	return out, err
}

// Respond is RunJSON for results that may be streamed: the result is
// either JSON text or, for stream: true, an *EventStream the caller must
// read or close.
func (r *Registry) Respond(ctx context.Context, model string, inputs []byte) ([]byte, *EventStream, error) {
	m, err := r.model(ctx, model)
	if err != nil {
		return nil, nil, err
	}
	in := map[string]any{}
	if inputs != nil {
		var v any
		if err := json.Unmarshal(inputs, &v); err != nil {
			return nil, nil, InvalidInput(fmt.Sprintf("Error: the inputs are not JSON: %v", err))
		}
		if in, _ = v.(map[string]any); in == nil {
			return nil, nil, InvalidInput(fmt.Sprintf("Error: type mismatch at '/': %s is not an object", describe(v)))
		}
	}
	res, err := m.Run(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	if s, ok := res.(*EventStream); ok {
		return nil, s, nil
	}
	out, err := json.Marshal(res)
	if err != nil {
		return nil, nil, fmt.Errorf("ai: %s: encoding the result: %w", model, err)
	}
	return out, nil, nil
}

// model is Load with a load failure logged and reported as Workers AI's
// "No such model".
func (r *Registry) model(ctx context.Context, model string) (Model, error) {
	m, err := r.Load(ctx, model)
	if err != nil {
		var ae *Error
		if !errors.As(err, &ae) && ctx.Err() == nil {
			r.log.Error("ai: "+err.Error(), "model", model)
			err = NoSuchModel(model)
		}
		return nil, err
	}
	return m, nil
}

// Load returns model, loading it on first use; concurrent callers wait for
// the same load.
func (r *Registry) Load(ctx context.Context, model string) (Model, error) {
	path, ok := r.files[model]
	if !ok {
		r.log.Warn(fmt.Sprintf("ai: model %s is not installed: add a line to %s", model, filepath.Join(r.Dir, IndexFile)),
			"line", fmt.Sprintf("%q = \"FILE.gguf\"", model))
		return nil, NoSuchModel(model)
	}
	return process.load(ctx, path, model, r.log)
}

// process holds what every Registry of the process shares: the kernel pool
// and the loaded models, by file path.
var process = &shared{models: map[string]*loading{}}

type shared struct {
	mu     sync.Mutex
	pool   *kernels.Pool
	models map[string]*loading
}

// loading is a model being loaded or loaded: done closes when m or err is
// set.
type loading struct {
	done chan struct{}
	m    Model
	err  error
}

func (s *shared) load(ctx context.Context, path, name string, log *slog.Logger) (Model, error) {
	s.mu.Lock()
	l := s.models[path]
	if l == nil {
		l = &loading{done: make(chan struct{})}
		s.models[path] = l
		go s.run(l, path, name, log)
	}
	s.mu.Unlock()
	select {
	case <-l.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return l.m, l.err
}

// run loads the file into l. A failed load is forgotten, so that the next
// request tries again once the file is fixed.
func (s *shared) run(l *loading, path, name string, log *slog.Logger) {
	l.m, l.err = s.open(path, name, log)
	if l.err != nil {
		s.mu.Lock()
		delete(s.models, path)
		s.mu.Unlock()
	}
	close(l.done)
}

func (s *shared) open(path, name string, log *slog.Logger) (Model, error) {
	start := time.Now()
	f, err := gguf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", path, err)
	}
	info := Describe(f, path)
	load, ok := loaderFor(info.Architecture)
	if !ok {
		f.Close()
		return nil, fmt.Errorf("%s: general.architecture %q is not one molt runs (it runs %v)", path, info.Architecture, Architectures())
	}
	log.Info("ai: loading model", "model", name, "file", path, "architecture", info.Architecture,
		"size", HumanBytes(info.Size), "type", info.Quantization)
	pool, err := s.kernelPool()
	if err != nil {
		f.Close()
		return nil, err
	}
	m, err := load(f, pool)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("loading %s: %w", path, err)
	}
	log.Info("ai: model loaded", "model", name, "task", m.Task(), "took", time.Since(start).Round(time.Millisecond))
	return m, nil
}

// kernelPool starts the process's pool on first use: one kernel instance
// per core.
func (s *shared) kernelPool() (*kernels.Pool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pool == nil {
		p, err := kernels.NewPool(kernels.SIMD, 0)
		if err != nil {
			return nil, fmt.Errorf("ai: starting the kernels: %w", err)
		}
		s.pool = p
	}
	return s.pool, nil
}

// HumanBytes writes a size in B, KiB, MiB or GiB.
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
