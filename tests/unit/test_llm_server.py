"""The model-server client against a small stand-in OpenAI-compatible server on a loopback port this
test picks (http.server in a thread): streaming, cancellation closing the stream, retries, timeouts,
and one-line ModelErrors for a server that is down, slow, or answers something else."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reflect.core.errors import ModelError
from reflect.core.llm_server import ServerModel
from reflect.core.netpolicy import check


class Stub:
    """What the stand-in server does; each test sets it."""

    def __init__(self) -> None:
        self.models = [{"id": "tiny", "object": "model", "owned_by": "me"}]
        self.mode = "stream"
        self.pieces = ['{"questions"', ": []", "}"]
        self.fail_first = 0  # answer 503 this many times first
        self.delay_s = 0.0
        self.requests: list[dict] = []
        self.paths: list[str] = []
        self.sent = 0
        self.closed_early = threading.Event()


def serve(stub: Stub):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _send(self, code: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            stub.paths.append(self.path)
            if stub.mode == "html":
                return self._send(200, b"<html>hello</html>", "text/html")
            self._send(200, json.dumps({"object": "list", "data": stub.models}).encode())

        def do_POST(self):
            stub.paths.append(self.path)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            stub.requests.append({"body": body, "auth": self.headers.get("Authorization")})
            if stub.fail_first > 0:
                stub.fail_first -= 1
                return self._send(503, b'{"error": "loading"}')
            if stub.mode == "reject-json-schema" and body.get("response_format", {}).get("type") == "json_schema":
                return self._send(500, b'{"error": {"message": "Input should be text or json_object"}}')
            if stub.mode == "401":
                return self._send(401, b'{"error": "no"}')
            if stub.mode == "html":
                return self._send(200, b"<html>a login page</html>", "text/html")
            if stub.mode == "garbage-sse":
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                self.wfile.write(b"data: {not json}\n\n")
                self.wfile.flush()
                return
            time.sleep(stub.delay_s)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                if stub.mode == "think":
                    self.wfile.flush()
                    time.sleep(4)  # a big model reading a long prompt: headers sent, nothing else yet
                for piece in stub.pieces:
                    chunk = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    stub.sent += 1
                    if stub.mode == "slow-stream":
                        time.sleep(0.05)
                self.wfile.write(b'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\ndata: [DONE]\n\n')
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                stub.closed_early.set()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def stub():
    state = Stub()
    server = serve(state)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def model(url: str, **kw) -> ServerModel:
    kw.setdefault("backoff_s", 0.01)
    return ServerModel(check(url), **kw)


SCHEMA = {"type": "object", "properties": {"questions": {"type": "array", "maxItems": 5}}, "required": ["questions"]}


def test_streams_pieces_and_sends_the_schema_the_server_takes(stub) -> None:
    seen: list[str] = []
    m = model(stub.url, token="s3cret")
    g = m.generate([{"role": "user", "content": "[CLIENT] said hi"}], SCHEMA, max_tokens=50, on_text=seen.append)
    assert g.text == '{"questions": []}' and seen == stub.pieces and g.stop == "stop"
    body = stub.requests[0]["body"]
    # llama-cpp-python's server (owned_by "me") takes the schema as a json_object response_format
    assert body["response_format"] == {"type": "json_object", "schema": SCHEMA}
    assert body["model"] == "tiny" and body["temperature"] == 0 and body["max_tokens"] == 50 and body["stream"] is True
    assert stub.requests[0]["auth"] == "Bearer s3cret"
    assert stub.paths[0] == "/v1/models" and stub.paths[1] == "/v1/chat/completions"


def test_other_servers_get_openais_json_schema_envelope(stub) -> None:
    stub.models = [{"id": "qwen2.5:7b", "object": "model", "owned_by": "library"}]
    model(stub.url + "/v1/").generate([{"role": "user", "content": "x"}], SCHEMA)
    rf = stub.requests[0]["body"]["response_format"]
    assert rf["type"] == "json_schema" and rf["json_schema"]["schema"] == SCHEMA
    assert "repeat_penalty" not in stub.requests[0]["body"]


def test_none_sends_no_constraint_and_a_named_model_needs_no_listing(stub) -> None:
    model(stub.url, structured="none", model_name="tiny").generate([{"role": "user", "content": "x"}], SCHEMA)
    assert "response_format" not in stub.requests[0]["body"] and stub.paths == ["/v1/chat/completions"]


def test_several_models_without_model_name_is_one_line(stub) -> None:
    stub.models = [{"id": "a", "owned_by": "x"}, {"id": "b", "owned_by": "x"}]
    with pytest.raises(ModelError, match="hosts 2 models .* set model_name"):
        model(stub.url).generate([{"role": "user", "content": "x"}])


def test_cancel_closes_the_stream(stub) -> None:
    stub.pieces = ["word "] * 400
    stub.mode = "slow-stream"
    seen: list[str] = []
    g = model(stub.url).generate([{"role": "user", "content": "x"}], cancelled=lambda: len(seen) >= 3, on_text=seen.append)
    assert g.stop == "cancelled" and len(seen) == 3
    # the server notices the closed connection long before it would have sent all 400 pieces
    assert stub.closed_early.wait(5)
    assert stub.sent < 400


@pytest.mark.parametrize("how", ["cancel", "timeout"])
def test_escape_and_the_time_limit_work_before_the_first_token(stub, how: str) -> None:
    stub.mode = "think"
    t0 = time.monotonic()
    cancelled = (lambda: time.monotonic() - t0 > 0.3) if how == "cancel" else None
    g = model(stub.url).generate([{"role": "user", "content": "x"}], cancelled=cancelled, timeout_s=0.5 if how == "timeout" else 60)
    assert g.stop == ("cancelled" if how == "cancel" else "timeout") and g.text == ""
    assert time.monotonic() - t0 < 2.0  # not the 4 s the server would take to start answering


def test_503_is_retried_a_bounded_number_of_times(stub) -> None:
    stub.fail_first = 2
    g = model(stub.url, retries=2).generate([{"role": "user", "content": "x"}])
    assert g.text and len(stub.requests) == 3
    stub.fail_first = 5
    with pytest.raises(ModelError, match="HTTP 503"):
        model(stub.url, retries=1).generate([{"role": "user", "content": "x"}])


@pytest.mark.parametrize(
    "mode, says",
    [("html", "something other than"), ("401", "REFLECT_MODEL_TOKEN"), ("garbage-sse", "something other than a chat completion")],
)
def test_a_server_that_answers_something_else_is_one_line(stub, mode: str, says: str) -> None:
    stub.mode = mode
    with pytest.raises(ModelError, match=says) as err:
        model(stub.url, model_name="tiny", structured="none").generate([{"role": "user", "content": "x"}])
    assert "\n" not in str(err.value) and "login page" not in str(err.value)


def test_a_slow_server_is_one_line(stub) -> None:
    stub.delay_s = 1.5
    with pytest.raises(ModelError, match="sent nothing for 0.5 s"):
        model(stub.url, model_name="tiny", structured="none", read_timeout_s=0.5).generate([{"role": "user", "content": "x"}])


def test_a_server_that_is_down_is_one_line_after_bounded_retries() -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.perf_counter()
    with pytest.raises(ModelError, match="not reachable"):
        model(f"http://127.0.0.1:{port}", model_name="tiny", retries=2).generate([{"role": "user", "content": "x"}])
    assert time.perf_counter() - started < 5


def test_no_proxy_from_the_environment_is_used(stub, monkeypatch) -> None:
    # A proxy variable pointing at a dead port would break the request if httpx honoured it.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    assert model(stub.url).generate([{"role": "user", "content": "x"}]).text


def test_auto_falls_back_when_the_server_refuses_the_schema_form_and_keeps_what_worked(stub) -> None:
    # A server that does not say it is llama-cpp-python but refuses json_schema as it does (HTTP 500).
    stub.models = [{"id": "tiny", "owned_by": "someone"}]
    stub.mode = "reject-json-schema"
    m = model(stub.url)
    assert m.generate([{"role": "user", "content": "x"}], SCHEMA).text == '{"questions": []}'
    assert [r["body"]["response_format"]["type"] for r in stub.requests] == ["json_schema", "json_object"]
    m.generate([{"role": "user", "content": "y"}], SCHEMA)
    assert stub.requests[-1]["body"]["response_format"]["type"] == "json_object" and len(stub.requests) == 3


def test_a_configured_form_the_server_refuses_is_one_line_naming_the_setting(stub) -> None:
    stub.mode = "reject-json-schema"
    with pytest.raises(ModelError, match="model_structured_output") as err:
        model(stub.url, structured="json_schema", model_name="tiny").generate([{"role": "user", "content": "x"}], SCHEMA)
    assert "\n" not in str(err.value) and len(stub.requests) == 1


def _certificates(directory):
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it (PEM files)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "practice test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=2)).add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    (directory / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (directory / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "server.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return directory / "ca.pem"


def test_https_is_verified_against_the_configured_ca_file(tmp_path, monkeypatch) -> None:
    import ssl

    ca = _certificates(tmp_path)
    state = Stub()
    server = serve(state)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    url = f"https://127.0.0.1:{server.server_address[1]}"
    try:
        # the system's CAs do not know the practice's CA (nor does SSL_CERT_FILE count: no env is trusted)
        monkeypatch.setenv("SSL_CERT_FILE", str(ca))
        with pytest.raises(ModelError, match="certificate .* ca_file"):
            model(url, model_name="tiny", structured="none", retries=0).generate([{"role": "user", "content": "x"}])
        assert state.requests == []
        g = model(url, model_name="tiny", structured="none", ca_file=str(ca)).generate([{"role": "user", "content": "x"}])
        assert g.text == '{"questions": []}' and len(state.requests) == 1
    finally:
        server.shutdown()
        server.server_close()
