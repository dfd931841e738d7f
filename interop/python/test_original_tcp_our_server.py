"""The original Python client (PyPI tunely==0.12.0, its TunnelClient API) serving TCP tunnels through OUR
server's TCP listeners: tcp_connect, tcp_data (binary frames, negotiated) and tcp_close as tunely-0.12.md §2
describes. The original client's TCP target is its target URL's host and port (here: the interop HTTP target,
spoken to as raw TCP)."""
import socket
import time
from types import SimpleNamespace

import pytest

from support import OriginalClient, OurServer, free_port, wait_until


def exchange(port: int, request: bytes, timeout: float = 10) -> bytes:
    """One connection through a listener: send, then read until the far side closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        got = b""
        while chunk := s.recv(65536):
            got += chunk
        return got


@pytest.fixture(scope="module")
def tcp_stack(tmp_path_factory, target):
    env_port = free_port()
    server = OurServer(tmp_path_factory.mktemp("ours-tcp"), "--tcp-listen", "127.0.0.1:0:py-tcp",
                       env={"WS_TUNNEL_TCP_LISTEN": f"{env_port}:py-env"})  # unused: --tcp-listen wins
    token = server.create_tunnel("py-tcp")
    client = OriginalClient(server.ws_url, token, target.url)
    try:
        client.wait_connected()
        server.wait_connected("py-tcp")
        yield SimpleNamespace(server=server, client=client, port=server.tcp_listener("py-tcp"))
    finally:
        try:
            client.stop()
        finally:
            server.stop()


def test_binary_frames_negotiated(tcp_stack):
    assert tcp_stack.client.client._negotiated == frozenset({"binary_frames", "udp"})


def test_http_over_the_tcp_listener(tcp_stack, target):
    answer = exchange(tcp_stack.port, b"GET /via-our-listener?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert target.last("/via-our-listener")["method"] == "GET"


def test_large_upload_and_download_are_exact(tcp_stack, target):
    # Many tcp_data messages each way (the original reads its target 4 KiB at a time).
    upload = bytes(range(256)) * (1024 * 1024 // 256)
    answer = exchange(tcp_stack.port, b"POST /tcp-upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                      b"Content-Type: application/octet-stream\r\nContent-Length: "
                      + str(len(upload)).encode() + b"\r\n\r\n" + upload)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert target.last("/tcp-upload")["body"] == upload
    big = exchange(tcp_stack.port, b"GET /big?n=4000000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = big.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert body == (b"0123456789abcdef" * 250000)[:4000000]


def test_concurrent_connections(tcp_stack, target):
    socks = [socket.create_connection(("127.0.0.1", tcp_stack.port), timeout=10) for _ in range(20)]
    try:
        for i, s in enumerate(socks):
            s.sendall(f"GET /conc-{i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        for i, s in enumerate(socks):
            got = b""
            while chunk := s.recv(65536):
                got += chunk
            assert got.startswith(b"HTTP/1.1 200"), (i, got[:100])
            assert f"/conc-{i}".encode() in got
    finally:
        for s in socks:
            s.close()


def test_target_refused_closes_the_connection(tmp_path, target):
    server = OurServer(tmp_path / "refused", "--tcp-listen", "127.0.0.1:0:py-refused")
    token = server.create_tunnel("py-refused")
    client = OriginalClient(server.ws_url, token, f"http://127.0.0.1:{free_port()}")  # nobody listens there
    try:
        client.wait_connected()
        port = server.tcp_listener("py-refused")
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"hello")
            assert s.recv(100) == b""  # closed, nothing sent
        assert time.monotonic() - started < 5
    finally:
        client.stop()
        server.stop()


def test_original_listener_env_is_honoured(tmp_path, target):
    """WS_TUNNEL_TCP_LISTEN (the original's port:domain list, bound to WS_TUNNEL_TCP_LISTEN_HOST) works unchanged."""
    port = free_port()
    server = OurServer(tmp_path / "env", env={"WS_TUNNEL_TCP_LISTEN": f"{port}:py-env, bad-entry",
                                              "WS_TUNNEL_TCP_LISTEN_HOST": "127.0.0.1"})
    token = server.create_tunnel("py-env")
    client = OriginalClient(server.ws_url, token, target.url)
    try:
        client.wait_connected()
        assert server.tcp_listener("py-env") == port
        answer = exchange(port, b"GET /via-env HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    finally:
        client.stop()
        server.stop()


class UdpEcho:
    """A UDP echo service on 127.0.0.1:port (the original client sends UDP to its target URL's port)."""

    def __init__(self, port: int):
        import threading
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sources = set()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(65535)
            except OSError:
                return
            self.sources.add(peer[1])
            self.sock.sendto(data, peer)

    def close(self):
        self.sock.close()


def test_original_client_serves_udp_through_our_listener(tmp_path, target):
    """udp_open + binary udp_data both ways (0.12 §3): datagrams stay whole, each peer is its own session."""
    target_port = int(target.url.rsplit(":", 1)[1])
    echo = UdpEcho(target_port)  # same port number as the HTTP target, UDP
    server = OurServer(tmp_path / "udp", "--udp-listen", "127.0.0.1:0:py-udp")
    token = server.create_tunnel("py-udp")
    client = OriginalClient(server.ws_url, token, target.url)
    try:
        client.wait_connected()
        assert client.client._negotiated == frozenset({"binary_frames", "udp"})
        m = server.process.wait_for(r"UDP listener on [0-9.]+:([0-9]+) for tunnel py-udp\b", 5)
        port = int(m.group(1))
        peers = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
        for p in peers:
            p.settimeout(5)
        for i in range(100):
            for n, p in enumerate(peers):
                payload = f"peer {n} datagram {i} ".encode() + bytes(range(256)) * (i % 4)
                p.sendto(payload, ("127.0.0.1", port))
                data, _ = p.recvfrom(65535)
                assert data == payload
        assert len(echo.sources) == 2, echo.sources  # one client socket per external peer
        for p in peers:
            p.close()
    finally:
        client.stop()
        server.stop()
        echo.close()
