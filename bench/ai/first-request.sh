#!/usr/bin/env bash
# First-request latency of env.AI.run, model load included, on bge-small-shaped models (random
# weights, 12 layers, hidden 384, 30522-token vocabulary) in F32 and Q8_0: for each, a fresh
# molt dev process, then the first request (loads the model) and the next ones (warm), one
# sentence of 32 tokens each, and a batch of 32 such sentences. Beside each wall time, the CPU
# time molt spent on that request (all its threads, from /proc): on a shared machine wall times
# stretch with the load, CPU times much less.
#   bash bench/ai/first-request.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
models=$(mktemp -d)
trap 'rm -rf "$models"' EXIT
go build -o bin/molt .
go test -count=1 -run TestWriteBenchModels ./bindings/ai/bert/ -args -write-bench-models "$models" >/dev/null
port=8791
# cpu prints the CPU seconds (user + system) process $1 has used.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / hz}' "/proc/$1/stat"; }
for typ in f32 q8_0; do
  for run in $(seq "$runs"); do
    ./bin/molt dev bench/ai --models "$models" --port $port --persist-to "$models/state" >"$models/log" 2>&1 &
    pid=$!
    until curl -s -o /dev/null "http://127.0.0.1:$port/?model=none" 2>/dev/null; do sleep 0.05; done
    url="http://127.0.0.1:$port/?model=@cf/molt/bge-small-shape-$typ"
    line="$typ run $run:"
    for req in "first 1" "next 1" "batch-of-32 32"; do
      set -- $req
      before=$(cpu "$pid")
      wall=$(curl -s -o /dev/null -w '%{time_total}' "$url&n=$2")
      line="$line $1 ${wall}s (cpu $(echo "$(cpu "$pid") $before" | awk '{printf "%.2f", $1 - $2}')s)"
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "$line"
  done
done
