#!/usr/bin/env bash
# Tunely benchmark: one run measures, on this machine,
#   - 1 KB GETs (wrk, keep-alive): direct to the target, nginx as a one-hop
#     reverse proxy, Tunely protocol 2, Tunely protocol 1.1 — req/s, p50, p99;
#   - one large download and one large upload through Tunely protocol 2 (and
#     nginx for reference) with the peak RSS of the Tunely server and client.
# It prints ratios against nginx measured in the same run. Loopback only.
# Usage: bench/run.sh [duration-seconds] [large-file-MiB]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
LARGE_MIB=${2:-256}
CONNS=${BENCH_CONNECTIONS:-32}
TUNELY=${TUNELY:-build/apps/tunely/tunely}

for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "installing wrk nginx-light curl"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light curl >/dev/null; break; }
done
[ -x "$TUNELY" ] || { echo "build first: make build" >&2; exit 1; }

WORK=$(mktemp -d /tmp/tunely-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# nginx needs fixed ports: pick unused ones (Tunely itself binds port 0).
free_port() { local p; while :; do p=$(shuf -i 20000-60000 -n 1); ss -ltn | grep -q ":$p " || { echo "$p"; return; }; done; }

# --- target: nginx serving a 1 KB file and a large file, accepting large uploads
mkdir -p "$WORK/www"
head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 > "$WORK/www/1k.txt"
head -c $((LARGE_MIB * 1024 * 1024)) /dev/zero > "$WORK/www/large.bin"
head -c $((LARGE_MIB * 1024 * 1024)) /dev/zero > "$WORK/upload.bin"
TARGET_PORT=$(free_port); PROXY_PORT=$(free_port)
cat > "$WORK/target.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/target.pid; error_log $WORK/target.err;
events { worker_connections 4096; }
http { access_log off; sendfile on; client_max_body_size 0; client_body_temp_path $WORK;
  server { listen 127.0.0.1:$TARGET_PORT; root $WORK/www; keepalive_requests 1000000;
    location /upload { client_body_buffer_size 1m; proxy_pass http://127.0.0.1:$TARGET_PORT/ok; }
    location /ok { return 200 "ok"; } } }
CONF
cat > "$WORK/proxy.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/proxy.pid; error_log $WORK/proxy.err;
events { worker_connections 4096; }
http { access_log off; client_max_body_size 0; client_body_temp_path $WORK; proxy_temp_path $WORK;
  upstream t { server 127.0.0.1:$TARGET_PORT; keepalive 64; }
  server { listen 127.0.0.1:$PROXY_PORT; keepalive_requests 1000000;
    location / { proxy_pass http://t; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_request_buffering off; proxy_buffering off; } } }
CONF
nginx -c "$WORK/target.conf" -e "$WORK/target.err" & PIDS+=($!)
nginx -c "$WORK/proxy.conf" -e "$WORK/proxy.err" & PIDS+=($!)

# --- tunely server + two clients (protocol 2 and 1.1)
"$TUNELY" server --host 127.0.0.1 --port 0 --database "sqlite:///$WORK/tunnels.db" --admin-key bench-key \
  --log-level warn --no-request-log > "$WORK/server.log" 2>&1 & SERVER_PID=$!; PIDS+=($SERVER_PID)
# A second server with the request log on (SQLite), to show what the log writer costs.
"$TUNELY" server --host 127.0.0.1 --port 0 --database "sqlite:///$WORK/logged.db" --admin-key bench-key \
  --log-level warn > "$WORK/server-log.log" 2>&1 & PIDS+=($!)
for _ in $(seq 100); do grep -q "listening on" "$WORK/server.log" && grep -q "listening on" "$WORK/server-log.log" && break; sleep 0.1; done
TUNELY_PORT=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$WORK/server.log" | grep -o '[0-9]*$')
LOGGED_PORT=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$WORK/server-log.log" | grep -o '[0-9]*$')
token() { curl -s -X POST -H 'x-api-key: bench-key' -d "{\"domain\":\"$1\"}" "http://127.0.0.1:${2:-$TUNELY_PORT}/api/tunnels" \
  | sed 's/.*"token":"\(tun_[^"]*\)".*/\1/'; }
T2=$(token bench2); T1=$(token bench1); TL=$(token benchlog "$LOGGED_PORT"); TS=$(token benchts)
# The TypeScript client (typescript/, built here) on the same server: the SDK's figure against the C++ client.
(cd typescript && npm ci --no-audit --no-fund --silent && npm run build --silent)
node typescript/dist/bin.js connect --server "ws://127.0.0.1:$TUNELY_PORT/ws/tunnel" --token "$TS" \
  --target "http://127.0.0.1:$TARGET_PORT" > "$WORK/client-ts.log" 2>&1 & PIDS+=($!)
"$TUNELY" connect --server "ws://127.0.0.1:$TUNELY_PORT/ws/tunnel" --token "$T2" --target "http://127.0.0.1:$TARGET_PORT" \
  --log-level warn > "$WORK/client2.log" 2>&1 & CLIENT2_PID=$!; PIDS+=($CLIENT2_PID)
"$TUNELY" connect --server "ws://127.0.0.1:$TUNELY_PORT/ws/tunnel" --token "$T1" --target "http://127.0.0.1:$TARGET_PORT" \
  --no-protocol-2 --log-level warn > "$WORK/client1.log" 2>&1 & PIDS+=($!)
"$TUNELY" connect --server "ws://127.0.0.1:$LOGGED_PORT/ws/tunnel" --token "$TL" --target "http://127.0.0.1:$TARGET_PORT" \
  --log-level warn > "$WORK/client-log.log" 2>&1 & PIDS+=($!)
for _ in $(seq 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$LOGGED_PORT/t/benchlog/1k.txt" && \
  curl -sf -o /dev/null "http://127.0.0.1:$TUNELY_PORT/t/bench2/1k.txt" && curl -sf -o /dev/null "http://127.0.0.1:$TUNELY_PORT/t/bench1/1k.txt" && \
  curl -sf -o /dev/null "http://127.0.0.1:$TUNELY_PORT/t/benchts/1k.txt" && break
  sleep 0.1
done

# --- 1 KB GETs
declare -A RPS P50 P99
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; printf "%.3f", v}'; }
measure() {
  local name=$1 url=$2 out
  out=$(wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$url")
  RPS[$name]=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  P50[$name]=$(echo "$out" | awk '$1=="50%" {print $2}' | to_ms)
  P99[$name]=$(echo "$out" | awk '$1=="99%" {print $2}' | to_ms)
  local errors; errors=$(echo "$out" | grep -E 'Non-2xx|Socket errors' || true)
  [ -n "$errors" ] && echo "  $name: $errors" >&2 || true
}
echo "1 KB GET, wrk -t1 -c$CONNS -d${DURATION}s (machine: $(nproc) cores)"
measure direct  "http://127.0.0.1:$TARGET_PORT/1k.txt"
measure nginx   "http://127.0.0.1:$PROXY_PORT/1k.txt"
measure tunely2 "http://127.0.0.1:$TUNELY_PORT/t/bench2/1k.txt"
measure tunely1 "http://127.0.0.1:$TUNELY_PORT/t/bench1/1k.txt"
measure tunely2log "http://127.0.0.1:$LOGGED_PORT/t/benchlog/1k.txt"
measure ts2     "http://127.0.0.1:$TUNELY_PORT/t/benchts/1k.txt"
printf '%-10s %12s %10s %10s %12s\n' path req/s p50_ms p99_ms vs_nginx
for n in direct nginx tunely2 tunely1 tunely2log ts2; do
  printf '%-10s %12s %10s %10s %12s\n' "$n" "${RPS[$n]}" "${P50[$n]}" "${P99[$n]}" \
    "$(awk -v a="${RPS[$n]}" -v b="${RPS[nginx]}" 'BEGIN {printf "%.2f", a/b}')"
done

echo "TypeScript client vs C++ client (protocol 2, same server): $(awk -v a="${RPS[ts2]}" -v b="${RPS[tunely2]}" 'BEGIN {printf "%.2f", a/b}')"
echo "request log on/off (protocol 2): $(awk -v a="${RPS[tunely2log]}" -v b="${RPS[tunely2]}" 'BEGIN {printf "%.2f", a/b}')"
logged_rows=$(curl -s -H 'x-api-key: bench-key' "http://127.0.0.1:$LOGGED_PORT/api/tunnels/benchlog/logs?limit=1" | sed 's/.*"total":\([0-9]*\).*/\1/')
echo "request log rows written during the run: $logged_rows"

# --- large transfers (protocol 2), with peak RSS
rss() { awk '/VmHWM/ {print $2/1024}' "/proc/$1/status"; }
base_server=$(awk '/VmRSS/ {print $2/1024}' /proc/$SERVER_PID/status)
base_client=$(awk '/VmRSS/ {print $2/1024}' /proc/$CLIENT2_PID/status)
gbit() { awk -v bps="$1" 'BEGIN {printf "%.2f", bps*8/1e9}'; }
echo
echo "Large transfers: ${LARGE_MIB} MiB"
d_nginx=$(curl -s -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$PROXY_PORT/large.bin")
d_tunely=$(curl -s -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$TUNELY_PORT/t/bench2/large.bin")
u_nginx=$(curl -s -o /dev/null -w '%{speed_upload}' -X POST -H 'Content-Type: application/octet-stream' --data-binary "@$WORK/upload.bin" "http://127.0.0.1:$PROXY_PORT/upload")
u_tunely=$(curl -s -o /dev/null -w '%{speed_upload}' -X POST -H 'Content-Type: application/octet-stream' --data-binary "@$WORK/upload.bin" "http://127.0.0.1:$TUNELY_PORT/t/bench2/upload")
printf '%-18s %10s Gbit/s   (nginx %s Gbit/s, ratio %s)\n' download "$(gbit "$d_tunely")" "$(gbit "$d_nginx")" "$(awk -v a="$d_tunely" -v b="$d_nginx" 'BEGIN {printf "%.2f", a/b}')"
printf '%-18s %10s Gbit/s   (nginx %s Gbit/s, ratio %s)\n' upload "$(gbit "$u_tunely")" "$(gbit "$u_nginx")" "$(awk -v a="$u_tunely" -v b="$u_nginx" 'BEGIN {printf "%.2f", a/b}')"
printf 'peak RSS: server %.1f MiB (%.1f at start), client %.1f MiB (%.1f at start)\n' \
  "$(rss $SERVER_PID)" "$base_server" "$(rss $CLIENT2_PID)" "$base_client"
