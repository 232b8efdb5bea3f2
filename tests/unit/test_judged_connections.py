"""Every connection to a server is judged when it is made, not only when the practice opens: a name
whose DNS answer turns public after the first check (DNS rebinding) gets nothing. No traffic leaves
127.0.0.1: the 'public' answer is refused before any socket is opened."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from reflect.core import netpolicy
from reflect.core.errors import InputError


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_server():
    server = HTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_a_name_that_turns_public_after_the_check_gets_nothing(local_server, monkeypatch) -> None:
    import httpx

    answers = iter(["127.0.0.1", "127.0.0.1", "8.8.8.8"])
    opened: list[tuple] = []
    monkeypatch.setattr(netpolicy, "system_resolver", lambda host, port: [next(answers)])
    real_create = socket.create_connection
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: (opened.append(address), real_create(address, *a, **k))[1])
    endpoint = netpolicy.check(f"http://modelbox.lan:{local_server}", resolve=lambda h, p: netpolicy.system_resolver(h, p))
    assert endpoint.addresses == ("127.0.0.1",)
    client = httpx.Client(transport=netpolicy.checked_transport([], "model server address (model_url)", True), trust_env=False)
    assert client.get(f"http://modelbox.lan:{local_server}/").text == "ok"  # judged again: still private
    client.close()
    client = httpx.Client(transport=netpolicy.checked_transport([], "model server address (model_url)", True), trust_env=False)
    with pytest.raises(InputError, match="8.8.8.8. is not on a private network"):
        client.get(f"http://modelbox.lan:{local_server}/")
    assert opened == [("127.0.0.1", local_server)]  # the public answer never got a socket


def test_a_token_is_never_sent_over_plain_http_on_the_network() -> None:
    from reflect.core.index_server import connect
    from reflect.core.llm_server import ServerModel

    lan = netpolicy.check("http://192.168.1.20:8080", resolve=lambda h, p: ["192.168.1.20"])
    with pytest.raises(InputError, match="only over https"):
        ServerModel(lan, token="SECRET")
    with pytest.raises(InputError, match="only over https"):
        connect(lan, token="SECRET", ca_file=None, connect_timeout_s=1, read_timeout_s=1)
    here = netpolicy.check("http://127.0.0.1:8080")
    ServerModel(here, token="SECRET")  # to this machine, plain http is fine
    ServerModel(lan, token=None)  # no token, nothing to protect in the header
