"""The link checker's address guard in front of every webhook: a target outside the allow list is never connected
to, whether it is written as an address or a name resolves to it; and it is refused at subscribe time when written
as an address."""

import ipaddress

import pytest
from django.core.exceptions import ValidationError

from notifications.choices import DeliveryState
from notifications.delivery import deliveries_claim, deliveries_record, deliveries_send, events_dispatch, webhooks_run
from notifications.models import Delivery, DeliveryAttempt, WebhookSubscription
from notifications.services import check_target_url
from notifications.webhook_secrets import secret_encrypt, secret_hint, secret_new

from .helpers import record_event

pytestmark = pytest.mark.django_db


def subscription_to(url, owner) -> WebhookSubscription:
    """Made as an old row or the admin might hold it: past the subscribe-time check (which refuses an address
    literal outside the allow list, not a name)."""
    secret = secret_new()
    return WebhookSubscription.objects.create(
        owner=owner,
        url=url,
        events=["claim.published"],
        secret_encrypted=secret_encrypt(secret),
        secret_hint=secret_hint(secret),
    )


def test_an_address_outside_the_allow_list_is_never_connected_to(outside, staff):
    subscription_to(outside.url("/hook"), staff)  # http://127.0.0.2:<port>/hook
    record_event()
    result = webhooks_run(requeue=False)
    delivery = Delivery.objects.get()
    assert result["failed"] == 1
    assert outside.received == []  # no connection was made
    assert delivery.state == DeliveryState.FAILED  # at once: waiting will not make it allowed
    assert delivery.attempts == 1
    assert delivery.last_status is None
    assert "blocked" in delivery.last_error
    assert "127.0.0.2" in delivery.last_error
    assert DeliveryAttempt.objects.get().error == delivery.last_error


def test_a_name_that_resolves_outside_the_allow_list_is_never_connected_to(outside, receiver, staff):
    """The guard resolves the name itself and checks every address; the connection could only go to those."""
    subscription_to(f"http://hooks.partner.test:{outside.port}/hook", staff)
    subscription_to(f"http://mixed.partner.test:{receiver.port}/hook", staff)
    record_event()
    events_dispatch()
    answers = {
        "hooks.partner.test": [ipaddress.ip_address("127.0.0.2")],
        # one allowed address beside a refused one: refused, as the link checker refuses it
        "mixed.partner.test": [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("127.0.0.2")],
    }

    async def resolve(host, port):
        return answers[host]

    deliveries_record(deliveries_send(deliveries_claim(limit=10), resolve=resolve))
    assert outside.received == []
    assert receiver.received == []
    errors = list(Delivery.objects.values_list("state", "last_error"))
    assert len(errors) == 2
    for state, error in errors:
        assert state == DeliveryState.FAILED
        assert "blocked" in error
        assert "resolves to 127.0.0.2" in error


def test_each_host_is_resolved_once_per_batch(receiver, staff):
    for path in ("/a", "/b", "/c"):
        subscription_to(f"http://receiver.partner.test:{receiver.port}{path}", staff)
    for claim in range(1, 5):
        record_event(order_key=f"claim:{claim}")
    events_dispatch()
    lookups = []

    async def resolve(host, port):
        lookups.append((host, port))
        return [ipaddress.ip_address("127.0.0.1")]

    claimed = deliveries_claim(limit=100)
    assert len(claimed) == 12
    deliveries_record(deliveries_send(claimed, resolve=resolve))
    assert lookups == [("receiver.partner.test", receiver.port)]
    assert len(receiver.received) == 12
    assert {r.headers["Host"] for r in receiver.received} == {f"receiver.partner.test:{receiver.port}"}
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.DELIVERED}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.2/",
        "http://127.0.0.2:8080/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://0x7f.1/hook",  # 127.0.0.1 in another spelling: not a plain address, refused (the guard would too)
    ],
)
def test_subscribe_time_refusal_of_an_address_outside_the_allow_list(url):
    with pytest.raises(ValidationError) as refused:
        check_target_url(url)
    assert "url" in refused.value.message_dict


@pytest.mark.parametrize("url", ["ftp://example.org/hook", "not a url", "http:///hook"])
def test_subscribe_time_refusal_of_what_is_not_an_http_url(url):
    with pytest.raises(ValidationError):
        check_target_url(url)


def test_subscribe_time_accepts_the_allowed_address_and_names():
    assert check_target_url("http://127.0.0.1:9000/hook") == "http://127.0.0.1:9000/hook"
    # a name is checked where it points at each delivery, not now: DNS answers change
    assert check_target_url("https://hooks.example.org/in") == "https://hooks.example.org/in"


def test_subscribe_time_refusal_of_credentials_in_the_url():
    """The sender drops credentials written into a url, so a subscription relying on them would meet 401s."""
    with pytest.raises(ValidationError) as refused:
        check_target_url("https://user:secret@hooks.example.org/in")
    assert "user name and password" in refused.value.message_dict["url"][0]
