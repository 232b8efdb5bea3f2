"""The server address policy, decided on addresses only: no test here sends a packet anywhere (the
resolver is a table; literal addresses need no lookup)."""

from __future__ import annotations

import pytest

from reflect.core.netpolicy import AddressRefused, check, is_private


@pytest.mark.parametrize(
    "address, private",
    [
        ("127.0.0.1", True), ("127.200.3.4", True), ("::1", True),
        ("10.0.0.1", True), ("10.255.255.255", True),
        ("172.16.0.1", True), ("172.31.255.254", True), ("172.15.255.255", False), ("172.32.0.1", False),
        ("192.168.1.20", True), ("192.169.0.1", False),
        ("169.254.10.10", True), ("fe80::1", True), ("fe80::1%eth0", True),
        ("fc00::1", True), ("fd12:3456::1", True), ("fe00::1", False),
        ("::ffff:10.1.2.3", True), ("::ffff:8.8.8.8", False), ("::ffff:127.0.0.1", True),
        ("8.8.8.8", False), ("1.1.1.1", False), ("100.64.0.1", False), ("2001:4860:4860::8888", False),
        ("0.0.0.0", False), ("224.0.0.1", False),
    ],
)
def test_private_ranges(address: str, private: bool) -> None:
    assert is_private(address) is private


def never(host: str, port: int) -> list[str]:
    raise AssertionError(f"no lookup expected for {host}")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://10.2.3.4:11434/v1", "https://192.168.0.9", "http://[::1]:8000", "http://[fd00::5]:8000"])
def test_private_literal_addresses_are_allowed_without_lookup(url: str) -> None:
    endpoint = check(url, resolve=never)
    assert endpoint.addresses and all(is_private(a) for a in endpoint.addresses)
    assert endpoint.tls is url.startswith("https")


@pytest.mark.parametrize("url", ["http://8.8.8.8:8080", "https://[2001:db8:85a3::8a2e:370:7334]", "http://[::ffff:8.8.4.4]:80", "http://100.64.1.1"])
def test_public_literal_addresses_are_refused(url: str) -> None:
    with pytest.raises(AddressRefused) as err:
        check(url, resolve=never)
    assert "allowed_hosts" in str(err.value) and "\n" not in str(err.value)


def test_a_name_is_judged_by_what_it_resolves_to() -> None:
    table = {"gpu.office.lan": ["192.168.4.2"], "models.example.org": ["203.0.113.7"], "mixed.example": ["10.0.0.2", "198.51.100.9"]}

    def resolve(host: str, port: int) -> list[str]:
        return table[host]

    assert check("http://gpu.office.lan:11434", resolve=resolve).addresses == ("192.168.4.2",)
    with pytest.raises(AddressRefused, match="models.example.org"):
        check("https://models.example.org", resolve=resolve)
    # one public address among private ones is enough to refuse: a resolver could hand out either
    with pytest.raises(AddressRefused, match="198.51.100.9"):
        check("http://mixed.example:8000", resolve=resolve)


def test_allowed_hosts_lets_a_named_public_host_through_and_nothing_else() -> None:
    endpoint = check("https://Models.Example.org/v1", ["models.example.org"], resolve=never)
    assert endpoint.allowed_by_name and endpoint.port == 443
    with pytest.raises(AddressRefused):
        check("https://other.example.org", ["models.example.org"], resolve=lambda h, p: ["203.0.113.8"])
    # allowing a name does not allow the address it resolves to under another name
    with pytest.raises(AddressRefused):
        check("https://203.0.113.7", ["models.example.org"], resolve=never)


@pytest.mark.parametrize(
    "url, says",
    [
        ("ftp://10.0.0.1", "http:// or https://"),
        ("10.0.0.1:8080", "http:// or https://"),
        ("http://user:secret@10.0.0.1", "credentials"),
        ("http://", "no host"),
        ("http://10.0.0.1:99999", "not a valid URL"),
    ],
)
def test_malformed_urls_are_one_line(url: str, says: str) -> None:
    with pytest.raises(AddressRefused, match=says):
        check(url, resolve=never)


def test_a_name_that_resolves_to_nothing_is_refused() -> None:
    with pytest.raises(AddressRefused, match="no address"):
        check("http://empty.lan", resolve=lambda h, p: [])
