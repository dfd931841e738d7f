#!/usr/bin/env bash
# Tunely idle-tunnel memory benchmark: how much memory the tunnel server needs
#   (a) fresh and idle: `tunely server` on SQLite, no tunnel in the database, no client connected;
#   (b) with N tunnels created through the admin API (database and caches), nobody connected yet;
#   (c) with N idle tunnel clients connected and authenticated (protocol 2, as `tunely connect` by default).
# It prints the server's RSS and peak RSS (VmHWM) at each step, split into anonymous and file-backed memory, and
# KiB per idle tunnel = (RSS(c) - RSS(b)) / N. Goal: idle server <= 10 MiB, <= 10 KiB per idle tunnel.
# Everything runs on loopback; the N sessions are held by one Node process (bench/idle-tunnels.mjs, `ws`).
# Usage: bench/idle_tunnels.sh [N]   (default 10000; TUNELY_BIN=path overrides the binary measured)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-10000}
SRC=${TUNELY_BIN:-$REPO/build/apps/tunely/tunely}
KEY=idle-bench-key
CONNECT_CONCURRENCY=${IDLE_CONNECT_CONCURRENCY:-200}  # WebSocket handshakes in flight at once
SETTLE=${IDLE_SETTLE:-3}                              # seconds to wait before sampling a step
read -r -a EXTRA_ARGS <<< "${IDLE_SERVER_ARGS:-}"    # more `tunely server` options, e.g. "--ping-interval 1"

die() { echo "idle_tunnels: $*" >&2; exit 1; }
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number, got '$N'"
[ -x "$SRC" ] || die "no tunely binary at $SRC (build first: make build, or set TUNELY_BIN)"
command -v node >/dev/null || die "node (18 or newer) is needed"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 18 ] || die "node 18 or newer is needed"
[ -d "$REPO/typescript/node_modules/ws" ] || (cd "$REPO/typescript" && npm ci --no-audit --no-fund --silent)

# One socket per tunnel on each side: both processes need N descriptors and some to spare.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge 65536 ]; then ulimit -n 65536; else ulimit -n "$hard"; fi
[ "$(ulimit -n)" -ge $((N + 256)) ] || die "N=$N needs ulimit -n >= $((N + 256)); the hard limit here is $hard"

# Throw-away dirs: the binary is copied to WORK (on disk: a binary on tmpfs would count as shmem, not file pages),
# so a rebuild cannot swap it midway; the SQLite database goes to DB_DIR, in memory when /dev/shm is there.
WORK=$(mktemp -d /tmp/tunely-idle.XXXXXX)
DB_DIR=$(mktemp -d -p /dev/shm tunely-idle-db.XXXXXX 2>/dev/null || mktemp -d /tmp/tunely-idle-db.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK" "$DB_DIR"
}
trap cleanup EXIT
cp "$SRC" "$WORK/tunely"

# Memory of a process in KiB: VmRSS VmHWM RssAnon RssFile RssShmem from /proc/PID/status, and Pss from
# smaps_rollup (RSS with each shared page divided among the processes that map it, e.g. shared libraries' code).
mem() { awk '/^(VmRSS|VmHWM|RssAnon|RssFile|RssShmem|Pss):/ {v[$1]=$2}
  END {print v["VmRSS:"], v["VmHWM:"], v["RssAnon:"], v["RssFile:"], v["RssShmem:"], v["Pss:"]}' \
  "/proc/$1/status" "/proc/$1/smaps_rollup"; }
# After SETTLE seconds, three reads 1 s apart; the one with the median RSS counts.
sample() {
  local pid=$1 rows=() i
  sleep "$SETTLE"
  for i in 1 2 3; do rows+=("$(mem "$pid")"); [ $i = 3 ] || sleep 1; done
  printf '%s\n' "${rows[@]}" | sort -n -k1,1 | sed -n 2p
}
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
describe() { # "rss hwm anon file shmem pss" -> text
  local rss hwm anon file shmem pss
  read -r rss hwm anon file shmem pss <<< "$1"
  echo "RSS $(mib "$rss") MiB (VmHWM $(mib "$hwm"); anon $(mib "$anon"), file $(mib "$file"), shmem $(mib "$shmem"); Pss $(mib "$pss") MiB)"
}
wait_for() { # file pattern pid seconds: wait until the pattern is in the file; fail if the process ends first
  local i
  for ((i = 0; i < $4 * 10; i++)); do
    grep -qs "$2" "$1" && return 0
    kill -0 "$3" 2>/dev/null || { cat "$1" >&2; die "process $3 ended before '$2'"; }
    sleep 0.1
  done
  cat "$1" >&2; die "no '$2' within $4 s"
}

echo "idle tunnels: N=$N, $(nproc) cores, binary $SRC ($(date -r "$SRC" '+%F %T'), sha256 $(sha256sum "$SRC" | cut -c1-12))"

# --- (a) fresh idle server. Started from the work dir, so it finds no admin console build (admin-console/dist
# is loaded into memory when present) and the figure does not depend on whether the console was built.
# All N clients come from 127.0.0.1, as behind a reverse proxy: the failed-authentication limiter is turned off
# (it counts every handshake in flight against 10 per address; it keeps no state for sessions once they are up).
(cd "$WORK" && exec ./tunely server --host 127.0.0.1 --port 0 --database "sqlite:///$DB_DIR/t.db" --admin-key "$KEY" \
  --log-level warn --no-request-log --auth-failures-per-minute 0 "${EXTRA_ARGS[@]}" > "$WORK/server.log" 2>&1) & SERVER=$!; PIDS+=($SERVER)
wait_for "$WORK/server.log" "listening on http://" "$SERVER" 10
PORT=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$WORK/server.log" | head -1 | grep -o '[0-9]*$')
IDLE=$(sample "$SERVER")
echo "idle server: $(describe "$IDLE")"

# --- (b) N tunnels in the database (admin API, keep-alive, 32 requests in flight); the creating process has
# exited before the sample, so its connections are gone. This separates database/cache growth from sessions.
node "$REPO/bench/idle-tunnels.mjs" create --port "$PORT" --key "$KEY" --count "$N" --out "$WORK/tokens.txt"
CREATED=$(sample "$SERVER")
read -r idle_rss _ <<< "$IDLE"; read -r created_rss _ <<< "$CREATED"
echo "$N tunnels created, none connected: $(describe "$CREATED"), +$(mib $((created_rss - idle_rss))) MiB"

# --- (c) N idle sessions: one Node process, CONNECT_CONCURRENCY handshakes at a time, each authenticated with
# protocol 2; it fails if any handshake fails, then holds the sessions (answering PINGs) until SIGTERM.
node "$REPO/bench/idle-tunnels.mjs" connect --port "$PORT" --tokens "$WORK/tokens.txt" \
  --concurrency "$CONNECT_CONCURRENCY" > "$WORK/client.log" 2>&1 & CLIENT=$!; PIDS+=($CLIENT)
wait_for "$WORK/client.log" "^connected " "$CLIENT" 120
sed -n '/^connected /,$p' "$WORK/client.log"
sleep 0.5
kill -0 "$CLIENT" 2>/dev/null || die "the client failed: not every session authenticated"
CONNECTED=$(sample "$SERVER")
read -r conn_rss conn_hwm _ <<< "$CONNECTED"
CLIENT_MEM=$(mem "$CLIENT")

# The server's own view: sessions online (GET /api/stats) and connected tunnels (GET /health).
stats=$(curl -sf -H "x-api-key: $KEY" "http://127.0.0.1:$PORT/api/stats?minutes=1") || die "GET /api/stats failed"
online=$(grep -o '"tunnels_online":[0-9]*' <<< "$stats" | cut -d: -f2)
total=$(grep -o '"tunnels_total":[0-9]*' <<< "$stats" | cut -d: -f2)
health=$(curl -sf "http://127.0.0.1:$PORT/health" || die "GET /health failed")
health=$(grep -o '"connected_tunnels":[0-9]*' <<< "$health" | cut -d: -f2)

per_tunnel=$(awk -v a="$conn_rss" -v b="$created_rss" -v n="$N" 'BEGIN {printf "%.1f", (a - b) / n}')
per_tunnel_all=$(awk -v a="$conn_rss" -v b="$idle_rss" -v n="$N" 'BEGIN {printf "%.1f", (a - b) / n}')
echo "$N idle tunnels connected: $(describe "$CONNECTED")"
echo "$N idle tunnels connected: RSS $(mib "$conn_rss") MiB, +$(mib $((conn_rss - created_rss))) MiB over the idle server" \
  "after creating the tunnels = $per_tunnel KiB per tunnel"
echo "  with the database growth: +$(mib $((conn_rss - idle_rss))) MiB over the fresh idle server = $per_tunnel_all KiB per tunnel;" \
  "peak (VmHWM) $(mib "$conn_hwm") MiB"
echo "server's view: /api/stats tunnels_online $online of tunnels_total $total; /health connected_tunnels $health"
echo "node client holding the sessions: $(describe "$CLIENT_MEM")"

# Stop the client and show whether any session was lost while it was measured.
kill -TERM "$CLIENT"; wait "$CLIENT" 2>/dev/null || true
grep -A20 '^held ' "$WORK/client.log" || true
echo "goal: idle server <= 10 MiB (now $(mib "$idle_rss")), <= 10 KiB per idle tunnel (now $per_tunnel)"
echo "RESULT n=$N idle_kib=$idle_rss created_kib=$created_rss connected_kib=$conn_rss hwm_kib=$conn_hwm kib_per_tunnel=$per_tunnel kib_per_tunnel_with_db=$per_tunnel_all"
[ "${online:-0}" = "$N" ] && [ "${health:-0}" = "$N" ] || die "the server counts ${online:-?} (stats) / ${health:-?} (health) connected tunnels, not $N"
