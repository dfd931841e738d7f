#!/usr/bin/env bash
# tunely server --threads (issue 11, goal 2): the same load at --threads 1 and 2. TUNNELS tunnels (one C++
# client each) behind one server, wrk spreading 1 KB GETs over them (CONNS keep-alive connections). What
# isolates the server on a machine whose cores it shares with wrk, the clients and the target: its own CPU
# time per request (utime + stime from /proc, over the wrk run). req/s is shown too; it says what the machine
# allows, not what the server alone could do.
# Usage: bench/threads.sh [seconds=5] [connections=64]   env: TUNNELS=8 RUNS=3 THREADS="1 2"
set -euo pipefail
cd "$(dirname "$0")/.."
TUNELY=${TUNELY:-build/apps/tunely/tunely}
DURATION=${1:-5}; CONNS=${2:-64}; RUNS=${RUNS:-3}; THREADS=${THREADS:-"1 2"}
export TUNNELS=${TUNNELS:-8}  # (read by spread.lua)
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light curl >/dev/null
done
WORK=$(mktemp -d); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=../scripts/free_port.sh
. scripts/free_port.sh

mkdir -p "$WORK/www"; head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 > "$WORK/www/1k.txt"
chmod -R a+rX "$WORK"  # nginx workers run as another user
TARGET_PORT=$(free_port "$WORK/ports")
cat > "$WORK/target.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/target.pid; error_log $WORK/target.err;
events { worker_connections 4096; }
http { access_log off; sendfile on; server { listen 127.0.0.1:$TARGET_PORT; root $WORK/www; keepalive_requests 1000000; } }
CONF
nginx -c "$WORK/target.conf" -e "$WORK/target.err" & PIDS+=($!)
cat > "$WORK/spread.lua" <<'LUA'
-- Each connection walks the tunnels in turn.
local n = tonumber(os.getenv("TUNNELS"))
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/t/b" .. (i % n) .. "/1k.txt")
end
LUA
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
median() { tr ' ' '\n' <<< "$1" | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
range() { tr ' ' '\n' <<< "$1" | grep . | sort -g | awk '{v[NR]=$1} END {printf "%s-%s", v[1], v[NR]}'; }
HZ=$(getconf CLK_TCK)

one_run() { # threads mode → "us_per_request req_per_s" (in a subshell: its processes end with it, however it ends)
  local threads=$1 mode=$2 pids=() port tok before after rps requests
  trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
  "$TUNELY" server --host 127.0.0.1 --port 0 --threads "$threads" --database "sqlite:///$WORK/t$threads-$RANDOM.db" \
    --admin-key bench-key --log-level warn --no-request-log > "$WORK/server.log" 2>&1 & local server=$!
  pids+=("$server")
  for _ in $(seq 100); do grep -q "listening on" "$WORK/server.log" && break; sleep 0.1; done
  port=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$WORK/server.log" | grep -o '[0-9]*$')
  for i in $(seq 0 $((TUNNELS - 1))); do
    tok=$(curl -s -X POST -H 'x-api-key: bench-key' -d "{\"domain\":\"b$i\"}" "http://127.0.0.1:$port/api/tunnels" \
      | sed 's/.*"token":"\(tun_[^"]*\)".*/\1/')
    "$TUNELY" connect --server "ws://127.0.0.1:$port/ws/tunnel" --token "$tok" --target "http://127.0.0.1:$TARGET_PORT" \
      --log-level warn > "$WORK/client$i.log" 2>&1 & pids+=($!)
  done
  for i in $(seq 0 $((TUNNELS - 1))); do
    for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/t/b$i/1k.txt" && break; sleep 0.1; done
  done
  wrk -t1 -c"$CONNS" -d1s -s "$WORK/spread.lua" "http://127.0.0.1:$port" > /dev/null  # warm-up
  before=$(cpu_ticks "$server")
  if [ "$mode" = rotating ]; then
    out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" -s "$WORK/spread.lua" "http://127.0.0.1:$port")
  else  # one wrk per tunnel, CONNS / TUNNELS connections each
    local loads=()
    for i in $(seq 0 $((TUNNELS - 1))); do
      wrk -t1 -c$((CONNS / TUNNELS)) -d"${DURATION}s" "http://127.0.0.1:$port/t/b$i/1k.txt" > "$WORK/wrk$i.out" &
      loads+=($!)
    done
    wait "${loads[@]}"
    out=$(cat "$WORK"/wrk*.out)
  fi
  after=$(cpu_ticks "$server")
  requests=$(awk '/requests in/ {n += $1} END {print n}' <<< "$out")
  rps=$(awk '/Requests\/sec/ {r += $2} END {printf "%d", r}' <<< "$out")
  if grep -q "Non-2xx" <<< "$out"; then
    echo "non-2xx answers at --threads $threads: $(curl -s "http://127.0.0.1:$port/t/b0/1k.txt" | head -c 300)" >&2
    tail -n 5 "$WORK/server.log" "$WORK/client0.log" >&2 || true
  fi
  kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true
  awk -v t=$((after - before)) -v hz="$HZ" -v n="$requests" -v r="$rps" 'BEGIN {printf "%.2f %d\n", t / hz * 1e6 / n, r}'
}

echo "tunely server --threads: $TUNNELS tunnels, $CONNS keep-alive connections, ${DURATION}s, 1 KB GET, $RUNS runs (machine: $(nproc) cores)"
echo "sticky: each connection stays with one tunnel (one wrk per tunnel); rotating: every request of a connection"
echo "goes to the next tunnel (a connection moves between threads at almost every request: the worst case)"
printf '%-10s %-9s %26s %22s\n' threads load "server CPU us/request" "req/s"
for mode in sticky rotating; do
  for threads in $THREADS; do
    us_all=""; rps_all=""
    for _ in $(seq "$RUNS"); do
      read -r us rps < <(one_run "$threads" "$mode")
      us_all+="$us "; rps_all+="$rps "
    done
    printf '%-10s %-9s %14s (%s) %12s (%s)\n' "$threads" "$mode" "$(median "$us_all")" "$(range "$us_all")" \
      "$(median "$rps_all")" "$(range "$rps_all")"
  done
done
