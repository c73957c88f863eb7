#!/usr/bin/env bash
# First-token latency of text generation through env.AI.run with a warm model
# (BenchmarkAIFirstToken: request sent to first server-sent event received, a fresh isolate per
# request, a raw prompt of 73 tokens), on the committed llama-tiny Q8_0 fixture and on the
# issue's 125M-parameter llama shape (random weights, 32000-token vocabulary) in Q8_0 and F16.
# The no-model lines are the same worker answering without the model.
#   bash bench/ai/first-token.sh [count]
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-3}
models=$(mktemp -d)
trap 'rm -rf "$models"' EXIT
go test -count=1 -run TestWriteBenchModels ./bindings/ai/llama/ -args -write-bench-models "$models" >/dev/null
for model in testdata/llama-tiny-q8_0.gguf "$models/bench-125m-Q8_0.gguf" "$models/bench-125m-F16.gguf"; do
  echo "== $(basename "$model")"
  MOLT_BENCH_TEXT_MODEL=$model go test -run '^$' -bench AIFirstToken -benchtime 10x -count "$count" ./isolates/js/ | grep Benchmark
done
