"""Server mode by configuration, through the CLI: a server address that is not private is refused
with one line and nothing stored (decided on addresses only: no traffic is sent to any of them), a
token in config.toml is refused with where it belongs, and the settings come from config.toml, the
environment and ``--model-url`` in that order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reflect import cli
from reflect.core.components import Components
from reflect.core.embedding import HashEmbedder
from reflect.core.errors import InputError
from reflect.core.redaction.fake import FakeDetector
from reflect.settings import Settings

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None):
    # No model and no index given: both are built from the settings, as in real use.
    engines = Components(detector=FakeDetector(), embedder=HashEmbedder())
    return runner.invoke(cli.app, list(args), obj=cli.Options(components=engines), env=env)


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reflect: error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("url", ["http://8.8.8.8:8080", "https://[2001:4860:4860::8888]:443", "http://[::ffff:1.1.1.1]:11434"])
def test_a_public_model_server_is_refused_before_anything_is_stored(isolated_home: Path, url: str) -> None:
    result = run("--model-url", url, "client", "add", "Maria Gonzalez")
    assert result.exit_code == 2
    assert "not on a private network" in one_line(result) and "allowed_hosts" in result.stderr
    assert not (isolated_home / "reflect.db").exists()


def test_a_public_index_server_is_refused_and_the_note_is_not_stored(isolated_home: Path, tmp_path: Path) -> None:
    assert run("client", "add", "Maria Gonzalez").exit_code == 0
    note = tmp_path / "n.md"
    note.write_text("Maria talked about delegation.", encoding="utf-8")
    result = run("note", "add", "Maria Gonzalez", str(note), "--date", "2026-11-02", env={"REFLECT_INDEX_URL": "http://203.0.113.9:8000"})
    assert result.exit_code == 2 and "index server address" in one_line(result)
    listed = run("note", "list", "Maria Gonzalez", "--json")
    assert json.loads(listed.stdout)["notes"] == []


def test_a_token_in_config_toml_is_refused_with_where_it_belongs(isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text('model_url = "http://127.0.0.1:8080"\nmodel_token = "sk-123"\n', encoding="utf-8")
    result = run("client", "list")
    assert result.exit_code == 2
    line = one_line(result)
    assert "model_token" in line and "REFLECT_MODEL_TOKEN" in line and "keyring" in line and "sk-123" not in line


def test_settings_come_from_config_then_environment_then_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'model_url = "http://192.168.1.20:11434"\nmodel_name = "qwen2.5:7b"\nindex_url = "http://192.168.1.20:8000"\n'
        'allowed_hosts = ["gpu.example.org"]\nmodel_structured_output = "json_schema"\n',
        encoding="utf-8",
    )
    s = Settings.load(config)
    assert (s.model_url, s.model_name, s.index_url, s.allowed_hosts) == ("http://192.168.1.20:11434", "qwen2.5:7b", "http://192.168.1.20:8000", ["gpu.example.org"])
    monkeypatch.setenv("REFLECT_MODEL_URL", "http://10.0.0.5:8080")
    monkeypatch.setenv("REFLECT_INDEX_URL", "http://10.0.0.6:8000")
    assert (Settings.load(config).model_url, Settings.load(config).index_url) == ("http://10.0.0.5:8080", "http://10.0.0.6:8000")
    assert Settings.load(config, model_url="http://127.0.0.1:9999").model_url == "http://127.0.0.1:9999"
    monkeypatch.setenv("REFLECT_MODEL_URL", "")  # an empty variable leaves config.toml in charge
    assert Settings.load(config).model_url == "http://192.168.1.20:11434"


@pytest.mark.parametrize(
    "line, says",
    [
        ('allowed_hosts = "gpu.lan"', "a list of host names"),
        ('model_structured_output = "grammar"', "one of auto, json_schema, json_object, none"),
        ("server_retries = -1", "at least 0"),
        ('index_api_key = "x"', "index_api_key"),
    ],
)
def test_mistyped_server_settings_are_one_line(tmp_path: Path, line: str, says: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=says):
        Settings.load(config)


def test_embedded_mode_needs_no_server_and_doctor_says_so(isolated_home: Path) -> None:
    assert run("client", "add", "Maria Gonzalez").exit_code == 0
    result = run("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["mode"]["ok"] is True and "embedded model" in checks["mode"]["detail"] and "nothing uses the network" in checks["mode"]["detail"]
    assert not any(name.startswith(("model server", "index server")) for name in checks)


def test_doctor_reports_a_refused_address_without_contacting_it(isolated_home: Path) -> None:
    assert run("client", "add", "Maria Gonzalez").exit_code == 0
    isolated_home.joinpath("config.toml").write_text('model_url = "http://127.0.0.1:9"\n', encoding="utf-8")
    # a refused index address is a failed check (and the index checks are skipped, nothing contacted) ...
    result = run("doctor", "--json", env={"REFLECT_INDEX_URL": "http://198.51.100.7:8000"})
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert result.exit_code == 1
    assert checks["index server address"]["ok"] is False and "not on a private network" in checks["index server address"]["detail"]
    assert "index server reachable" not in checks and checks["index and redaction scan"]["ok"] is None
    # ... and a model server that is down is a failed check, not a crash
    result = run("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["model server address"]["ok"] is True
    assert checks["model server reachable"]["ok"] is False and "not reachable" in checks["model server reachable"]["detail"]
    assert result.exit_code == 1
