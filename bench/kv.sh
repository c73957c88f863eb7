#!/usr/bin/env bash
# KV load test: molt dev against wrangler dev (local mode, miniflare on workerd),
# on loopback, both serving bench/kv: a worker doing 10 KV gets and 1 put per
# request, with a fresh persist directory each.
#
# usage: bash bench/kv.sh
# environment (all optional):
#   BENCH_DURATION     wrk run length per server                (default 10s)
#   BENCH_WARMUP       unmeasured wrk run before each           (default 2s)
#   BENCH_CONNECTIONS  wrk connections                          (default 32)
#   BENCH_PORT         first of the two loopback ports used     (default 18811)
#   BENCH_SKIP_WRANGLER=1  only measure molt
# Output also goes to bench/out/kv/results.md; server logs to bench/out/kv/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
OUT="$BENCH/out/kv"
PROJECT="$BENCH/kv"
DURATION="${BENCH_DURATION:-10s}"
WARMUP="${BENCH_WARMUP:-2s}"
CONNS="${BENCH_CONNECTIONS:-32}"
PORT_MOLT="${BENCH_PORT:-18811}"
PORT_WRANGLER="$((PORT_MOLT + 1))"

mkdir -p "$OUT"
log() { printf '%s\n' "$*" >&2; }

SERVER_PIDS=()
cleanup() {
  local pid
  for pid in "${SERVER_PIDS[@]:-}"; do
    [[ -n "$pid" ]] || continue
    # Servers run in sessions of their own (setsid): this ends each one and what it started.
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for pid in "${SERVER_PIDS[@]:-}"; do
    [[ -n "$pid" ]] || continue
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  SERVER_PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in wrk curl; do
  command -v "$tool" >/dev/null || { log "missing $tool (apt-get install $tool)"; exit 1; }
done

SERVER_PID=
start_server() {
  local logfile="$1"; shift
  setsid "$@" >"$logfile" 2>&1 </dev/null &
  SERVER_PID=$!
  SERVER_PIDS+=("$SERVER_PID")
}

# wait_ready URL SECS: polls URL until it answers 200.
wait_ready() {
  local url="$1" secs="$2" i
  for i in $(seq 1 $((secs * 10))); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)" == 200 ]] && return 0
    sleep 0.1
  done
  return 1
}

# measure NAME BASEURL: seeds, warms up, runs wrk; prints "rps p50 p99".
measure() {
  local name="$1" base="$2"
  curl -sf "$base/seed" >/dev/null
  curl -sf "$base/" | grep -q '^ok ' || { log "$name: the worker does not answer ok"; return 1; }
  [[ "$WARMUP" == 0 ]] || wrk -t2 -c"$CONNS" -d"$WARMUP" "$base/" >/dev/null
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency "$base/" >"$OUT/wrk-$name.txt"
  if grep -q "Non-2xx" "$OUT/wrk-$name.txt"; then
    log "$name: non-2xx responses under load:"; grep "Non-2xx" "$OUT/wrk-$name.txt" >&2
  fi
  local rps p50 p99
  rps="$(awk '/^Requests\/sec:/ {print $2}' "$OUT/wrk-$name.txt")"
  p50="$(awk '$1 == "50%" {print $2}' "$OUT/wrk-$name.txt")"
  p99="$(awk '$1 == "99%" {print $2}' "$OUT/wrk-$name.txt")"
  echo "$rps $p50 $p99"
}

# ---------------------------------------------------------------- molt ---
log "building molt"
(cd "$ROOT" && go build -o bin/molt .)
MOLT_STATE="$(mktemp -d)"
WRANGLER_STATE="$(mktemp -d)"
trap 'cleanup; rm -rf "$MOLT_STATE" "$WRANGLER_STATE"' EXIT
start_server "$OUT/molt.log" "$ROOT/bin/molt" dev "$PROJECT" --port "$PORT_MOLT" --persist-to "$MOLT_STATE"
wait_ready "http://127.0.0.1:$PORT_MOLT/seed" 10 || { log "molt did not start; see $OUT/molt.log"; exit 1; }
read -r MOLT_RPS MOLT_P50 MOLT_P99 < <(measure molt "http://127.0.0.1:$PORT_MOLT")
cleanup
log "molt: $MOLT_RPS req/s (p50 $MOLT_P50, p99 $MOLT_P99)"

# ------------------------------------------------------------ wrangler ---
WR_RPS=- WR_P50=- WR_P99=- RATIO=- WR_VERSION=-
if [[ "${BENCH_SKIP_WRANGLER:-0}" != 1 ]]; then
  if [[ ! -x "$BENCH/node_modules/.bin/wrangler" ]]; then
    log "npm ci in bench (wrangler)"
    (cd "$BENCH" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
  WR_VERSION="$("$BENCH/node_modules/.bin/wrangler" --version 2>/dev/null | tail -1)"
  start_server "$OUT/wrangler.log" env WRANGLER_SEND_METRICS=false CI=1 \
    "$BENCH/node_modules/.bin/wrangler" dev --cwd "$PROJECT" --local --ip 127.0.0.1 --port "$PORT_WRANGLER" \
    --persist-to "$WRANGLER_STATE" --show-interactive-dev-session=false --log-level warn
  if wait_ready "http://127.0.0.1:$PORT_WRANGLER/seed" 60; then
    read -r WR_RPS WR_P50 WR_P99 < <(measure wrangler "http://127.0.0.1:$PORT_WRANGLER")
    RATIO="$(awk -v a="$MOLT_RPS" -v b="$WR_RPS" 'BEGIN { printf "%.2f", a / b }')"
    log "wrangler: $WR_RPS req/s (p50 $WR_P50, p99 $WR_P99)"
  else
    log "wrangler dev did not start; see $OUT/wrangler.log:"
    tail -20 "$OUT/wrangler.log" >&2
  fi
  cleanup
fi

{
  echo "KV load: bench/kv (10 gets + 1 put per request), wrk -c$CONNS -d$DURATION, $(nproc) cores"
  echo
  echo "| server | req/s | p50 | p99 |"
  echo "| --- | --- | --- | --- |"
  echo "| molt dev | $MOLT_RPS | $MOLT_P50 | $MOLT_P99 |"
  echo "| wrangler dev $WR_VERSION (local) | $WR_RPS | $WR_P50 | $WR_P99 |"
  echo
  echo "molt / wrangler: $RATIO"
} | tee "$OUT/results.md"
