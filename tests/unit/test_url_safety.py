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


# Issue 14: every IPv6 form that embeds an IPv4 address is judged by what it embeds.
EMBEDDED = [  # (form, address, refused)
    ("IPv4-compatible, metadata", "::169.254.169.254", True),
    ("IPv4-compatible, loopback", "::127.0.0.1", True),
    ("IPv4-compatible, private", "::10.0.0.1", True),
    ("IPv4-compatible, public", "::93.184.216.34", False),
    ("IPv4-mapped, metadata", "::ffff:169.254.169.254", True),
    ("IPv4-mapped, public", "::ffff:93.184.216.34", False),
    ("IPv4-translated, loopback", "::ffff:0:127.0.0.1", True),
    ("IPv4-translated, public", "::ffff:0:93.184.216.34", False),
    ("NAT64 well-known prefix, metadata", "64:ff9b::169.254.169.254", True),
    ("NAT64 well-known prefix, private", "64:ff9b::a00:1", True),
    ("NAT64 well-known prefix, public", "64:ff9b::93.184.216.34", False),
    ("NAT64 local-use prefix, public inside", "64:ff9b:1::5db8:d822", True),
    ("6to4, loopback", "2002:7f00:1::1", True),
    ("6to4, metadata", "2002:a9fe:a9fe::", True),
    ("6to4, private", "2002:c0a8:101::1", True),
    ("6to4, public", "2002:5db8:d822::1", False),
    ("Teredo, private client", "2001:0:4136:e378:8000:63bf:f5ff:fffe", True),   # client 10.0.0.1
    ("Teredo, public server and client", "2001:0:5db8:d822:0:0:a247:2dcb", True),  # Teredo is never global
    ("unspecified", "::", True),
    ("loopback", "::1", True),
    ("scoped link-local", "fe80::1%eth0", True),
    ("public IPv6", "2606:4700:4700::1111", False),
]


@pytest.mark.parametrize("form, address, refused", EMBEDDED, ids=[e[0] for e in EMBEDDED])
def test_every_embedded_ipv4_form_is_judged_by_what_it_embeds(form, address, refused):
    if refused:
        with pytest.raises(UnsafeUrl, match="non-public"):
            check_addresses([address], PROD)
    else:
        check_addresses([address], PROD)


def test_a_loopback_allowlist_does_not_let_embedded_private_forms_through():
    check_addresses(["::ffff:127.0.0.1"], LOCAL)
    for address in ("::10.0.0.1", "64:ff9b::a00:1", "2002:a00:1::1"):
        with pytest.raises(UnsafeUrl):
            check_addresses([address], LOCAL)


def test_something_that_is_not_an_address_is_refused():
    with pytest.raises(UnsafeUrl, match="not an IP address"):
        check_addresses(["example.org"], PROD)


@pytest.mark.parametrize("url", ["https://[::169.254.169.254]/", "https://[::127.0.0.1]/", "https://[::10.0.0.1]/",
                                 "https://[64:ff9b::169.254.169.254]/", "https://[2002:a9fe:a9fe::1]/",
                                 "https://[::ffff:0:7f00:1]/"])
def test_the_sender_refuses_literal_embedded_forms_at_subscription(url):
    from shared.adapters.http_webhooks import HttpWebhookSender
    with pytest.raises(UnsafeUrl):
        HttpWebhookSender(PROD).check(url)
