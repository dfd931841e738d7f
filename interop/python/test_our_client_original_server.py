"""OUR `tunely connect` against the ORIGINAL server (PyPI tunely==0.12.0, started with its own CLI `tunely serve`,
its own SQLite database).

0.12 creates every tunnel in TCP mode (`tunely tunnel create -m http` sends the mode, the server ignores it) and
answers HTTP ingress for a connected TCP-mode tunnel with 410. Our client speaks only the HTTP mode of 1.1
(`request`/`response`; it ignores `tcp_connect`). HTTP-mode tunnels still exist in the field: rows created before
0.11 keep `mode='http'` under `tunely serve` (it runs create_all, not the Alembic migration 005 that rewrites
them). The original's own library creates such a row: `tunely.repository.TunnelRepository.create(mode="http")`
(its default), which is what the `http_tunnel` fixture does in the server's database."""
import asyncio
import json
import socket
import time
from types import SimpleNamespace

import pytest

from support import OriginalServer, Target, call, free_port, our_client, wait_until


def create_http_mode_tunnel(db_url: str, domain: str) -> str:
    """An HTTP-mode tunnel through the original's own data layer (as a pre-0.11 server created them)."""
    from tunely.database import DatabaseManager
    from tunely.repository import TunnelRepository

    async def go():
        db = DatabaseManager(db_url)
        await db.initialize()
        try:
            async with db.session() as session:
                tunnel = await TunnelRepository(session).create(domain=domain, mode="http")
                return tunnel.token
        finally:
            await db.close()

    return asyncio.run(go())


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    listen_port = free_port()
    udp_port = free_port()
    server = OriginalServer(tmp_path_factory.mktemp("original"),
                            env={"WS_TUNNEL_TCP_LISTEN": f"{listen_port}:tcp-ours",
                                 "WS_TUNNEL_UDP_LISTEN": f"{udp_port}:udp-ours"})
    server.tcp_listen_port = listen_port
    server.udp_listen_port = udp_port
    yield server
    server.stop()


@pytest.fixture(scope="module")
def http_tunnel(original, target, tmp_path_factory):
    domain = "http-ours"
    token = create_http_mode_tunnel(original.db_url, domain)
    assert original.tunnel(domain)["mode"] == "http"
    client = our_client(original.ws_url, token, target.url, tmp_path_factory.mktemp("client"))
    try:
        original.wait_connected(domain)
        yield SimpleNamespace(client=client, domain=domain, base=f"{original.url}/t/{domain}")
    finally:
        client.stop()


def test_our_client_authenticates(original, http_tunnel):
    info = original.tunnel(http_tunnel.domain)
    assert info["connected"] is True
    assert info["client_version"]  # our client reported a version in `auth`
    # no protocol 2 with a 1.1-only server
    http_tunnel.client.wait_for(r"connected: tunnel .http-ours. .*\(protocol 1\.1\)", 5)


def test_get_through_the_original_server(http_tunnel, target):
    r = call("GET", f"{http_tunnel.base}/hello?x=1&y=2")
    assert r.status == 200, r
    echo = r.json()
    assert echo["method"] == "GET"
    assert echo["path"] == "/hello?x=1&y=2"
    seen = target.last("/hello")
    assert seen["method"] == "GET" and seen["body"] == b""


def test_post_json_through_the_original_server(http_tunnel, target):
    sent = '{"a": 1,  "b": [1, 2],  "c": "caf\u00e9"}'
    r = call("POST", f"{http_tunnel.base}/items", sent.encode(), {"content-type": "application/json"})
    assert r.status == 200, r
    seen = target.last("/items")
    assert seen["method"] == "POST"
    assert json.loads(seen["body"]) == json.loads(sent)
    assert int(seen["headers"]["content-length"]) == len(seen["body"])
    assert seen["headers"]["content-type"] == "application/json"


def test_compact_json_response_through_the_original_server(http_tunnel):
    # The original server JSON-parses the response body and re-dumps it with spaces, keeping the Content-Length
    # the client sent: our client must not send one (ours computes nothing stale), or the caller gets a cut body.
    r = call("GET", f"{http_tunnel.base}/compact")
    assert r.status == 200, r
    assert json.loads(r.body) == json.loads(Target.COMPACT_JSON)


def test_headers_and_404_through_the_original_server(http_tunnel, target):
    r = call("GET", f"{http_tunnel.base}/status/404", headers={"X-Custom": "from caller"})
    assert r.status == 404, r
    assert r.body == b"status 404 from the target\n"
    assert r.headers["x-target"] == "interop"
    assert r.headers["deprecation"] == "true"  # the original's HTTP-mode marker
    assert target.last("/status/404")["headers"]["x-custom"] == "from caller"


def test_sse_through_the_original_server(http_tunnel):
    # The original server streams only for callers that Accept text/event-stream, and re-wraps every chunk.
    r = call("GET", f"{http_tunnel.base}/sse", headers={"Accept": "text/event-stream"})
    assert r.status == 200, r
    text = r.body.decode()
    assert text.startswith("event: start\n")
    for i in range(3):
        assert f'{{"index": {i}}}' in text
    assert text.rstrip().endswith("event: done\ndata: {}")


# The original server JSON-encodes every request body (a non-JSON body travels as a JSON string literal,
# `a=1` → `"a=1"`, a JSON body re-dumped); its `auth_ok` carries `capabilities`, which tells our client to decode.
def test_post_form_through_the_original_server(http_tunnel, target):
    sent = b"a=1&b=two+words"
    r = call("POST", f"{http_tunnel.base}/form", sent, {"content-type": "application/x-www-form-urlencoded"})
    assert r.status == 200, r
    assert target.last("/form")["body"] == sent
    assert int(target.last("/form")["headers"]["content-length"]) == len(sent)
    http_tunnel.client.wait_for(r"JSON-encodes request bodies", 1)


@pytest.mark.parametrize("sent", [
    'h\u00e9llo w\u00f6rld \u2713 \U0001f389\n\t"quoted" back\\slash'.encode(),
    b"42",
    b"[1, 2]",
], ids=["utf8-text", "number", "array"])
def test_post_bodies_through_the_original_server(http_tunnel, target, sent):
    # Text (sent as a JSON string literal with \u escapes) arrives exact; a JSON number or array (re-dumped by
    # the server, here to the same text) is sent as the JSON text received. (A JSON string body cannot be told
    # from a text body once the original server encoded it: `"x"` reaches the target as `x`.)
    r = call("POST", f"{http_tunnel.base}/bodies", sent, {"content-type": "text/plain; charset=utf-8"})
    assert r.status == 200, r
    assert target.last("/bodies")["body"] == sent


def test_gzip_target_through_the_original_server(http_tunnel, target):
    # A 1.1 body is text: our client asks its target for identity, whatever the caller accepts.
    r = call("GET", f"{http_tunnel.base}/gzip", headers={"Accept-Encoding": "gzip"})
    assert r.status == 200, r
    assert "content-encoding" not in r.headers
    assert r.body.decode() == Target.GZIP_TEXT
    assert target.last("/gzip")["headers"]["accept-encoding"] == "identity"


def test_tcp_mode_tunnel_from_the_original_cli(original, target, tmp_path):
    """`tunely tunnel create -m http` (the original CLI) still makes a TCP-mode tunnel; HTTP ingress answers 410."""
    out = original.cli("tunnel", "create", "tcp-ours", "-m", "http")
    assert out.returncode == 0, out.stdout + out.stderr
    info = original.tunnel("tcp-ours")
    assert info["mode"] == "tcp"
    assert original.cli("tunnel", "list").stdout.count("tcp-ours") == 1


@pytest.mark.parametrize("kind", ["cpp", "ts"])
def test_tcp_mode_tunnel_carries_http(original, target, tmp_path, kind):
    """tunely 0.12 creates only TCP-mode tunnels: raw TCP as tcp_connect/tcp_data (base64)/tcp_close; our clients
    (C++ and TypeScript) relay each connection to their target's host and port."""
    rows = original.admin("GET", "/api/tunnels").json()
    if not any(t["domain"] == "tcp-ours" for t in rows):
        assert original.cli("tunnel", "create", "tcp-ours").returncode == 0
    token = original.admin("POST", "/api/tunnels/tcp-ours/regenerate-token").json()["token"]
    client = our_client(original.ws_url, token, target.url, tmp_path, kind=kind)
    try:
        original.wait_connected("tcp-ours")
        r = call("GET", f"{original.url}/t/tcp-ours/ingress")
        assert r.status == 410 and r.headers["deprecation"] == "true", r  # the original's answer in TCP mode
        # A TCP-mode tunnel is used through the server's TCP listener (WS_TUNNEL_TCP_LISTEN=port:tcp-ours).
        with socket.create_connection(("127.0.0.1", original.tcp_listen_port), timeout=5) as s:
            s.sendall(b"GET /via-tcp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            s.settimeout(5)
            try:
                head = s.recv(4096)
            except socket.timeout:
                head = b""
        assert head.startswith(b"HTTP/1.1 200"), head
        assert target.last("/via-tcp")["method"] == "GET"

        def exchange(request: bytes) -> bytes:  # one connection through the listener, read until it closes
            with socket.create_connection(("127.0.0.1", original.tcp_listen_port), timeout=10) as s:
                s.sendall(request)
                got = b""
                while chunk := s.recv(65536):
                    got += chunk
                return got

        # Many tcp_data frames each way: a 300 KiB upload arrives byte for byte, a 1 MB answer comes back whole.
        upload = bytes(range(32, 127)) * (300 * 1024 // 95)
        answer = exchange(b"POST /tcp-upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: "
                          + str(len(upload)).encode() + b"\r\n\r\n" + upload)
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
        assert target.last("/tcp-upload")["body"] == upload
        big = exchange(b"GET /big?n=1000000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        head, _, body = big.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        assert body == (b"0123456789abcdef" * 62500)[:1000000]
    finally:
        client.stop()


def test_head_through_the_original_server(http_tunnel, target):
    # Our client sends the target's Content-Length for HEAD (the length a GET would have had).
    r = call("HEAD", f"{http_tunnel.base}/head-check")
    assert r.status == 200, r
    assert r.body == b""
    assert r.headers["content-length"] == str(target.last("/head-check")["response_length"])


def test_udp_tunnel_of_the_original_server(original, tmp_path):
    """The original server's UDP listener (WS_TUNNEL_UDP_LISTEN): udp_open + binary udp_data (0.12 §3); our C++
    client negotiates udp and binary_frames and sends each datagram to its --udp-target."""
    echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    echo.bind(("127.0.0.1", 0))
    echo.settimeout(0.2)
    stop = False

    def serve():
        while not stop:
            try:
                data, peer = echo.recvfrom(65535)
            except OSError:
                continue
            echo.sendto(data, peer)

    import threading
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert original.cli("tunnel", "create", "udp-ours").returncode == 0
    token = original.admin("POST", "/api/tunnels/udp-ours/regenerate-token").json()["token"]
    client = our_client(original.ws_url, token, "http://127.0.0.1:9", tmp_path,
                        "--udp-target", f"127.0.0.1:{echo.getsockname()[1]}")
    try:
        original.wait_connected("udp-ours")
        caller = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        caller.settimeout(5)
        for i in range(50):
            payload = f"datagram {i} ".encode() + bytes(range(256)) * (i % 3)
            caller.sendto(payload, ("127.0.0.1", original.udp_listen_port))
            data, _ = caller.recvfrom(65535)
            assert data == payload
        caller.close()
    finally:
        stop = True
        client.stop()
        thread.join(2)
        echo.close()
