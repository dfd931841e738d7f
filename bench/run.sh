#!/usr/bin/env bash
# Tunely benchmark: one run measures, on this machine,
#   - 1 KB GETs (wrk, keep-alive): direct to the target, nginx as a one-hop
#     reverse proxy, Tunely protocol 2, Tunely protocol 1.1 — req/s, p50, p99;
#   - one large download and one large upload through Tunely protocol 2 (and
#     nginx for reference) with the peak RSS of the Tunely server and client;
#   - TCP tunnels (raw TCP to the same target): Tunely's TCP listener against
#     rathole (and frp, chisel when they build) and direct — 1 KB GETs at -c32
#     and -c1, a large download and upload, peak RSS of each side.
# It prints ratios against nginx (HTTP) and rathole (TCP) measured in the same
# run. Loopback only. Peers are built once into $BENCH_CACHE (default
# ~/.cache/tunely-bench); a peer that cannot be built is skipped with the reason.
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

# --- TCP peers, built once into a cache outside the repository (no network once cached).
# A failed build is remembered in $CACHE/NAME.failed (delete it, or BENCH_RETRY_PEERS=1, to try again).
CACHE=${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tunely-bench}
RATHOLE_VERSION=0.5.0 FRP_VERSION=v0.61.0 CHISEL_VERSION=v1.10.1
mkdir -p "$CACHE"
declare -A PEER_BIN PEER_SKIP
peer_failed() { echo "$2" > "$CACHE/$1.failed"; PEER_SKIP[$1]="$2; remembered in $CACHE/$1.failed"; }
peer_cached_failure() {
  [ -f "$CACHE/$1.failed" ] && [ -z "${BENCH_RETRY_PEERS:-}" ] || return 1
  PEER_SKIP[$1]="$(cat "$CACHE/$1.failed"); remembered in $CACHE/$1.failed"
}
# rathole from crates.io as `cargo install --locked`; if a locked dependency does not compile on this Rust, the
# crate's lock file is kept with only that dependency moved (time -> 0.3.36, the release fixing its Rust 1.80 break).
build_rathole() {
  local root=$CACHE/rathole-$RATHOLE_VERSION log=$CACHE/rathole-build.log crate src
  [ -x "$root/bin/rathole" ] && { PEER_BIN[rathole]=$root/bin/rathole; return; }
  peer_cached_failure rathole && return
  command -v cargo >/dev/null || { PEER_SKIP[rathole]="cargo not found"; return; }
  echo "building rathole $RATHOLE_VERSION into $root (once; minutes)"
  if ! cargo install rathole --version "$RATHOLE_VERSION" --locked --root "$root" > "$log" 2>&1; then
    crate=$(grep -o 'could not compile `[^`]*`' "$log" | head -1 | cut -d'`' -f2 || true)
    src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"rathole-$RATHOLE_VERSION" 2>/dev/null | head -1 || true)
    [ -n "$crate" ] && [ -n "$src" ] || { peer_failed rathole "cargo install failed: $(grep -m1 '^error' "$log" | cut -c1-120)"; return; }
    local pin=(); [ "$crate" = time ] && pin=(--precise 0.3.36)
    rm -rf "$CACHE/src/rathole-$RATHOLE_VERSION"; mkdir -p "$CACHE/src"; cp -r "$src" "$CACHE/src/"
    (cd "$CACHE/src/rathole-$RATHOLE_VERSION" && cargo update -p "$crate" "${pin[@]}" && cargo install --path . --locked --root "$root") >> "$log" 2>&1 \
      || { peer_failed rathole "locked $crate does not compile and the build with it updated failed too, see $log"; return; }
    echo "locked $crate failed on $(rustc --version); built with $(grep -o "Updating $crate v[^ ]* -> v[^ ]*" "$log" | head -1 | sed 's/^Updating //')" > "$root/PINNED"
  fi
  PEER_BIN[rathole]=$root/bin/rathole
}
# frp and chisel with `go install` (the module proxy must serve them).
build_go() { # name dir package@version...
  local name=$1 dir=$2 pkg missing=() log=$CACHE/$1-build.log; shift 2
  for pkg in "$@"; do pkg=${pkg%@*}; [ -x "$dir/${pkg##*/}" ] || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    peer_cached_failure "$name" && return
    command -v go >/dev/null || { PEER_SKIP[$name]="go not found"; return; }
    echo "building $name into $dir (once)"
    if ! GOBIN=$dir timeout 900 go install "$@" > "$log" 2>&1; then
      if grep -q '403 Forbidden' "$log"; then peer_failed "$name" "the Go module proxy refuses ${1%@*} (403 Forbidden)"
      else peer_failed "$name" "go install failed: $(grep -v '^go: downloading' "$log" | head -1 | cut -c1-120)"; fi
      return
    fi
  fi
  PEER_BIN[$name]=$dir
}
build_rathole
build_go frp "$CACHE/go-frp-$FRP_VERSION" "github.com/fatedier/frp/cmd/frps@$FRP_VERSION" "github.com/fatedier/frp/cmd/frpc@$FRP_VERSION"
build_go chisel "$CACHE/go-chisel-$CHISEL_VERSION" "github.com/jpillora/chisel@$CHISEL_VERSION"
for peer in rathole frp chisel; do
  if [ -n "${PEER_BIN[$peer]:-}" ]; then echo "$peer: ${PEER_BIN[$peer]}$(cat "${PEER_BIN[$peer]%/bin/rathole}/PINNED" 2>/dev/null | sed 's/^/ (/; s/$/)/' || true)"
  else echo "$peer: skipped (${PEER_SKIP[$peer]})"; fi
done

WORK=$(mktemp -d /tmp/tunely-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# nginx needs fixed ports: pick unused ones (Tunely itself binds port 0).
# Ports already handed out are remembered in $WORK/ports so two calls never return the same one.
# shellcheck source=../scripts/free_port.sh
. scripts/free_port.sh  # (cwd: the repository, line 15)

# --- target: nginx serving a 1 KB file and a large file, accepting large uploads
mkdir -p "$WORK/www"
head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 > "$WORK/www/1k.txt"
head -c $((LARGE_MIB * 1024 * 1024)) /dev/zero > "$WORK/www/large.bin"
head -c $((LARGE_MIB * 1024 * 1024)) /dev/zero > "$WORK/upload.bin"
TARGET_PORT=$(free_port "$WORK/ports"); PROXY_PORT=$(free_port "$WORK/ports"); TCP_TARGET_PORT=$(free_port "$WORK/ports")
cat > "$WORK/target.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/target.pid; error_log $WORK/target.err;
events { worker_connections 4096; }
http { access_log off; sendfile on; client_max_body_size 0; client_body_temp_path $WORK;
  server { listen 127.0.0.1:$TARGET_PORT; root $WORK/www; keepalive_requests 1000000;
    location /upload { client_body_buffer_size 1m; proxy_pass http://127.0.0.1:$TARGET_PORT/ok; }
    location /ok { return 200 "ok"; } }
  # The TCP section's target: the same files, but each response leaves in one segment (tcp_nopush, as in Debian's
  # stock nginx.conf). With head and sendfile body in two segments, rathole 0.5.0 (no TCP_NODELAY on the sockets
  # it accepts and opens) meets Nagle + delayed ACK: 40 ms stalls, -c1 falling to 100-400 req/s.
  server { listen 127.0.0.1:$TCP_TARGET_PORT; root $WORK/www; keepalive_requests 1000000; tcp_nopush on;
    location /upload { client_body_buffer_size 1m; proxy_pass http://127.0.0.1:$TARGET_PORT/ok; } } }
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
# The main server also carries the TCP section's tunnel (a binary without --tcp-listen skips that row).
TCP_LISTEN=(); [[ $("$TUNELY" server --help) == *--tcp-listen* ]] && TCP_LISTEN=(--tcp-listen 127.0.0.1:0:tcpbench)
"$TUNELY" server --host 127.0.0.1 --port 0 --database "sqlite:///$WORK/tunnels.db" --admin-key bench-key \
  --log-level warn --no-request-log "${TCP_LISTEN[@]}" > "$WORK/server.log" 2>&1 & SERVER_PID=$!; PIDS+=($SERVER_PID)
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
  local name=$1 url=$2 conns=${3:-$CONNS} out
  out=$(wrk -t1 -c"$conns" -d"${DURATION}s" --latency "$url")
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

# --- TCP tunnels: raw TCP to the same nginx target through Tunely's TCP listener, rathole, frp, chisel.
# Started only now, so the HTTP rows above ran without them. wrk and curl speak HTTP to the target's tcp_nopush
# server through each tunnel.
echo
echo "TCP tunnels to the target (raw TCP; peers: rathole $RATHOLE_VERSION, frp $FRP_VERSION, chisel $CHISEL_VERSION)"
TCP_PATHS=(direct tunely rathole frp chisel)
declare -A TCP_PORT TCP_SKIP TCP_LOG TCP_SERVER_PID TCP_CLIENT_PID
TCP_PORT[direct]=$TCP_TARGET_PORT
# The main server served the HTTP rows: reset its peak RSS (VmHWM) to its current RSS so the figure below is
# the TCP section's peak (Linux clear_refs 5).
echo 5 > "/proc/$SERVER_PID/clear_refs" 2>/dev/null || echo "  (could not reset the Tunely server's VmHWM: its peak includes the HTTP rows)"
TCP_LISTEN_PORT=$(grep -o 'TCP listener on [0-9.]*:[0-9]* for tunnel tcpbench' "$WORK/server.log" | grep -o ':[0-9]* ' | tr -d ': ' || true)
if [ -z "$TCP_LISTEN_PORT" ]; then
  TCP_SKIP[tunely]="$TUNELY server has no --tcp-listen"
else
  TT=$(token tcpbench)
  TCP_TARGET=(); [[ $("$TUNELY" connect --help) == *--tcp-target* ]] && TCP_TARGET=(--tcp-target "127.0.0.1:$TCP_TARGET_PORT")
  "$TUNELY" connect --server "ws://127.0.0.1:$TUNELY_PORT/ws/tunnel" --token "$TT" --target "http://127.0.0.1:$TCP_TARGET_PORT" \
    "${TCP_TARGET[@]}" --log-level warn > "$WORK/client-tcp.log" 2>&1 & TCP_CLIENT_PID[tunely]=$!; PIDS+=($!)
  TCP_SERVER_PID[tunely]=$SERVER_PID; TCP_PORT[tunely]=$TCP_LISTEN_PORT; TCP_LOG[tunely]=$WORK/client-tcp.log
fi
if [ -n "${PEER_BIN[rathole]:-}" ]; then
  RH_CONTROL=$(free_port "$WORK/ports"); RH_PORT=$(free_port "$WORK/ports")
  cat > "$WORK/rathole-server.toml" <<CONF
[server]
bind_addr = "127.0.0.1:$RH_CONTROL"
[server.services.bench]
token = "bench-token"
bind_addr = "127.0.0.1:$RH_PORT"
CONF
  cat > "$WORK/rathole-client.toml" <<CONF
[client]
remote_addr = "127.0.0.1:$RH_CONTROL"
[client.services.bench]
token = "bench-token"
local_addr = "127.0.0.1:$TCP_TARGET_PORT"
CONF
  RUST_LOG=warn "${PEER_BIN[rathole]}" --server "$WORK/rathole-server.toml" > "$WORK/rathole-server.log" 2>&1 & TCP_SERVER_PID[rathole]=$!; PIDS+=($!)
  RUST_LOG=warn "${PEER_BIN[rathole]}" --client "$WORK/rathole-client.toml" > "$WORK/rathole-client.log" 2>&1 & TCP_CLIENT_PID[rathole]=$!; PIDS+=($!)
  TCP_PORT[rathole]=$RH_PORT; TCP_LOG[rathole]=$WORK/rathole-client.log
else TCP_SKIP[rathole]=${PEER_SKIP[rathole]}; fi
if [ -n "${PEER_BIN[frp]:-}" ]; then
  FRP_CONTROL=$(free_port "$WORK/ports"); FRP_PORT=$(free_port "$WORK/ports")
  cat > "$WORK/frps.toml" <<CONF
bindAddr = "127.0.0.1"
bindPort = $FRP_CONTROL
log.level = "warn"
CONF
  cat > "$WORK/frpc.toml" <<CONF
serverAddr = "127.0.0.1"
serverPort = $FRP_CONTROL
log.level = "warn"
[[proxies]]
name = "bench"
type = "tcp"
localIP = "127.0.0.1"
localPort = $TCP_TARGET_PORT
remotePort = $FRP_PORT
CONF
  "${PEER_BIN[frp]}/frps" -c "$WORK/frps.toml" > "$WORK/frps.log" 2>&1 & TCP_SERVER_PID[frp]=$!; PIDS+=($!)
  "${PEER_BIN[frp]}/frpc" -c "$WORK/frpc.toml" > "$WORK/frpc.log" 2>&1 & TCP_CLIENT_PID[frp]=$!; PIDS+=($!)
  TCP_PORT[frp]=$FRP_PORT; TCP_LOG[frp]=$WORK/frpc.log
else TCP_SKIP[frp]=${PEER_SKIP[frp]}; fi
if [ -n "${PEER_BIN[chisel]:-}" ]; then
  CH_CONTROL=$(free_port "$WORK/ports"); CH_PORT=$(free_port "$WORK/ports")
  "${PEER_BIN[chisel]}/chisel" server --host 127.0.0.1 --port "$CH_CONTROL" --reverse > "$WORK/chisel-server.log" 2>&1 & TCP_SERVER_PID[chisel]=$!; PIDS+=($!)
  "${PEER_BIN[chisel]}/chisel" client "http://127.0.0.1:$CH_CONTROL" "R:127.0.0.1:$CH_PORT:127.0.0.1:$TCP_TARGET_PORT" \
    > "$WORK/chisel-client.log" 2>&1 & TCP_CLIENT_PID[chisel]=$!; PIDS+=($!)
  TCP_PORT[chisel]=$CH_PORT; TCP_LOG[chisel]=$WORK/chisel-client.log
else TCP_SKIP[chisel]=${PEER_SKIP[chisel]}; fi
# Wait until one GET gets through each tunnel; a tunnel that never answers loses its rows, with its client's last log line.
for n in tunely rathole frp chisel; do
  [ -n "${TCP_PORT[$n]:-}" ] || continue
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:${TCP_PORT[$n]}/1k.txt" && break; sleep 0.1; done
  if ! curl -sf -o /dev/null "http://127.0.0.1:${TCP_PORT[$n]}/1k.txt"; then
    TCP_SKIP[$n]="no HTTP response through the tunnel within 10 s; client log: $(tail -n 1 "${TCP_LOG[$n]}" | cut -c1-160)"
    unset "TCP_PORT[$n]"
  fi
done
declare -A TCP_START_SERVER TCP_START_CLIENT
for n in tunely rathole; do
  [ -n "${TCP_PORT[$n]:-}" ] || continue
  TCP_START_SERVER[$n]=$(awk '/VmRSS/ {print $2/1024}' "/proc/${TCP_SERVER_PID[$n]}/status")
  TCP_START_CLIENT[$n]=$(awk '/VmRSS/ {print $2/1024}' "/proc/${TCP_CLIENT_PID[$n]}/status")
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a/b}'; }
for c in "$CONNS" 1; do
  echo "1 KB GET through TCP tunnels, wrk -t1 -c$c -d${DURATION}s"
  for n in "${TCP_PATHS[@]}"; do
    [ -n "${TCP_PORT[$n]:-}" ] && measure "tcp_${n}_c$c" "http://127.0.0.1:${TCP_PORT[$n]}/1k.txt" "$c"
  done
  printf '%-10s %12s %10s %10s %12s\n' path req/s p50_ms p99_ms vs_rathole
  for n in "${TCP_PATHS[@]}"; do
    k=tcp_${n}_c$c
    if [ -z "${TCP_PORT[$n]:-}" ]; then printf '%-10s skipped (%s)\n' "$n" "${TCP_SKIP[$n]}"; continue; fi
    printf '%-10s %12s %10s %10s %12s\n' "$n" "${RPS[$k]}" "${P50[$k]}" "${P99[$k]}" "$(ratio "${RPS[$k]}" "${RPS[tcp_rathole_c$c]:-}")"
  done
done

echo "Large transfers through TCP tunnels: ${LARGE_MIB} MiB, median of ${TRANSFERS:=3} each (interleaved)"
# One transfer is a fraction of a second: a single sample moves with whatever else the machine does at that moment,
# so each path makes TRANSFERS downloads and uploads, alternating between the paths, and the median counts.
declare -A TCP_DOWN TCP_UP TCP_DOWN_ALL TCP_UP_ALL
for _ in $(seq "$TRANSFERS"); do
  for n in tunely rathole; do
    [ -n "${TCP_PORT[$n]:-}" ] || continue
    read -r speed size < <(curl -s -o /dev/null -w '%{speed_download} %{size_download}\n' "http://127.0.0.1:${TCP_PORT[$n]}/large.bin" || true) || true
    if [ "${size:-0}" = $((LARGE_MIB * 1024 * 1024)) ]; then TCP_DOWN_ALL[$n]+="$speed "; else echo "  $n download: got ${size:-0} bytes" >&2; fi
    read -r speed code < <(curl -s -o /dev/null -w '%{speed_upload} %{http_code}\n' -X POST -H 'Content-Type: application/octet-stream' \
      --data-binary "@$WORK/upload.bin" "http://127.0.0.1:${TCP_PORT[$n]}/upload" || true) || true
    if [ "${code:-0}" = 200 ]; then TCP_UP_ALL[$n]+="$speed "; else echo "  $n upload: HTTP status ${code:-none}" >&2; fi
  done
done
# Median of the successful transfers (none: empty, the row says failed); the spread is printed beside it.
median() { tr ' ' '\n' <<< "$1" | { grep . || true; } | sort -g | awk '{v[NR]=$1} END {if (NR) print (NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
spread() { tr ' ' '\n' <<< "$1" | { grep . || true; } | sort -g | awk '{v[NR]=$1} END {if (NR) printf "%.2f-%.2f", v[1]*8/1e9, v[NR]*8/1e9}'; }
for n in tunely rathole; do
  TCP_DOWN[$n]=$(median "${TCP_DOWN_ALL[$n]:-}"); TCP_UP[$n]=$(median "${TCP_UP_ALL[$n]:-}")
done
gbit_or() { if [ -z "${TCP_PORT[$1]:-}" ]; then echo skipped; elif [ -n "$2" ]; then echo "$(gbit "$2") Gbit/s"; else echo failed; fi; }
for dir in download upload; do
  if [ $dir = download ]; then t=${TCP_DOWN[tunely]:-} r=${TCP_DOWN[rathole]:-} ts=$(spread "${TCP_DOWN_ALL[tunely]:-}") rs=$(spread "${TCP_DOWN_ALL[rathole]:-}")
  else t=${TCP_UP[tunely]:-} r=${TCP_UP[rathole]:-} ts=$(spread "${TCP_UP_ALL[tunely]:-}") rs=$(spread "${TCP_UP_ALL[rathole]:-}"); fi
  printf '%-10s Tunely %-14s rathole %-14s ratio %s   (range Gbit/s: Tunely %s, rathole %s)\n' "$dir" "$(gbit_or tunely "$t")" \
    "$(gbit_or rathole "$r")" "$(ratio "$t" "$r")" "${ts:--}" "${rs:--}"
done

echo "Peak RSS (VmHWM, MiB) of the TCP tunnels, after the transfers (RSS once connected in brackets)"
printf '%-10s %16s %16s %8s\n' path server client sum
declare -A TCP_RSS_SUM
for n in tunely rathole; do
  if [ -z "${TCP_PORT[$n]:-}" ]; then printf '%-10s skipped\n' "$n"; continue; fi
  s=$(rss "${TCP_SERVER_PID[$n]}"); c=$(rss "${TCP_CLIENT_PID[$n]}")
  TCP_RSS_SUM[$n]=$(awk -v a="$s" -v b="$c" 'BEGIN {printf "%.1f", a+b}')
  printf '%-10s %16s %16s %8s\n' "$n" "$(printf '%.1f (%.1f)' "$s" "${TCP_START_SERVER[$n]}")" \
    "$(printf '%.1f (%.1f)' "$c" "${TCP_START_CLIENT[$n]}")" "${TCP_RSS_SUM[$n]}"
done
echo "Tunely vs rathole: req/s -c$CONNS $(ratio "${RPS[tcp_tunely_c$CONNS]:-}" "${RPS[tcp_rathole_c$CONNS]:-}")," \
  "-c1 $(ratio "${RPS[tcp_tunely_c1]:-}" "${RPS[tcp_rathole_c1]:-}"), download $(ratio "${TCP_DOWN[tunely]:-}" "${TCP_DOWN[rathole]:-}")," \
  "upload $(ratio "${TCP_UP[tunely]:-}" "${TCP_UP[rathole]:-}"), peak RSS $(ratio "${TCP_RSS_SUM[tunely]:-}" "${TCP_RSS_SUM[rathole]:-}")" \
  "(goal: ≥ 1.00 for the first four, ≤ 1.00 for RSS)"

# --- Idle tunnels: the server's memory fresh and idle, then with IDLE_TUNNELS idle tunnel sessions connected
# (its own server and Node client; bench/idle_tunnels.sh). IDLE_TUNNELS=0 skips it.
IDLE_TUNNELS=${IDLE_TUNNELS:-10000}
if [ "$IDLE_TUNNELS" != 0 ]; then
  echo
  TUNELY_BIN=$TUNELY bench/idle_tunnels.sh "$IDLE_TUNNELS" || echo "idle tunnels: failed (exit code $?)" >&2
fi
