#!/usr/bin/env bash
# Load test: molt against Cloudflare's workerd, on loopback only.
#
# For examples/hello (path /) and examples/hono (path /json), serves the
# example with workerd (bundled with esbuild, as wrangler would) and then with
# `bin/molt dev`, runs a bounded wrk load against each, and prints a Markdown
# table of requests/second, p50 and p99 latency, and molt's rps relative to
# workerd's, and the CPU time the server used per request. Also measures
# start-to-first-response time (median of 5) and idle RSS for both servers on
# examples/hello.
#
# usage: bash bench/load.sh
# environment (all optional):
#   BENCH_DURATION     wrk run length per server and example   (default 10s)
#   BENCH_WARMUP       unmeasured wrk run before each one       (default 2s, 0 = none)
#   BENCH_CONNECTIONS  wrk connections                          (default 32)
#   BENCH_STARTS       runs of the start-up measurement         (default 5)
#   BENCH_PORT         first of the two loopback ports used     (default 18801)
#   BENCH_SKIP_MOLT=1  do not build or run molt
#   BENCH_SKIP_INSTALL=1  do not install wrk or run npm ci
# Output also goes to bench/out/load/results.md; server logs to bench/out/load/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
OUT="$BENCH/out/load"
DURATION="${BENCH_DURATION:-10s}"
WARMUP="${BENCH_WARMUP:-2s}"
CONNS="${BENCH_CONNECTIONS:-32}"
STARTS="${BENCH_STARTS:-5}"
PORT_WORKERD="${BENCH_PORT:-18801}"
PORT_MOLT="$((PORT_WORKERD + 1))"
MOLT_READY_SECS=5
WORKERD_READY_SECS=20

mkdir -p "$OUT"
log() { printf '%s\n' "$*" >&2; }

# ---------------------------------------------------------------- cleanup ---
SERVER_PIDS=()
cleanup() {
  local pid
  for pid in "${SERVER_PIDS[@]:-}"; do
    [[ -n "$pid" ]] || continue
    # Each server runs in its own session (setsid), so its process group id
    # is its pid: this ends the server and anything it started, nothing else.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${SERVER_PIDS[@]:-}"; do
    [[ -n "$pid" ]] || continue
    local i
    for i in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  SERVER_PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- install ---
as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to run: $*"; return 1
  fi
}
APT_UPDATED=0
apt_install() {
  if [[ "$APT_UPDATED" == 0 ]]; then
    as_root apt-get update -qq >&2
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# npm_ci DIR: npm ci in DIR unless its node_modules already matches its lock file.
npm_ci() {
  local dir="$1"
  [[ -f "$dir/package-lock.json" ]] || return 0
  if [[ -f "$dir/node_modules/.package-lock.json" && "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]]; then
    return 0
  fi
  log "npm ci in ${dir#"$ROOT"/}"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
}

if [[ "${BENCH_SKIP_INSTALL:-0}" != 1 ]]; then
  missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v curl >/dev/null || missing+=(curl)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  if ((${#missing[@]})); then
    log "installing from apt: ${missing[*]}"
    apt_install "${missing[@]}"
  fi
  npm_ci "$BENCH"
  npm_ci "$ROOT/examples/hello"
  npm_ci "$ROOT/examples/hono"
fi
for tool in wrk curl node; do
  command -v "$tool" >/dev/null || { log "missing $tool"; exit 1; }
done

WORKERD_BIN="$(node "$BENCH/workerd.mjs" bin)"
WORKERD_VERSION="$("$WORKERD_BIN" --version 2>/dev/null | awk '{print $2}')"

# ---------------------------------------------------------------- helpers ---
now_ms() { local t="$EPOCHREALTIME"; echo "$(( ${t%.*} * 1000 + 10#${t#*.} / 1000 ))"; }

# http_code URL: the status code of GET URL, or 000 when nothing answers.
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true; }

# start_server LOGFILE CMD...: starts CMD in a session of its own; sets SERVER_PID.
SERVER_PID=
start_server() {
  local logfile="$1"; shift
  setsid "$@" >"$logfile" 2>&1 </dev/null &
  SERVER_PID=$!
  SERVER_PIDS+=("$SERVER_PID")
}

# wait_200 PID URL SECS: polls URL until it answers 200; fails when PID exits
# or SECS pass. Tight loop, so its time also measures start-up.
wait_200() {
  local pid="$1" url="$2" secs="$3" deadline code
  deadline=$(( $(now_ms) + secs * 1000 ))
  while (( $(now_ms) < deadline )); do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" 2>/dev/null || true)"
    [[ "$code" == 200 ]] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
  done
  return 1
}

port_free() {
  local code
  code="$(http_code "http://127.0.0.1:$1/")"
  if [[ "$code" != 000 ]]; then
    log "port $1 already answers HTTP ($code): stop whatever serves it or set BENCH_PORT"
    exit 1
  fi
}

# loadavg: the 1-minute load average, to tell a quiet machine from a shared, busy one.
loadavg() { awk '{print $1}' /proc/loadavg 2>/dev/null || echo "?"; }

# cpu_ticks PID: the user and system CPU time PID has used (all its threads), in clock ticks.
CLK_TCK="$(getconf CLK_TCK 2>/dev/null || echo 100)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# to_ms VALUE: wrk's 812.00us / 1.23ms / 1.02s / 1.5m as milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.2f", n }'
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'; }

# workerd_prepare NAME PORT: bundles examples/NAME; prints its config path.
workerd_prepare() {
  node "$BENCH/workerd.mjs" prepare "$ROOT/examples/$1" "$OUT/workerd-$1" "$2"
}

# Result rows, filled by run_load.
ROWS=()
declare -A RPS=()

# run_load EXAMPLE PATH SERVER PORT: wrk against a server that is up.
run_load() {
  local name="$1" path="$2" server="$3" port="$4" url out rps p50 p99 extra
  url="http://127.0.0.1:$port$path"
  if [[ "$WARMUP" != 0 && "$WARMUP" != 0s ]]; then
    wrk -t1 -c"$CONNS" -d"$WARMUP" "$url" >/dev/null 2>&1 || true
  fi
  out="$OUT/wrk-$name-$server.txt"
  log "wrk -t1 -c$CONNS -d$DURATION --latency $url   ($server)"
  local t0 t1 reqs cpu=""
  t0="$(cpu_ticks "$SERVER_PID")"
  wrk -t1 -c"$CONNS" -d"$DURATION" --latency "$url" >"$out" 2>&1 || true
  t1="$(cpu_ticks "$SERVER_PID")"
  # CPU time per request stays meaningful when other work shares the cores, which makes
  # requests per second swing by a factor of two or more from one minute to the next.
  reqs="$(awk '/ requests in / {print $1}' "$out")"
  if [[ -n "$reqs" && "$reqs" -gt 0 ]]; then
    cpu="$(awk -v d="$((t1 - t0))" -v n="$reqs" -v hz="$CLK_TCK" 'BEGIN {printf "%.0f µs", d * 1e6 / hz / n}')"
  fi
  rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")"
  p50="$(awk '$1 == "50%" {print $2}' "$out")"
  p99="$(awk '$1 == "99%" {print $2}' "$out")"
  if [[ -z "$rps" || -z "$p50" || -z "$p99" ]]; then
    log "could not parse $out:"; cat "$out" >&2
    ROWS+=("| $name ($path) | $server | wrk failed | | | | |")
    return
  fi
  extra=""
  if grep -q 'Non-2xx or 3xx responses' "$out"; then
    extra=" ($(awk '/Non-2xx/ {print $NF}' "$out") non-2xx)"
  fi
  if grep -q 'Socket errors' "$out"; then
    extra="$extra ($(grep 'Socket errors' "$out" | sed 's/^ *//'))"
  fi
  RPS["$name/$server"]="$rps"
  local ratio=""
  if [[ "$server" == molt && -n "${RPS[$name/workerd]:-}" ]]; then
    ratio="$(awk -v a="$rps" -v b="${RPS[$name/workerd]}" 'BEGIN {if (b > 0) printf "%.2f", a / b}')"
  fi
  ROWS+=("| $name ($path) | $server | $rps$extra | $(to_ms "$p50") ms | $(to_ms "$p99") ms | $ratio | $cpu |")
}

stop_servers() { cleanup; }

# ------------------------------------------------------------------ load ---
# molt is built first; then each example is served by workerd and at once by molt, so that the
# two runs of a pair are close in time: on a shared machine, load from elsewhere varies over a
# minute far more than between two runs ten seconds apart.
EXAMPLES=("hello:/" "hono:/json")

MOLT_BIN="$ROOT/bin/molt"
MOLT_OK=0
if [[ "${BENCH_SKIP_MOLT:-0}" != 1 ]]; then
  if command -v go >/dev/null && (cd "$ROOT" && go build -o bin/molt . >"$OUT/molt-build.log" 2>&1); then
    MOLT_OK=1
  else
    log "molt: build failed (see ${OUT#"$ROOT"/}/molt-build.log)"
  fi
fi

port_free "$PORT_WORKERD"
port_free "$PORT_MOLT"
LOAD_BEFORE="$(loadavg)"
for entry in "${EXAMPLES[@]}"; do
  name="${entry%%:*}"; path="${entry#*:}"

  config="$(workerd_prepare "$name" "$PORT_WORKERD")"
  start_server "$OUT/workerd-$name.log" "$WORKERD_BIN" serve "$config"
  if wait_200 "$SERVER_PID" "http://127.0.0.1:$PORT_WORKERD$path" "$WORKERD_READY_SECS"; then
    run_load "$name" "$path" workerd "$PORT_WORKERD"
  else
    log "workerd did not serve examples/$name; its log:"; cat "$OUT/workerd-$name.log" >&2
    ROWS+=("| $name ($path) | workerd | workerd: not serving | | | | |")
  fi
  stop_servers

  served=0
  if [[ "$MOLT_OK" == 1 ]]; then
    start_server "$OUT/molt-$name.log" "$MOLT_BIN" dev "$ROOT/examples/$name" --port "$PORT_MOLT"
    if wait_200 "$SERVER_PID" "http://127.0.0.1:$PORT_MOLT$path" "$MOLT_READY_SECS"; then
      served=1
      run_load "$name" "$path" molt "$PORT_MOLT"
    else
      log "molt did not serve examples/$name within ${MOLT_READY_SECS}s (log: ${OUT#"$ROOT"/}/molt-$name.log)"
    fi
    stop_servers
  fi
  [[ "$served" == 1 ]] || ROWS+=("| $name ($path) | molt | molt: not serving | | | | |")
done
LOAD_AFTER="$(loadavg)"

# ------------------------------------------- start-up time and idle memory ---
# measure_start SERVER CMD...: median ms from exec to the first 200 on / of
# examples/hello over $STARTS runs; also the RSS after start-up and one request.
START_MS=""; IDLE_RSS=""
measure_start() {
  local server="$1" port="$2" ready_secs="$3"; shift 3
  local times=() i t0 t1 rss=""
  for i in $(seq 1 "$STARTS"); do
    t0="$(now_ms)"
    start_server "$OUT/start-$server-$i.log" "$@"
    if ! wait_200 "$SERVER_PID" "http://127.0.0.1:$port/" "$ready_secs"; then
      stop_servers
      START_MS=""; IDLE_RSS=""
      return 1
    fi
    t1="$(now_ms)"
    times+=("$((t1 - t0))")
    if [[ -z "$rss" ]]; then
      # Start-up plus the one request wait_200 made; let it settle a moment.
      sleep 0.5
      rss="$(rss_kib "$SERVER_PID")"
    fi
    stop_servers
  done
  START_MS="$(median "${times[@]}")"
  IDLE_RSS="$rss"
}

EXTRA=()
config="$(workerd_prepare hello "$PORT_WORKERD")"
if measure_start workerd "$PORT_WORKERD" "$WORKERD_READY_SECS" "$WORKERD_BIN" serve "$config"; then
  EXTRA+=("| workerd | $START_MS ms | $((IDLE_RSS / 1024)) MiB ($IDLE_RSS KiB) |")
else
  EXTRA+=("| workerd | workerd: not serving | |")
fi
if [[ "$MOLT_OK" == 1 ]] &&
  measure_start molt "$PORT_MOLT" "$MOLT_READY_SECS" "$MOLT_BIN" dev "$ROOT/examples/hello" --port "$PORT_MOLT"; then
  EXTRA+=("| molt | $START_MS ms | $((IDLE_RSS / 1024)) MiB ($IDLE_RSS KiB) |")
else
  EXTRA+=("| molt | molt: not serving | |")
fi

# ----------------------------------------------------------------- report ---
{
  echo "## molt vs workerd $WORKERD_VERSION"
  echo
  echo "$(nproc) cores; wrk -t1 -c$CONNS -d$DURATION --latency, after a $WARMUP warm-up; loopback;" \
    "1-minute load average $LOAD_BEFORE before the load runs and $LOAD_AFTER after them (wrk and one server make about 2)."
  echo
  echo "| example | server | rps | p50 | p99 | molt/workerd rps | server CPU per request |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "examples/hello: start-to-first-response (exec to first 200 on /, median of $STARTS) and idle RSS (after start-up and one request)"
  echo
  echo "| server | start-to-first-response | idle RSS |"
  echo "| --- | ---: | ---: |"
  printf '%s\n' "${EXTRA[@]}"
} | tee "$OUT/results.md"
