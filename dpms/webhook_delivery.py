"""Delivering webhook events (``dpms.webhooks`` writes them): the address guard, the signature, the POST,
and recording each attempt. Called by the tasks in ``dpms.tasks``, which enqueue the retries; nothing here
enqueues, so this module needs no task.

Every request carries ``X-DPMS-Timestamp`` (Unix seconds) and ``X-DPMS-Signature: sha256=<hex>``, the
HMAC-SHA-256 under the webhook's secret of ``<timestamp>.<body>``: the receiver recomputes it, compares in
constant time and refuses old timestamps (replays).

Server-side request forgery: only ``https`` addresses when ``DEBUG`` is off; the host's addresses are
resolved and every one must be a public address unless ``WEBHOOK_ALLOW_PRIVATE`` is set, and the request
goes to the address that was checked (a DNS answer that changes between the check and the connection cannot
redirect it), with no redirects followed.
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dpms.models import Webhook, WebhookDelivery, WebhookDeliveryStatus
from dpms.queries import CLAIM_STALE_AFTER

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-DPMS-Signature"
TIMESTAMP_HEADER = "X-DPMS-Timestamp"
USER_AGENT = "DPMS-Webhooks/1"


class UnsafeAddress(ValueError):
    """A webhook address DPMS refuses to call (not https in production, or a private/loopback address)."""


# --- Signing ------------------------------------------------------------------------------------------------
def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_valid(
    secret: str, timestamp: int, body: bytes, header: str, *, now=None, tolerance=300
) -> bool:
    """What a receiver checks (and what the tests check): the signature, and a timestamp within
    ``tolerance`` seconds."""
    now = time.time() if now is None else now
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(
        signature(secret, timestamp, body), header
    )


# --- The address guard --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP address the connection goes to


def check_url(url: str) -> Target:
    """Resolve and check a webhook address; raises ``UnsafeAddress`` saying why it is refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise UnsafeAddress(_("Use an https:// address."))
    if parts.scheme != "https" and not settings.DEBUG:
        raise UnsafeAddress(_("Webhooks go only to https:// addresses."))
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeAddress(_("Give a host name, without a user name or password."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeAddress(_("The port is not a number from 1 to 65535.")) from None
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeAddress(_("The host %(host)s is not found.") % {"host": parts.hostname}) from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        refused = [str(address) for address in addresses if not address.is_global or address.is_multicast]
        if refused:
            raise UnsafeAddress(
                _(
                    "The host %(host)s is a private, loopback or reserved address (%(address)s); "
                    "DPMS calls only public addresses."
                )
                % {"host": parts.hostname, "address": refused[0]}
            )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, str(addresses[0]))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, secret: str, body: bytes, headers: dict) -> int:
    """POST ``body`` to ``url`` (checked, pinned, signed, no redirects); returns the HTTP status."""
    target = check_url(url)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    timestamp = int(time.time())
    all_headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        **headers,
    }
    try:
        connection.request("POST", target.path, body=body, headers=all_headers)
        response = connection.getresponse()
        response.read(64 * 1024)  # a little of the answer, so the connection closes cleanly
        return response.status
    finally:
        connection.close()


# --- Delivering (in a task, outside any transaction) --------------------------------------------------------
def backoff(attempts: int) -> timedelta:
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def claimable(now):
    """Deliveries a task may claim: due, or claimed by a worker that must have ended (``CLAIM_STALE_AFTER``,
    the outbox's rule), with attempts left."""
    stale = now - CLAIM_STALE_AFTER
    due = Q(status=WebhookDeliveryStatus.PENDING, next_attempt_at__lte=now)
    return (due | Q(status=WebhookDeliveryStatus.SENDING, claimed_at__lt=stale)) & Q(
        attempts__lt=settings.WEBHOOK_MAX_ATTEMPTS
    )


def deliver(delivery_id: int) -> str:
    """Claim one due delivery and send it: ``delivered``, ``retry`` (pending again, due after
    ``backoff(attempts)``: the caller enqueues the retry), ``failed`` or ``skipped`` (not due, taken by
    another worker, or done)."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(claimable(now), pk=delivery_id).update(
        status=WebhookDeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    hook = delivery.webhook
    if not hook.enabled:
        _finish(delivery, status=None, error="The webhook was turned off before this delivery.", final=True)
        return "failed"
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "X-DPMS-Event": delivery.event,
        "X-DPMS-Delivery": str(delivery.pk),
        "X-DPMS-Event-Id": delivery.event_id,
    }
    try:
        status = post(hook.url, hook.secret, body, headers)
    except UnsafeAddress as exc:
        _finish(delivery, status=None, error=str(exc), final=True)
        return "failed"
    except (OSError, http.client.HTTPException) as exc:
        return _retry_or_fail(delivery, status=None, error=f"{type(exc).__name__}: {exc}")
    if 200 <= status < 300:
        _finish(delivery, status=status, error="", final=False, delivered=True)
        return "delivered"
    return _retry_or_fail(delivery, status=status, error=f"The receiver answered {status}.")


def _retry_or_fail(delivery: WebhookDelivery, *, status, error: str) -> str:
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        _finish(delivery, status=status, error=error, final=True)
        return "failed"
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDeliveryStatus.SENDING).update(
        status=WebhookDeliveryStatus.PENDING,
        next_attempt_at=timezone.now() + backoff(delivery.attempts),
        claimed_at=None,
        response_status=status,
        last_error=error[:500],
    )
    return "retry"


def _finish(delivery: WebhookDelivery, *, status, error: str, final: bool, delivered: bool = False) -> None:
    """Record a delivery's end: delivered (the webhook's run of failures ends) or failed for good (it grows,
    and at ``WEBHOOK_DISABLE_AFTER_FAILURES`` the webhook is turned off, with the reason)."""
    now = timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDeliveryStatus.DELIVERED if delivered else WebhookDeliveryStatus.FAILED,
            delivered_at=now if delivered else None,
            claimed_at=None,
            response_status=status,
            last_error=error[:500],
        )
        hook = Webhook.objects.select_for_update().get(pk=delivery.webhook_id)
        if delivered:
            if hook.failures_in_a_row:
                hook.failures_in_a_row = 0
                hook.save(update_fields=["failures_in_a_row"])
            return
        hook.failures_in_a_row += 1
        fields = ["failures_in_a_row"]
        if final and hook.enabled and hook.failures_in_a_row >= settings.WEBHOOK_DISABLE_AFTER_FAILURES:
            from dpms import audit

            hook.enabled = False
            hook.disabled_reason = f"Turned off after {hook.failures_in_a_row} failed deliveries in a row."[
                :300
            ]
            fields += ["enabled", "disabled_reason"]
            audit.record(
                action="webhooks.webhook.disabled",
                obj=hook,
                changes={"enabled": [True, False], "failures_in_a_row": hook.failures_in_a_row},
            )
        hook.save(update_fields=fields)


def due_for_sweep(now, limit: int) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(claimable(now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
