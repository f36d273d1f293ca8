import pytest

from shared.domain.integrations.url_safety import UnsafeUrl, UrlPolicy, check_addresses, check_url

PROD = UrlPolicy()
LOCAL = UrlPolicy.parse(True, ["127.0.0.0/8", "::1/128"])


@pytest.mark.parametrize("url, policy, problem", [
    ("http://example.org/hook", PROD, "scheme"),
    ("ftp://example.org/hook", LOCAL, "scheme"),
    ("https://user:pw@example.org/", PROD, "credentials"),
    ("https:///nohost", PROD, "host"),
    ("https://example.org:99999/", PROD, "parsed"),
])
def test_refused_before_resolution(url, policy, problem):
    with pytest.raises(UnsafeUrl, match=problem):
        check_url(url, policy)


def test_https_public_url_passes():
    assert check_url("https://hooks.metrokota.go.id/sigap", PROD) == ("hooks.metrokota.go.id", 443)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.5.4", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00:ec2::254", "::ffff:10.0.0.1",
                                     "224.0.0.1"])
def test_private_loopback_link_local_and_metadata_are_refused(address):
    with pytest.raises(UnsafeUrl, match="non-public"):
        check_addresses([address], PROD)


def test_one_bad_address_among_good_ones_is_enough_to_refuse():
    with pytest.raises(UnsafeUrl):
        check_addresses(["93.184.216.34", "10.0.0.7"], PROD)


def test_allowlist_lets_loopback_through_but_not_other_private_ranges():
    check_addresses(["127.0.0.1", "::1"], LOCAL)
    with pytest.raises(UnsafeUrl):
        check_addresses(["10.0.0.7"], LOCAL)


def test_unresolvable_host_is_refused():
    with pytest.raises(UnsafeUrl, match="does not resolve"):
        check_addresses([], PROD)
