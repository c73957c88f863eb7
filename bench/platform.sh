#!/usr/bin/env bash
# molt serve figures for the issue note, on loopback: requests/second with HOSTS deployed workers
# receiving a uniform mix of hostnames (wrk + bench/platform/hosts.lua) beside one worker alone,
# deploy-to-first-response time, memory per deployed idle worker, and the first-request latency
# of a worker left idle.
#
# usage: bash bench/platform.sh
# environment (all optional):
#   HOSTS=100          workers deployed (examples/hello as w0 ... w(HOSTS-1))
#   BENCH_DURATION=10s wrk run length; BENCH_CONNECTIONS=16; BENCH_RUNS=3 (alternating mix/single)
#   DEPLOYS=5          deploy-to-first-response repetitions (median printed)
#   IDLE_SECS=60       how long a worker is left alone before its first request is timed
#   BENCH_PORT=18841   first of the two loopback ports used (front, admin)
# Output also goes to bench/out/platform/results.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/bench/out/platform"
HOSTS="${HOSTS:-100}"
DURATION="${BENCH_DURATION:-10s}"
CONNS="${BENCH_CONNECTIONS:-16}"
RUNS="${BENCH_RUNS:-3}"
DEPLOYS="${DEPLOYS:-5}"
IDLE_SECS="${IDLE_SECS:-60}"
FRONT="${BENCH_PORT:-18841}"
ADMIN="$((FRONT + 1))"
mkdir -p "$OUT"
WORK="$(mktemp -d)"
SERVE_PID=""
cleanup() {
  if [[ -n "$SERVE_PID" ]]; then kill "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
log() { printf '%s\n' "$*" >&2; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$SERVE_PID/status"; }

(cd "$ROOT" && go build -o "$WORK/molt" .)
MOLT="$WORK/molt"
cat > "$WORK/platform.toml" <<TOML
data_dir = "data"
domain = "localhost"
[listen]
public = "127.0.0.1:$FRONT"
admin = "127.0.0.1:$ADMIN"
[plans.paid]
cpu_ms = 30000
max_workers = 1000
[tenants.bench]
plan = "paid"
TOML
TOKEN="$("$MOLT" admin token create --tenant bench -c "$WORK/platform.toml" 2>/dev/null)"
export MOLT_API_URL="http://127.0.0.1:$ADMIN" MOLT_API_TOKEN="$TOKEN"

start_serve() {
  "$MOLT" serve -c "$WORK/platform.toml" >"$OUT/serve.log" 2>&1 &
  SERVE_PID=$!
  for _ in $(seq 200); do
    curl -s -o /dev/null "http://127.0.0.1:$ADMIN/" && return 0
    sleep 0.05
  done
  log "molt serve did not start"; exit 1
}
start_serve
sleep 1
RSS0="$(rss_kb)"

log "deploying $HOSTS workers"
t0="$(now_ms)"
for i in $(seq 0 $((HOSTS - 1))); do
  "$MOLT" deploy "$ROOT/examples/hello" --name "w$i" >/dev/null 2>&1
done
DEPLOY_ALL_MS=$(( $(now_ms) - t0 ))
sleep 2
RSS100="$(rss_kb)"

rps() { awk '/Requests\/sec/ {print $2}'; }
MIX=(); SINGLE=()
for r in $(seq "$RUNS"); do
  out="$(HOSTS=$HOSTS wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$ROOT/bench/platform/hosts.lua" "http://127.0.0.1:$FRONT/")"
  echo "$out" >"$OUT/wrk-mix-$r.txt"; MIX+=("$(echo "$out" | rps)")
  if grep -q Non-2xx <<<"$out"; then log "the mix run $r had non-2xx answers: see $OUT/wrk-mix-$r.txt"; fi
  out="$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency -H "Host: w0.localhost" "http://127.0.0.1:$FRONT/")"
  echo "$out" >"$OUT/wrk-single-$r.txt"; SINGLE+=("$(echo "$out" | rps)")
done

# Deploy-to-first-response: from the start of molt deploy to the first 200 with the new body.
PROBE="$WORK/probe"
mkdir -p "$PROBE"
printf 'name = "probe"\nmain = "index.js"\ncompatibility_date = "2026-11-01"\n' >"$PROBE/wrangler.toml"
DEPLOY_MS=()
for d in $(seq 0 "$DEPLOYS"); do
  printf 'export default { fetch() { return new Response("v%s"); } };\n' "$d" >"$PROBE/index.js"
  t0="$(now_ms)"
  "$MOLT" deploy "$PROBE" >/dev/null 2>&1 &
  dpid=$!
  until [[ "$(curl -s -H 'Host: probe.localhost' "http://127.0.0.1:$FRONT/")" == "v$d" ]]; do sleep 0.002; done
  t1="$(now_ms)"
  wait "$dpid"
  # The first deploy creates the worker; the others replace a version (the figure asked for).
  [[ "$d" -gt 0 ]] && DEPLOY_MS+=("$((t1 - t0))")
done
DEPLOY_SORTED="$(printf '%s\n' "${DEPLOY_MS[@]}" | sort -n | tr '\n' ' ')"
DEPLOY_MEDIAN="$(printf '%s\n' "${DEPLOY_MS[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"

# First request to a worker left idle, beside a warm one.
time_req() { curl -s -o /dev/null -w '%{time_total}' -H "Host: $1" "http://127.0.0.1:$FRONT/"; }
curl -s -o /dev/null -H 'Host: w1.localhost' "http://127.0.0.1:$FRONT/"
log "leaving w$((HOSTS - 1)) idle for ${IDLE_SECS}s"
sleep "$IDLE_SECS"
IDLE_FIRST="$(time_req "w$((HOSTS - 1)).localhost")"
IDLE_SECOND="$(time_req "w$((HOSTS - 1)).localhost")"
WARM=(); for _ in 1 2 3 4 5; do WARM+=("$(time_req w1.localhost)"); done

# Restart with every worker stored: time to the first response.
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true
t0="$(now_ms)"
"$MOLT" serve -c "$WORK/platform.toml" >>"$OUT/serve.log" 2>&1 &
SERVE_PID=$!
until [[ "$(curl -s -H 'Host: w0.localhost' "http://127.0.0.1:$FRONT/")" == "Hello World!" ]]; do sleep 0.005; done
RESTART_MS=$(( $(now_ms) - t0 ))

{
  echo "## molt serve on $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- wrk -t2 -c$CONNS -d$DURATION, $RUNS runs each, alternating:"
  echo "  - $HOSTS workers, uniform mix of hostnames: ${MIX[*]} rps"
  echo "  - one worker alone (w0): ${SINGLE[*]} rps"
  echo "- $HOSTS deploys of examples/hello (CLI process included): ${DEPLOY_ALL_MS} ms, $((DEPLOY_ALL_MS / HOSTS)) ms each"
  echo "- deploy-to-first-response of a new version (molt deploy start to first 200 with the new body): median ${DEPLOY_MEDIAN} ms of ${DEPLOYS} (${DEPLOY_SORTED}ms)"
  echo "- RSS: ${RSS0} kB with no worker, ${RSS100} kB with $HOSTS idle workers: $(( (RSS100 - RSS0) / HOSTS )) kB per deployed idle worker"
  echo "- first request after ${IDLE_SECS} s idle: ${IDLE_FIRST} s, second ${IDLE_SECOND} s; warm worker: ${WARM[*]} s"
  echo "- restart with $HOSTS stored workers to the first response: ${RESTART_MS} ms"
} | tee "$OUT/results.md"
