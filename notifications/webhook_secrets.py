"""Webhook secrets: made here, shown once, kept encrypted.

A secret signs every delivery, so we must read it back: it cannot be hashed. It is encrypted with Fernet (AES-128-CBC
and HMAC-SHA256, from the cryptography package) under keys derived from WEBHOOK_SECRET_KEYS, or from SECRET_KEY when
that is empty; the first key encrypts, all of them decrypt, so a key can be rotated without losing subscriptions.
"""

from __future__ import annotations

import base64
import hashlib
import secrets as random_secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SECRET_PREFIX = "whsec_"
HINT_CHARS = 4


class Secret(str):
    """A secret, which reads as itself everywhere but in a repr: Django's template engine logs (at DEBUG) the whole
    context of a page that names a missing variable, and tracebacks and error reports show values by repr."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<secret {secret_hint(self)}>"


def secret_new() -> Secret:
    """A fresh secret: 32 random bytes, url-safe, with a prefix that says what it is (as Stripe's do)."""
    return Secret(SECRET_PREFIX + random_secrets.token_urlsafe(32))


def secret_hint(secret: str) -> str:
    return "…" + secret[-HINT_CHARS:]


def _fernet_key(material: str) -> bytes:
    """A Fernet key from any string: a Fernet key given as such is used as it is, anything else is hashed to one
    (SECRET_KEY, a passphrase), with a label so the same SECRET_KEY never yields the key of another use."""
    try:
        if len(base64.urlsafe_b64decode(material.encode())) == 32:
            return material.encode()
    except (ValueError, TypeError):
        pass
    digest = hashlib.sha256(b"factcheck.webhook-secrets:" + material.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _cipher() -> MultiFernet:
    materials = list(settings.WEBHOOK_SECRET_KEYS) or [settings.SECRET_KEY]
    if not any(materials):
        raise ImproperlyConfigured("WEBHOOK_SECRET_KEYS or SECRET_KEY is needed to keep webhook secrets.")
    return MultiFernet([Fernet(_fernet_key(material)) for material in materials if material])


def secret_encrypt(secret: str) -> str:
    return _cipher().encrypt(secret.encode()).decode()


class SecretUnreadable(Exception):
    """The stored secret was encrypted under a key no longer configured."""


def secret_decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("The webhook secret was encrypted under a key that is no longer configured.") from exc
