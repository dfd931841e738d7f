# Sourced by scripts that must give a server a fixed port (PostgreSQL, MariaDB, nginx, rathole): prints a TCP port
# that no socket uses, in any state. It is drawn below the kernel's ephemeral range (ip_local_port_range): a port
# inside that range can be taken at any moment as the local port of an outgoing connection, and the server's bind
# then fails with "Address already in use" (seen: the test PostgreSQL, and rathole in bench/run.sh).
# Optional $1: a file of ports already handed out by this run; the port is appended to it.
free_port() {
  local low=32768 p
  read -r low _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  local top=$((low - 1))
  [ "$top" -gt 12000 ] || top=60999  # no room below the ephemeral range: take the old draw
  while :; do
    p=$(shuf -i 10000-"$top" -n 1)
    # Every TCP socket's local and peer address, read whole first (grep -q in a pipe would cut its writer short,
    # which pipefail reads as a failure).
    local used
    used=$(ss -tanH | awk '{print $4; print $5}')
    grep -q ":$p\$" <<< "$used" && continue
    if [ -n "${1:-}" ]; then
      grep -qx "$p" "$1" 2>/dev/null && continue
      echo "$p" >> "$1"
    fi
    echo "$p"
    return
  done
}
