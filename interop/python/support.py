"""Shared pieces of the interop suite: our `tunely server` binary, the original's server and clients, a
loopback HTTP target, a tiny HTTP caller. Everything listens on 127.0.0.1 with ports chosen by the kernel."""
from __future__ import annotations

import asyncio
import atexit
import gzip
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
TUNELY_BIN = os.environ.get("TUNELY_BIN") or str(REPO / "build" / "apps" / "tunely" / "tunely")
# The original's console script, installed next to the interpreter that runs this suite (the venv).
ORIGINAL_CLI = str(Path(sys.executable).with_name("tunely"))
ADMIN_KEY = "interop-admin-key-0123456789"


def free_port() -> int:
    """A port nobody listens on right now (for the original server, whose CLI cannot report port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# ---------------------------------------------------------------------------------------------- HTTP caller

class Reply:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.header_list = headers
        self.headers = {k.lower(): v for k, v in headers}  # last one wins; use header_list for repeats
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"Reply({self.status}, {self.headers}, {self.body[:300]!r})"


def call(method: str, url: str, body: bytes | str | None = None, headers: dict | None = None,
         timeout: float = 30) -> Reply:
    """One HTTP/1.1 request with exactly the given headers plus Host and, with a body, Content-Length (no
    Accept-Encoding unless given)."""
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        if isinstance(body, str):
            body = body.encode()
        conn.putrequest(method, u.path + (f"?{u.query}" if u.query else ""), skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        return Reply(r.status, r.getheaders(), data)
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------- HTTP target

class Target:
    """A loopback HTTP/1.1 service that records every request it gets.

    /status/<n>  answers status n with a small text body and an x-target header
    /sse         text/event-stream: three events SSE_GAP apart, then end of stream
    /compact     compact JSON with its exact Content-Length
    /gzip        a text body, gzip-encoded when the request's Accept-Encoding allows it
    /big?n=N     N bytes of text
    anything else: 200 JSON echo {method, path, headers, body} plus x-target and set-cookie headers (the length of
                   that JSON is recorded as the request's response_length)
    A HEAD request gets the head only (with the Content-Length a GET would have had).
    """

    SSE_EVENTS = [f'data: {{"index": {i}}}\n\n' for i in range(3)]
    SSE_GAP = 0.3  # seconds between events: a caller sees the first one well before the last
    COMPACT_JSON = b'{"ok":true,"n":[1,2],"s":"caf\xc3\xa9"}'
    GZIP_TEXT = "compressible text " * 200

    def __init__(self):
        self.requests: list[dict] = []
        target = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                record = {
                    "method": self.command,
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "header_list": list(self.headers.items()),
                    "body": body,
                }
                target.requests.append(record)
                path = self.path.split("?")[0]
                if path.startswith("/status/"):
                    code = int(path.rsplit("/", 1)[1])
                    payload = f"status {code} from the target\n".encode()
                    self.send_response(code)
                    self.send_header("content-type", "text/plain; charset=utf-8")
                    self.send_header("x-target", "interop")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                elif path == "/sse":
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.send_header("cache-control", "no-cache")
                    self.send_header("connection", "close")
                    self.end_headers()
                    for event in Target.SSE_EVENTS:
                        self.wfile.write(event.encode())
                        self.wfile.flush()
                        time.sleep(Target.SSE_GAP)
                    self.close_connection = True
                elif path == "/compact":
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(Target.COMPACT_JSON)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(Target.COMPACT_JSON)
                elif path == "/gzip":
                    payload = Target.GZIP_TEXT.encode()
                    self.send_response(200)
                    self.send_header("content-type", "text/plain; charset=utf-8")
                    if "gzip" in (self.headers.get("accept-encoding") or ""):
                        payload = gzip.compress(payload)
                        self.send_header("content-encoding", "gzip")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                elif path == "/big":
                    n = int(self.path.split("n=")[1])
                    payload = (b"0123456789abcdef" * (n // 16 + 1))[:n]
                    self.send_response(200)
                    self.send_header("content-type", "text/plain")
                    self.send_header("content-length", str(n))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                else:
                    payload = json.dumps({
                        "method": self.command,
                        "path": self.path,
                        "headers": record["headers"],
                        "body": body.decode("utf-8", "replace"),
                    }).encode()
                    record["response_length"] = len(payload)
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("x-target", "interop")
                    self.send_header("set-cookie", "session=abc; Path=/")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def last(self, path_prefix: str) -> dict:
        for r in reversed(self.requests):
            if r["path"].startswith(path_prefix):
                return r
        raise AssertionError(f"the target saw no request for {path_prefix}: {[r['path'] for r in self.requests]}")

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# --------------------------------------------------------------------------------------------- processes

_children: list[subprocess.Popen] = []


@atexit.register
def _kill_leftovers():
    """A test that failed before its cleanup must not leave a server running."""
    for p in _children:
        if p.poll() is None:
            p.kill()


class Process:
    """A child process whose stdout and stderr go to one log file, read back for startup lines."""

    def __init__(self, args: list[str], log: Path, cwd: Path, env: dict | None = None):
        self.args = args
        self.log_path = log
        self._log = open(log, "wb")
        self.proc = subprocess.Popen(args, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})})
        _children.append(self.proc)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.output())
            if m:
                return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{self.args[0]} {self.args[1]}: no /{pattern}/ within {timeout} s "
                             f"(exit {self.proc.poll()}):\n{self.output()[-4000:]}")

    def stop(self, timeout: float = 10):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


class OurServer:
    """Our `tunely server` (TUNELY_BIN) on a kernel-chosen port with a throw-away SQLite database."""

    def __init__(self, workdir: Path, *extra_args: str, env: dict | None = None):
        workdir.mkdir(parents=True, exist_ok=True)
        self.process = Process(
            [TUNELY_BIN, "server", "--host", "127.0.0.1", "--port", "0", "--admin-key", ADMIN_KEY,
             "--database", f"sqlite:///{workdir / 'tunnels.db'}", "--log-level", "debug", *extra_args],
            workdir / "our-server.log", cwd=workdir, env=env)
        m = self.process.wait_for(r"listening on http://[0-9.]+:([0-9]+)", 20)
        self.port = int(m.group(1))
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws/tunnel"

    def tcp_listener(self, domain: str) -> int:
        """The port of our TCP listener for `domain` (from the line the server prints at start)."""
        m = self.process.wait_for(rf"TCP listener on [0-9.]+:([0-9]+) for tunnel {re.escape(domain)}\b", 5)
        return int(m.group(1))

    def admin(self, method: str, path: str, body: dict | None = None) -> Reply:
        return call(method, self.url + path, json.dumps(body) if body is not None else None,
                    {"x-api-key": ADMIN_KEY, "content-type": "application/json"})

    def create_tunnel(self, domain: str) -> str:
        r = self.admin("POST", "/api/tunnels", {"domain": domain})
        assert r.status == 200, r
        return r.json()["token"]

    def tunnel(self, domain: str) -> dict:
        r = self.admin("GET", f"/api/tunnels/{domain}")
        assert r.status == 200, r
        return r.json()

    def wait_connected(self, domain: str, connected: bool = True, timeout: float = 15):
        wait_until(lambda: self.tunnel(domain)["connected"] == connected, timeout, f"{domain} connected={connected}")

    def stop(self):
        self.process.stop()


class OriginalClient:
    """The original Python TunnelClient (tunely 0.12.0), driven through its own API on an event loop in a
    thread. Counts sessions (on_connect) and drops (on_disconnect) so that tests can tell a reconnect."""

    def __init__(self, server_url: str, token: str, target_url: str):
        from tunely import TunnelClient, TunnelClientConfig

        self.connects = 0
        self.disconnects = 0
        self.requests = []
        self.loop = asyncio.new_event_loop()
        self._stop_requested = asyncio.Event()
        self.client = TunnelClient(config=TunnelClientConfig(
            server_url=server_url, token=token, target_url=target_url, reconnect_interval=0.5))
        self.client.on_connect(self._on_connect)
        self.client.on_disconnect(self._on_disconnect)
        self.client.on_request(self.requests.append)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _on_connect(self):
        self.connects += 1

    def _on_disconnect(self):
        self.disconnects += 1

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._main())
        self.loop.close()

    async def _main(self):
        runner = asyncio.create_task(self.client.run())
        await self._stop_requested.wait()
        await self.client.stop()  # closes the websocket; run() then returns
        await asyncio.wait_for(runner, 10)

    def wait_connected(self, timeout: float = 15):
        wait_until(lambda: self.client.is_connected, timeout, "the original client to connect")

    def stop(self):
        self.loop.call_soon_threadsafe(self._stop_requested.set)
        self.thread.join(20)
        assert not self.thread.is_alive(), "the original client did not stop"


class OriginalServer:
    """The original server, started with its own CLI (`tunely serve`) in its own directory and database."""

    def __init__(self, workdir: Path, env: dict | None = None):
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.db_url = f"sqlite+aiosqlite:///{workdir / 'data' / 'tunely.db'}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws/tunnel"
        self.process = Process(
            [ORIGINAL_CLI, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--domain", "localhost",
             "--database", self.db_url, "--api-key", ADMIN_KEY],
            workdir / "original-server.log", cwd=workdir, env={"COLUMNS": "200", **(env or {})})
        wait_until(self._healthy, 30, "the original server's /health")

    def _healthy(self) -> bool:
        if self.process.proc.poll() is not None:
            raise AssertionError(f"the original server exited:\n{self.process.output()[-4000:]}")
        try:
            return call("GET", self.url + "/health", timeout=2).status == 200
        except OSError:
            return False

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """Its own CLI against it (`tunely tunnel create|list|delete ... -s URL -k KEY`)."""
        return subprocess.run([ORIGINAL_CLI, *args, "-s", self.url, "-k", ADMIN_KEY], cwd=self.workdir,
                              capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})

    def admin(self, method: str, path: str, body: dict | None = None) -> Reply:
        return call(method, self.url + path, json.dumps(body) if body is not None else None,
                    {"x-api-key": ADMIN_KEY, "content-type": "application/json"})

    def tunnel(self, domain: str) -> dict:
        r = self.admin("GET", f"/api/tunnels/{domain}")
        assert r.status == 200, r
        return r.json()

    def wait_connected(self, domain: str, timeout: float = 15):
        wait_until(lambda: self.tunnel(domain)["connected"], timeout, f"{domain} connected to the original server")

    def stop(self):
        self.process.stop()


# Our TypeScript CLI (typescript/, built by scripts/test-interop.sh when missing).
TS_CLI = str(REPO / "typescript" / "dist" / "bin.js")


def our_client(server_ws_url: str, token: str, target_url: str, workdir: Path, *extra: str,
               kind: str = "cpp") -> Process:
    """Our `tunely connect`: the C++ binary, or (kind="ts") the TypeScript CLI."""
    workdir.mkdir(parents=True, exist_ok=True)
    program = [TUNELY_BIN] if kind == "cpp" else ["node", TS_CLI]
    common = ["connect", "--server", server_ws_url, "--token", token, "--target", target_url]
    flags = ["--reconnect", "0.5", "--log-level", "debug"] if kind == "cpp" else ["--reconnect", "0.5"]
    return Process([*program, *common, *flags, *extra],
                   workdir / f"our-client-{kind}-{time.monotonic_ns()}.log", cwd=workdir)
