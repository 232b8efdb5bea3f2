"""Real servers for the server-mode tests and benchmark, on loopback ports picked here.

- ``chroma run --path TMP --host 127.0.0.1 --port P`` (the server the chromadb package ships);
- llama-cpp-python's OpenAI-compatible server (``python -m llama_cpp.server``, its ``server`` extra)
  with the default GGUF;
- ``RecordingProxy``: a small loopback HTTP proxy in front of a server that keeps every request body
  it forwards, so a test can read exactly what crossed the wire.

Each process is stopped by its context manager (terminate, then kill). Nothing here sends traffic
anywhere but 127.0.0.1.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def _wait_http(port: int, path: str, proc: subprocess.Popen, log: Path, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            conn = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server on port {port} did not come up in {timeout_s:.0f} s: {log.read_text(errors='replace')[-2000:]}")


@contextmanager
def _process(cmd: list[str], port: int, ready_path: str, log: Path, env: dict[str, str] | None = None) -> Iterator[int]:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        try:
            _wait_http(port, ready_path, proc, log)
            yield port
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def chroma_binary() -> str:
    found = Path(sys.executable).with_name("chroma")
    if found.exists():
        return str(found)
    which = shutil.which("chroma")
    if which is None:
        raise RuntimeError("the 'chroma' command (installed with chromadb) is not on this machine")
    return which


@contextmanager
def chroma_server(path: Path) -> Iterator[int]:
    """``chroma run`` on a loopback port, persisting in ``path``; yields the port."""
    port = free_port()
    path.mkdir(parents=True, exist_ok=True)
    cmd = [chroma_binary(), "run", "--path", str(path), "--host", LOOPBACK, "--port", str(port)]
    with _process(cmd, port, "/api/v2/heartbeat", path.parent / "chroma-server.log", {"ANONYMIZED_TELEMETRY": "False"}) as p:
        yield p


@contextmanager
def llama_server(workdir: Path, n_threads: int = 2) -> Iterator[int]:
    """llama-cpp-python's OpenAI-compatible server with the default GGUF; yields the port."""
    from reflect.core.models import locate

    port = free_port()
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(locate("chat")), "--host", LOOPBACK, "--port", str(port),
        "--n_ctx", "4096", "--n_threads", str(n_threads), "--n_threads_batch", str(n_threads), "--seed", "7",
    ]
    workdir.mkdir(parents=True, exist_ok=True)
    env = {"HF_HUB_OFFLINE": "1", "DO_NOT_TRACK": "1"}
    with _process(cmd, port, "/v1/models", workdir / "llama-server.log", env) as p:
        yield p


class RecordingProxy:
    """Forwards every request to ``127.0.0.1:upstream`` and keeps (method, path, body) of each."""

    HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "upgrade"}

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.requests: list[tuple[str, str, bytes]] = []
        self.authorizations: list[str | None] = []
        """The Authorization header of each request (None when absent)."""
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # one request per connection; the body ends when the connection closes

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with proxy._lock:
                    proxy.requests.append((self.command, self.path, body))
                    proxy.authorizations.append(self.headers.get("Authorization"))
                upstream = http.client.HTTPConnection(LOOPBACK, proxy.upstream, timeout=300)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in self.HOP_LOWER}
                headers["Content-Length"] = str(len(body))
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                self.send_response(response.status)
                for k, v in response.getheaders():
                    if k.lower() not in self.HOP_LOWER:
                        self.send_header(k, v)
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    while True:
                        piece = response.read1(65536)
                        if not piece:
                            break
                        self.wfile.write(piece)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client closed the stream (a cancelled generation)
                finally:
                    upstream.close()

            HOP_LOWER = RecordingProxy.HOP
            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

        self.server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def bodies(self) -> list[bytes]:
        with self._lock:
            return [body for _, _, body in self.requests]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
