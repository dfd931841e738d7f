"""The original Python client (PyPI tunely==0.12.0: its TunnelClient API and its `tunely connect` CLI) against
OUR `tunely server`. The client speaks JSON protocol 1.1 (HTTP mode: our server sends `request` frames, never
`tcp_connect`), offers the capabilities binary_frames/chunked_http/udp and keeps a websockets max_size of 1 MiB."""
import gzip
import http.client
import json
import time
import zlib
from types import SimpleNamespace

import pytest

from support import ADMIN_KEY, ORIGINAL_CLI, OriginalClient, OurServer, Process, Target, call, wait_until


@pytest.fixture(scope="module")
def stack(tmp_path_factory, target):
    server = OurServer(tmp_path_factory.mktemp("ours"))
    domain = "py-original"
    token = server.create_tunnel(domain)
    client = OriginalClient(server.ws_url, token, target.url)
    try:
        client.wait_connected()
        server.wait_connected(domain)
        yield SimpleNamespace(server=server, client=client, domain=domain, base=f"{server.url}/t/{domain}")
    finally:
        try:
            client.stop()
        finally:
            server.stop()


def assert_same_session(stack):
    """The client is still on the session it opened first: no drop, no reconnect."""
    assert stack.client.connects == 1, f"the original client reconnected ({stack.client.connects} sessions)"
    assert stack.client.disconnects == 0
    assert stack.client.client.is_connected


def test_handshake(stack):
    assert stack.client.client.domain == stack.domain
    # The client offered binary_frames, chunked_http and udp; our server echoes what it implements: binary
    # tcp_data/udp_data (binary_frames) and UDP; chunked_http is gone since 0.11 (the original does not echo it).
    assert stack.client.client._negotiated == frozenset({"binary_frames", "udp"})
    info = stack.server.tunnel(stack.domain)
    assert info["connected"] is True


def test_get_with_query(stack, target):
    r = call("GET", f"{stack.base}/hello/world?x=1&y=two%20words")
    assert r.status == 200, r
    echo = r.json()
    assert echo["method"] == "GET"
    assert echo["path"] == "/hello/world?x=1&y=two%20words"
    seen = target.last("/hello/world")
    assert seen["method"] == "GET" and seen["body"] == b""


def test_post_non_compact_json(stack, target):
    # Spaces the original client's re-encoding of a JSON `body` would remove: the body travels as a JSON string
    # literal to this client (it announced capabilities, so it JSON-decodes `body`), which it decodes back to the
    # exact text and sends as it is.
    sent = '{"a": 1,  "b": [1, 2],   "c": {"d": "caf\u00e9"}}'
    r = call("POST", f"{stack.base}/api/items?lang=en", sent.encode(), {"content-type": "application/json"})
    assert r.status == 200, r
    seen = target.last("/api/items")
    assert seen["method"] == "POST"
    assert seen["body"] == sent.encode()
    assert int(seen["headers"]["content-length"]) == len(seen["body"])
    assert seen["headers"]["content-type"] == "application/json"
    assert r.json()["body"] == sent
    # the `request` frame as the client's on_request callback got it: a JSON string literal of the exact text,
    # no length of the caller's
    frame = next(q for q in reversed(stack.client.requests) if q.path.startswith("/api/items"))
    assert frame.method == "POST" and frame.path == "/api/items?lang=en"
    assert json.loads(frame.body) == sent
    assert "content-length" not in frame.headers and "host" not in frame.headers
    assert isinstance(frame.timeout, (int, float)) and frame.timeout > 0


def test_post_form_body_is_exact(stack, target):
    sent = b"a=1&b=two+words&c=%C3%A9"
    r = call("POST", f"{stack.base}/form", sent, {"content-type": "application/x-www-form-urlencoded"})
    assert r.status == 200, r
    seen = target.last("/form")
    assert seen["body"] == sent
    assert seen["headers"]["content-type"] == "application/x-www-form-urlencoded"


def test_utf8_text_body_is_exact(stack, target):
    sent = 'h\u00e9llo w\u00f6rld \u2713 \U0001f389\n\ttab "quoted" back\\slash \u2028 end'.encode()
    r = call("POST", f"{stack.base}/utf8", sent, {"content-type": "text/plain; charset=utf-8"})
    assert r.status == 200, r
    seen = target.last("/utf8")
    assert seen["body"] == sent
    assert int(seen["headers"]["content-length"]) == len(sent)


def test_put_and_delete(stack, target):
    r = call("PUT", f"{stack.base}/things/7", b'{"name": "seven"}', {"content-type": "application/json"})
    assert r.status == 200, r
    assert target.last("/things/7")["method"] == "PUT"
    assert target.last("/things/7")["body"] == b'{"name": "seven"}'
    r = call("DELETE", f"{stack.base}/things/8")
    assert r.status == 200, r
    assert target.last("/things/8")["method"] == "DELETE"


def test_headers_round_trip(stack, target):
    r = call("GET", f"{stack.base}/headers", headers={
        "X-Custom": "hello there", "Authorization": "Bearer abc.def", "Accept": "application/json",
        "Cookie": "a=1; b=2"})
    assert r.status == 200, r
    seen = target.last("/headers")["headers"]
    assert seen["x-custom"] == "hello there"
    assert seen["authorization"] == "Bearer abc.def"
    assert seen["accept"] == "application/json"
    assert seen["cookie"] == "a=1; b=2"
    assert seen["host"].startswith("127.0.0.1:")  # the client's own Host for the target, not the caller's
    # the target's response headers reach the caller
    assert r.headers["x-target"] == "interop"
    assert r.headers["set-cookie"] == "session=abc; Path=/"
    assert r.headers["content-type"] == "application/json"
    assert int(r.headers["content-length"]) == len(r.body)


def test_target_404_passes_through(stack):
    r = call("GET", f"{stack.base}/status/404")
    assert r.status == 404, r
    assert r.body == b"status 404 from the target\n"
    assert r.headers["x-target"] == "interop"


def test_target_500_passes_through(stack):
    r = call("GET", f"{stack.base}/status/500")
    assert r.status == 500, r
    assert r.body == b"status 500 from the target\n"


def test_body_over_1mib_gets_413_and_the_session_survives(stack, target):
    before = len(target.requests)
    big = b"x" * (1536 * 1024)
    r = call("POST", f"{stack.base}/too-big", big, {"content-type": "text/plain"})
    assert r.status == 413, r
    assert not any(q["path"].startswith("/too-big") for q in target.requests[before:])
    # the same session serves the next request
    r = call("GET", f"{stack.base}/after-413")
    assert r.status == 200, r
    assert r.json()["path"] == "/after-413"
    assert_same_session(stack)


def test_body_that_grows_over_1mib_when_json_escaped_gets_413(stack, target):
    # 640 KiB of quotes and newlines: each byte becomes two in a JSON string (\" and \n), four in the `request`
    # frame of this client (it gets the body as a JSON string literal, escaped once more), so the frame is
    # ~2.5 MiB, over the client's 1 MiB websocket limit (it would close the whole connection with 1009).
    body = b'"\n' * (320 * 1024)
    r = call("POST", f"{stack.base}/escaped", body, {"content-type": "text/plain"})
    assert r.status == 413, r
    r = call("GET", f"{stack.base}/after-escaped")
    assert r.status == 200, r
    assert_same_session(stack)


@pytest.mark.parametrize("body", [
    b"y" * 1_000_000,
    b'{"k": "' + b"y" * 999_980 + b'",  "n": [1, 2]}',
], ids=["text", "spaced-json"])
def test_body_just_under_the_frame_limit_goes_through(stack, target, body):
    # The request frame (the body as a JSON string literal inside the frame's JSON) stays under 1 MiB
    # (1 048 576 bytes); the body reaches the target byte for byte.
    r = call("POST", f"{stack.base}/almost", body, {"content-type": "text/plain"})
    assert r.status == 200, r
    assert target.last("/almost")["body"] == body
    assert_same_session(stack)


def test_response_larger_than_1mib(stack):
    n = 3 * 1024 * 1024
    r = call("GET", f"{stack.base}/big?n={n}")
    assert r.status == 200, r
    assert len(r.body) == n
    assert r.body == (b"0123456789abcdef" * (n // 16))[:n]
    assert_same_session(stack)


def test_sse_stream(stack):
    # The original client streams text/event-stream responses as stream_start / stream_chunk… / stream_end.
    conn = http.client.HTTPConnection("127.0.0.1", stack.server.port, timeout=30)
    try:
        start = time.monotonic()
        conn.request("GET", f"/t/{stack.domain}/sse", headers={"Accept": "text/event-stream"})
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.getheader("content-type").startswith("text/event-stream")
        received = b""
        first_at = None
        while True:
            piece = resp.read1(65536)
            if not piece:
                break
            if first_at is None:
                first_at = time.monotonic() - start
            received += piece
        done_at = time.monotonic() - start
    finally:
        conn.close()
    assert received.decode() == "".join(Target.SSE_EVENTS)
    # streamed, not buffered: the first event arrived well before the last one was written
    assert first_at < done_at - Target.SSE_GAP, (first_at, done_at)


@pytest.mark.parametrize("accept", ["gzip", None], ids=["caller-accepts-gzip", "caller-sends-no-accept-encoding"])
def test_gzip_from_the_target_reaches_the_caller_usable(stack, accept):
    # The client's httpx sends the caller's Accept-Encoding (or its own `gzip, deflate`), decodes the gzip body
    # and forwards the target's `content-encoding: gzip` with the text: our server drops Content-Encoding from
    # 1.1 answers (a 1.1 body is decoded text, always) and states the text's own Content-Length.
    r = call("GET", f"{stack.base}/gzip", headers={"Accept-Encoding": accept} if accept else {})
    assert r.status == 200, r
    body = r.body
    if r.headers.get("content-encoding") == "gzip":
        try:
            body = gzip.decompress(body)
        except (OSError, zlib.error) as e:
            raise AssertionError(f"content-encoding gzip with a body that is not gzip: {r.body[:40]!r}") from e
    assert body.decode() == Target.GZIP_TEXT
    assert "content-encoding" not in r.headers
    assert int(r.headers["content-length"]) == len(r.body)


# tunely 0.12's client json.loads() every request body (its server always sent JSON text); our server sends it a
# JSON string literal of the exact text, so a body that is itself JSON keeps its quotes, numbers, literals.
@pytest.mark.parametrize("sent", [b'"quoted"', b"42", b"true", b"null", b'[1,  "two"]', b"  {} "])
def test_scalar_json_body_is_exact(stack, target, sent):
    r = call("POST", f"{stack.base}/scalar", sent, {"content-type": "application/json"})
    assert r.status == 200, r
    assert target.last("/scalar")["body"] == sent


def test_head_keeps_the_target_content_length(stack, target):
    # RFC 9110 §9.3.2/§8.6: a HEAD answer may carry the Content-Length a GET would have had, never another one.
    r = call("HEAD", f"{stack.base}/head-check")
    assert r.status == 200, r
    assert r.body == b""
    assert r.headers["content-length"] == str(target.last("/head-check")["response_length"])
    assert r.headers["x-target"] == "interop"
    r = call("GET", f"{stack.base}/after-head")  # the caller's connection and the session are fine
    assert r.status == 200, r
    assert_same_session(stack)


def test_head_of_a_gzip_answer_states_no_coded_length(stack):
    # The client forwards the gzip length with Content-Encoding; a GET would carry the decoded text, so the
    # coded length must not reach the caller (nor a 0).
    r = call("HEAD", f"{stack.base}/gzip", headers={"Accept-Encoding": "gzip"})
    assert r.status == 200, r
    assert "content-encoding" not in r.headers
    assert "content-length" not in r.headers


def test_original_cli_connect(tmp_path, target):
    """`tunely connect -s … -t … -T … -r …`: the original's own CLI as a process."""
    server = OurServer(tmp_path / "ours")
    cli = None
    try:
        token = server.create_tunnel("py-cli")
        cli = Process([ORIGINAL_CLI, "connect", "-s", server.ws_url, "-t", token, "-T", target.url, "-r", "0.5"],
                      tmp_path / "original-cli.log", cwd=tmp_path, env={"COLUMNS": "200"})
        server.wait_connected("py-cli")
        r = call("GET", f"{server.url}/t/py-cli/via-cli?q=1")
        assert r.status == 200, r
        assert r.json()["path"] == "/via-cli?q=1"
        sent = '{"k": [1,  2, 3]}'
        r = call("POST", f"{server.url}/t/py-cli/via-cli-post", sent.encode(), {"content-type": "application/json"})
        assert r.status == 200, r
        assert target.last("/via-cli-post")["body"] == sent.encode()
        assert cli.proc.poll() is None, cli.output()
        assert "domain=py-cli" in cli.output()
    finally:
        if cli:
            cli.stop()
        server.stop()


def test_server_heartbeat_keeps_the_original_client(tmp_path, target):
    """Our server sends JSON `ping` and drops sessions silent for --idle-timeout; the 0.12 client sends no JSON
    ping of its own but answers ours with `pong`, which must keep its session alive."""
    server = OurServer(tmp_path / "ours", "--ping-interval", "0.5", "--idle-timeout", "2")
    client = None
    try:
        token = server.create_tunnel("py-heartbeat")
        client = OriginalClient(server.ws_url, token, target.url)
        client.wait_connected()
        time.sleep(5)  # 2.5 idle timeouts
        assert client.connects == 1 and client.disconnects == 0, "our server dropped the original client"
        r = call("GET", f"{server.url}/t/py-heartbeat/still-there")
        assert r.status == 200, r
    finally:
        try:
            if client:
                client.stop()
        finally:
            server.stop()
