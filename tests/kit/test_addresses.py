"""lobbyd.kit.addresses.client_address: X-Forwarded-For is believed only from trusted proxies."""

from __future__ import annotations

import ipaddress

from lobbyd.kit.addresses import Network, client_address

PROXY = "10.0.0.1"
PROXIES: list[Network] = [ipaddress.ip_network("10.0.0.0/8")]


def test_without_forwarded_for_the_peer_is_the_client() -> None:
    assert client_address("198.51.100.7", None, PROXIES) == "198.51.100.7"


def test_an_empty_forwarded_for_is_ignored() -> None:
    assert client_address(PROXY, "", PROXIES) == PROXY


def test_forwarded_for_is_ignored_when_no_proxy_is_trusted() -> None:
    assert client_address("198.51.100.7", "203.0.113.5", []) == "198.51.100.7"


def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    assert client_address("198.51.100.7", "203.0.113.5", PROXIES) == "198.51.100.7"


def test_forwarded_for_from_a_trusted_proxy_names_the_client() -> None:
    assert client_address(PROXY, "203.0.113.5", PROXIES) == "203.0.113.5"


def test_a_single_trusted_address_works_as_a_network() -> None:
    proxies: list[Network] = [ipaddress.ip_network("10.0.0.1/32")]
    assert client_address("10.0.0.1", "203.0.113.5", proxies) == "203.0.113.5"
    assert client_address("10.0.0.2", "203.0.113.5", proxies) == "10.0.0.2"


def test_hops_a_client_wrote_before_the_proxy_are_not_believed() -> None:
    forwarded = "192.0.2.66, 203.0.113.5"  # the client sent "192.0.2.66"; the proxy appended
    assert client_address(PROXY, forwarded, PROXIES) == "203.0.113.5"


def test_a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_hop() -> None:
    forwarded = "192.0.2.66, 203.0.113.5, 10.1.1.1, 10.2.2.2"
    assert client_address(PROXY, forwarded, PROXIES) == "203.0.113.5"


def test_a_chain_of_only_trusted_proxies_ends_at_the_first_of_them() -> None:
    assert client_address(PROXY, "10.9.9.9, 10.1.1.1", PROXIES) == "10.9.9.9"


def test_a_malformed_hop_stops_the_walk_at_the_last_believed_address() -> None:
    assert client_address(PROXY, "203.0.113.5, not-an-address", PROXIES) == PROXY
    assert client_address(PROXY, "not-an-address, 10.1.1.1", PROXIES) == "10.1.1.1"


def test_whitespace_around_hops_is_ignored() -> None:
    assert client_address(PROXY, "  203.0.113.5  ", PROXIES) == "203.0.113.5"


def test_ipv6_proxies_and_clients() -> None:
    proxies: list[Network] = [ipaddress.ip_network("fd00::/8")]
    assert client_address("fd00::1", "2001:db8::5", proxies) == "2001:db8::5"
    assert client_address("2001:db8::9", "2001:db8::5", proxies) == "2001:db8::9"


def test_a_bracketed_ipv6_proxy_hop_is_recognised_as_trusted() -> None:
    proxies: list[Network] = [ipaddress.ip_network("fd00::/8")]
    assert client_address("fd00::1", "2001:db8::5, [fd00::2]", proxies) == "2001:db8::5"


def test_an_unknown_peer_is_named_unknown() -> None:
    assert client_address(None, "203.0.113.5", PROXIES) == "unknown"
    assert client_address(None, None, []) == "unknown"


def test_a_peer_that_is_not_an_ip_address_is_never_a_trusted_proxy() -> None:
    assert client_address("testclient", "203.0.113.5", PROXIES) == "testclient"
