// Package ai is the AI binding: env.AI.run(model, inputs) on GGUF model files
// in a models directory, computed on the Wasm kernels in this process.
//
// A Registry maps Workers AI model names to files through DIR/models.toml,
// one line per model:
//
//	"@cf/baai/bge-small-en-v1.5" = "bge-small-en-v1.5.Q8_0.gguf"
//
// A model is loaded on its first Run, once per process: every Registry (every
// worker, every tenant) naming the same file shares it, and one kernels.Pool
// (one instance per core) holds the weights of all of them. What a file
// computes follows its general.architecture: each architecture registers a
// Loader (bert: text embeddings, in this package), so that new model families
// plug in beside the others.
package ai

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/kernels"
)

// Error is a Workers AI error as env.AI.run raises it. The service answers
// {internalCode, name, description}, and workerd's Ai.run
// (cloudflare/internal/ai-api.ts, _parseError) throws an Error whose name
// is name and whose message is "<internalCode>: <description>".
type Error struct {
	Code        int    // Workers AI's internal code, e.g. 5007
	Name        string // the JavaScript error's name
	Description string
}

func (e *Error) Error() string { return fmt.Sprintf("%d: %s", e.Code, e.Description) }

// The internal codes molt raises. 5007 is documented (Workers AI, Platform,
// Errors: "No such model ${model} or task", HTTP 400); 5006 is the service's
// input validation error, whose descriptions are not documented.
const (
	CodeInvalidInput = 5006
	CodeNoSuchModel  = 5007
)

// NoSuchModel is the error for a model the registry cannot run.
func NoSuchModel(model string) *Error {
	return &Error{Code: CodeNoSuchModel, Name: "AiError", Description: fmt.Sprintf("No such model %s or task", model)}
}

// InvalidInput is the error for inputs that do not match the model's input
// schema; description says what and where, e.g. "Error: required properties
// at '/' are 'text'".
func InvalidInput(description string) *Error {
	return &Error{Code: CodeInvalidInput, Name: "AiError", Description: description}
}

// Model is a loaded model that answers env.AI.run for its task.
type Model interface {
	// Task is the Workers AI task name: "Text Embeddings", "Text Generation".
	Task() string
	// Run checks inputs (the JSON object given to env.AI.run) against the
	// task's input schema, returning an *Error when they do not match, and
	// computes the result, a value encoding/json turns into the task's
	// output.
	Run(ctx context.Context, inputs map[string]any) (any, error)
}

// Loader builds the Model of an open GGUF file, uploading its weights into
// pool. The file stays open as long as the model lives.
type Loader func(f *gguf.File, pool *kernels.Pool) (Model, error)

var loaders = struct {
	sync.RWMutex
	m map[string]Loader
}{m: map[string]Loader{}}

// Register makes files whose general.architecture is arch load with l;
// called from init functions.
func Register(arch string, l Loader) {
	loaders.Lock()
	defer loaders.Unlock()
	loaders.m[arch] = l
}

func loaderFor(arch string) (Loader, bool) {
	loaders.RLock()
	defer loaders.RUnlock()
	l, ok := loaders.m[arch]
	return l, ok
}

// Architectures lists the architectures molt can run, sorted.
func Architectures() []string {
	loaders.RLock()
	defer loaders.RUnlock()
	out := make([]string, 0, len(loaders.m))
	for a := range loaders.m {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}
