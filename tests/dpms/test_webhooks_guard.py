"""The webhook address guard (server-side request forgery): only https in production, only public
addresses unless WEBHOOK_ALLOW_PRIVATE, and the connection goes to the address that was checked."""

import pytest

from dpms.webhook_delivery import UnsafeAddress, check_url


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOW_PRIVATE = False


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.0.0.8/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data/",  # the cloud metadata address
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://0.0.0.0/hook",
        "https://100.64.0.1/hook",  # carrier-grade NAT
    ],
)
def test_private_loopback_and_reserved_addresses_are_refused(production, url):
    with pytest.raises(UnsafeAddress, match="DPMS calls only public addresses"):
        check_url(url)


@pytest.mark.parametrize("url", ["http://93.184.216.34/hook", "ftp://93.184.216.34/", "file:///etc/passwd"])
def test_only_https_in_production(production, url):
    with pytest.raises(UnsafeAddress):
        check_url(url)


def test_credentials_in_the_address_are_refused(production):
    with pytest.raises(UnsafeAddress, match="without a user name"):
        check_url("https://user:pw@93.184.216.34/hook")


def test_a_public_https_address_is_accepted_and_pinned(production):
    target = check_url("https://93.184.216.34:8443/hook?x=1")
    assert (target.scheme, target.address, target.port, target.path) == (
        "https",
        "93.184.216.34",
        8443,
        "/hook?x=1",
    )


def test_private_addresses_are_allowed_only_when_configured(settings):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOW_PRIVATE = True
    assert check_url("https://10.0.0.8/hook").address == "10.0.0.8"


def test_an_unknown_host_is_refused_with_a_clear_message(production):
    with pytest.raises(UnsafeAddress, match="is not found"):
        check_url("https://no-such-host.invalid/hook")
