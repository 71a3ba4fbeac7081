"""The receiver the README shows (its "Notifications" section, between the markers below), run against bodies and
headers made by our own signer (notifications.signing.signature_header): it accepts what we send, refuses what was
tampered with, signed with another secret or too long ago, and drops a delivery it already has. The same code is
kept here, so it is tested before the README holds it; once it does, the README's copy is run too and must equal
this one."""

import re
from pathlib import Path

import pytest

from notifications import delivery
from notifications.outbox import as_json, event_record
from notifications.signing import signature_header
from notifications.webhook_secrets import secret_new

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- receiver-snippet -->", "<!-- /receiver-snippet -->"

SNIPPET = r'''
import hashlib
import hmac
import json
import time

TOLERANCE_SECONDS = 5 * 60  # how old a signature may be: a request captured on the way cannot be replayed later
seen_deliveries = set()  # in production a table with a unique key on the delivery id, kept for a week or so


def signature_is_valid(secret: str, body: bytes, header: str, *, now: float | None = None) -> bool:
    """X-Factcheck-Signature is "t=<unix time>,v1=<hex HMAC-SHA256 of '<t>.<body>' under your secret>"."""
    pairs = [item.strip().split("=", 1) for item in header.split(",") if "=" in item]
    stamps = [value for key, value in pairs if key == "t"]
    if len(stamps) != 1 or not (stamps[0].isascii() and stamps[0].isdigit()):
        return False
    if abs((time.time() if now is None else now) - int(stamps[0])) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), stamps[0].encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, value) for key, value in pairs if key == "v1")


def handle(event: dict) -> None:
    print(event["type"], event["id"])  # your code: quick, or put the work on a queue of your own


def receive(headers, body: bytes, secret: str) -> int:
    """The status to answer. Read `body` as the raw bytes received: parsed and re-encoded JSON would not match."""
    if not signature_is_valid(secret, body, headers.get("X-Factcheck-Signature", "")):
        return 400
    delivery = headers.get("X-Factcheck-Delivery", "")
    if delivery in seen_deliveries:
        return 200  # a retry or a replay of a delivery you already have: say yes, do nothing
    handle(json.loads(body))
    seen_deliveries.add(delivery)  # after handling: if handle() fails, the 500 makes us send it again
    return 200
'''


def readme_snippet() -> str | None:
    """The Python of the README between the markers, without its code fence; None without the markers."""
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        return None
    block = text.split(START, 1)[1].split(END, 1)[0]
    code = re.search(r"```python\n(.*?)```", block, re.DOTALL)
    assert code, "the README's receiver snippet is not a ```python block"
    return code.group(1)


def loaded(source: str) -> dict:
    namespace: dict = {"__name__": "receiver"}
    exec(compile(source, "receiver-snippet", "exec"), namespace)
    handled = namespace["handled"] = []
    namespace["handle"] = handled.append  # the reader's own work, replaced to see what reaches it
    return namespace


def body_of(event) -> bytes:
    """The body as the worker sends it (notifications.delivery.event_body once it is there)."""
    if hasattr(delivery, "event_body"):
        return delivery.event_body(event)
    import json

    envelope = {"created_at": event.created_at, "data": event.payload, "id": event.pk, "type": event.type}
    return json.dumps(as_json(envelope), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.fixture
def sent(db):
    """A real event's body with Chinese in it, a secret, and the headers of one attempt signed now."""
    event = event_record(
        type="claim.corrected",
        order_key="claim:7",
        payload={"claim": {"id": 7, "text": "长城在太空中肉眼可见。"}, "change": {"kind": "corrected"}},
    )
    body, secret = body_of(event), secret_new()
    headers = {
        "X-Factcheck-Event": "claim.corrected",
        "X-Factcheck-Delivery": "0b7f5c1e-2d6a-4c8e-9f3b-5a1d2e3f4a5b",
        "X-Factcheck-Signature": signature_header(secret, body),
    }
    return event, body, secret, headers


def sources() -> list:
    return [pytest.param(SNIPPET, id="kept-here"), pytest.param("README", id="README")]


def source_of(which: str) -> str:
    if which != "README":
        return which
    snippet = readme_snippet()
    if snippet is None:
        pytest.skip(f"README.md has no {START} … {END} block yet (the lead merges /work/notes/readme-feeds.md)")
    return snippet


@pytest.mark.parametrize("which", sources())
def test_it_accepts_what_we_send_once(which, sent):
    event, body, secret, headers = sent
    receiver = loaded(source_of(which))
    assert receiver["receive"](headers, body, secret) == 200
    [handled] = receiver["handled"]
    assert (handled["id"], handled["type"], handled["data"]) == (event.pk, event.type, event.payload)
    assert receiver["receive"](headers, body, secret) == 200  # delivered twice (at least once): handled once
    assert len(receiver["handled"]) == 1
    retried = {**headers, "X-Factcheck-Signature": signature_header(secret, body)}  # a retry, signed again
    assert receiver["receive"](retried, body, secret) == 200
    assert len(receiver["handled"]) == 1


@pytest.mark.parametrize("which", sources())
def test_it_refuses_a_tampered_body_another_secret_or_no_signature(which, sent):
    _event, body, secret, headers = sent
    receiver = loaded(source_of(which))
    tampered = body.replace("长城".encode(), "长江".encode())
    assert tampered != body
    assert receiver["receive"](headers, tampered, secret) == 400
    assert receiver["receive"](headers, body, secret_new()) == 400
    assert receiver["receive"]({**headers, "X-Factcheck-Signature": ""}, body, secret) == 400
    assert receiver["receive"]({"X-Factcheck-Delivery": "x"}, body, secret) == 400
    assert receiver["handled"] == []


@pytest.mark.parametrize("which", sources())
def test_the_time_tolerance_is_five_minutes_either_way(which, sent):
    _event, body, secret, _headers = sent
    valid = loaded(source_of(which))["signature_is_valid"]
    t = 1_733_000_000
    header = signature_header(secret, body, timestamp=t)
    assert valid(secret, body, header, now=t)
    assert valid(secret, body, header, now=t + 300)
    assert valid(secret, body, header, now=t - 300)  # our clock a little ahead of yours
    assert not valid(secret, body, header, now=t + 301)  # a captured request, replayed later
    assert not valid(secret, body, header, now=t - 301)


@pytest.mark.parametrize("which", sources())
def test_malformed_headers_are_refused_and_a_second_v1_is_allowed(which, sent):
    _event, body, secret, _headers = sent
    valid = loaded(source_of(which))["signature_is_valid"]
    t = 1_733_000_000
    good = signature_header(secret, body, timestamp=t)
    digest = good.split("v1=", 1)[1]
    assert valid(secret, body, f"t={t}, v1={'0' * 64}, v1={digest}", now=t)  # any matching v1 (a future rotation)
    for header in (
        f"v1={digest}",  # no time
        f"t={t},t={t},v1={digest}",  # two times
        f"t=²{t},v1={digest}",  # a digit that is not ASCII
        f"t={t},v1={digest.upper()}",  # hex as we send it, lower case
        f"t={t},v0={digest}",  # another scheme
        f"t={t}",
        "garbage",
    ):
        assert not valid(secret, body, header, now=t), header


def test_the_readme_shows_the_code_tested_here():
    snippet = readme_snippet()
    if snippet is None:
        pytest.skip(f"README.md has no {START} … {END} block yet (the lead merges /work/notes/readme-feeds.md)")
    assert snippet.strip() == SNIPPET.strip()
