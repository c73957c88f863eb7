package pull

import "sort"

// Entry is a model the catalog knows: where its GGUF file is and what it
// should be.
type Entry struct {
	Name string // Workers AI model name
	URL  string
	File string // file name in the models directory
	Size int64  // bytes; 0 when not known
	// SHA256 is the file's checksum (hex), or "" when not known: such a
	// download is not verified unless --sha256 is given.
	SHA256 string
}

// hf is a Hugging Face download URL.
func hf(repo, file string) string {
	return "https://huggingface.co/" + repo + "/resolve/main/" + file
}

// entry names a catalog file by its repository and file name.
func entry(name, repo, file string) Entry {
	return Entry{Name: name, URL: hf(repo, file), File: file}
}

// catalog maps Workers AI model names to public GGUF conversions of the
// same weights, of the architectures molt runs (llama, qwen2, qwen3,
// bert), in the quantisation closest to what Workers AI names (int8 →
// Q8_0) or else the common Q4_K_M. The URLs and file names were written
// from the repositories' published listings without network access to
// them; no size or checksum is recorded because none could be checked
// here, so these downloads are verified only when --sha256 is given.
var catalog = []Entry{
	entry("@cf/meta/llama-3.2-1b-instruct", "bartowski/Llama-3.2-1B-Instruct-GGUF", "Llama-3.2-1B-Instruct-Q4_K_M.gguf"),
	entry("@cf/meta/llama-3.2-3b-instruct", "bartowski/Llama-3.2-3B-Instruct-GGUF", "Llama-3.2-3B-Instruct-Q4_K_M.gguf"),
	entry("@cf/meta/llama-3.1-8b-instruct", "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf"),
	entry("@cf/meta/llama-3-8b-instruct", "bartowski/Meta-Llama-3-8B-Instruct-GGUF", "Meta-Llama-3-8B-Instruct-Q4_K_M.gguf"),
	entry("@cf/meta/llama-2-7b-chat-int8", "TheBloke/Llama-2-7B-Chat-GGUF", "llama-2-7b-chat.Q8_0.gguf"),
	entry("@cf/mistral/mistral-7b-instruct-v0.1", "TheBloke/Mistral-7B-Instruct-v0.1-GGUF", "mistral-7b-instruct-v0.1.Q4_K_M.gguf"),
	entry("@hf/mistral/mistral-7b-instruct-v0.2", "TheBloke/Mistral-7B-Instruct-v0.2-GGUF", "mistral-7b-instruct-v0.2.Q4_K_M.gguf"),
	entry("@cf/tinyllama/tinyllama-1.1b-chat-v1.0", "TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF", "tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf"),
	entry("@cf/qwen/qwen1.5-0.5b-chat", "Qwen/Qwen1.5-0.5B-Chat-GGUF", "qwen1_5-0_5b-chat-q8_0.gguf"),
	entry("@cf/qwen/qwen1.5-1.8b-chat", "Qwen/Qwen1.5-1.8B-Chat-GGUF", "qwen1_5-1_8b-chat-q8_0.gguf"),
	entry("@cf/qwen/qwen1.5-7b-chat-awq", "Qwen/Qwen1.5-7B-Chat-GGUF", "qwen1_5-7b-chat-q4_k_m.gguf"),
	entry("@cf/baai/bge-small-en-v1.5", "CompendiumLabs/bge-small-en-v1.5-gguf", "bge-small-en-v1.5-q8_0.gguf"),
	entry("@cf/baai/bge-base-en-v1.5", "CompendiumLabs/bge-base-en-v1.5-gguf", "bge-base-en-v1.5-q8_0.gguf"),
	entry("@cf/baai/bge-large-en-v1.5", "CompendiumLabs/bge-large-en-v1.5-gguf", "bge-large-en-v1.5-q8_0.gguf"),
}

// Lookup finds a model in the catalog.
func Lookup(name string) (Entry, bool) {
	for _, e := range catalog {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

// Catalog lists the catalog's entries sorted by name.
func Catalog() []Entry {
	out := append([]Entry(nil), catalog...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
