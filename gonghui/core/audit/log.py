"""Writing audit rows. Snapshots copy field values except sensitive ones (ID numbers, phones)."""

from __future__ import annotations

import datetime
import decimal
import hashlib
import hmac
import ipaddress
import re
import secrets
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, user_logged_in, user_logged_out, user_login_failed
from django.db import models
from django.dispatch import receiver
from django.http import HttpRequest

from gonghui.core.audit.models import AuditAction, AuditEntry, AuditOutcome

# Fields that never enter an audit row whatever their class.
SECRET_FIELDS = {"password", "org_path", "path"}

HIDDEN = "[已隐去]"
# A sensitive value is snapshotted as a keyed digest so that `diff` can tell whether it changed;
# `diff` then writes HIDDEN in its place. The key lives only in this process, so a digest that
# escaped anyway could not be matched against a list of candidate phone or ID numbers.
_HIDDEN_PREFIX = HIDDEN + "#"
_DIGEST_KEY = secrets.token_bytes(32)


def _hidden(value: Any) -> str:
    if value in (None, ""):
        return ""
    digest = hmac.new(_DIGEST_KEY, str(value).encode(), hashlib.sha256).hexdigest()
    return _HIDDEN_PREFIX + digest


def _public(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_HIDDEN_PREFIX):
        return HIDDEN
    return value


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _trusted_networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address, for the audit log and the per-address login throttle.

    `REMOTE_ADDR` unless it is one of `GONGHUI_TRUSTED_PROXIES`: behind the documented nginx
    every request comes from 127.0.0.1, and one shared address would let twenty mistyped
    passwords lock out the whole platform. Then `X-Forwarded-For` is read from the right, each
    trusted proxy's hop skipped, and the right-most address no trusted proxy vouches for is the
    client: everything left of it was written by the client and may be forged.
    """
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    networks = _trusted_networks(tuple(getattr(settings, "GONGHUI_TRUSTED_PROXIES", ())))
    if remote is None or not networks or not _is_trusted(remote, networks):
        return remote
    hops = [
        h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()
    ]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            # A malformed hop cannot be the client nor be skipped: stop at the proxy itself.
            return remote
        if not _is_trusted(hop, networks):
            return hop
        remote = hop
    return remote


# A run of seven or more digits (an ID number, a mobile, a landline, or a long enough piece of
# one) in any text an audit row would store: a search box, a file name, a filter.
_DIGIT_RUN = re.compile(r"\d{7,}[\dXx]?")
# A file's SHA-256 (attachments): a content digest, not personal data, kept whole so that an
# audit row can be matched to the stored file; only a value of exactly that form is spared.
_DIGEST = re.compile(r"[0-9a-f]{64}")
# Query parameters that carry free text a user typed (a person's number, often).
FREE_TEXT_PARAMETERS = {"q"}


def _mask_run(match: re.Match[str]) -> str:
    from gonghui.core.text.identifiers import mask_id_number, mask_phone

    run = match.group(0)
    if len(run) in (15, 18):
        return mask_id_number(run)
    if len(run) == 11:
        return mask_phone(run)
    return "*" * len(run)


def scrub(value: Any) -> Any:
    """The value with every long run of digits masked, through dicts and lists.

    Every audit payload passes here (security.md row 14), whatever wrote it: field diffs
    already hide sensitive fields, and this catches what arrives as free text.
    """
    if isinstance(value, str):
        return _DIGIT_RUN.sub(_mask_run, value)
    if isinstance(value, dict):
        return {
            k: v if k == "sha256" and isinstance(v, str) and _DIGEST.fullmatch(v) else scrub(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def filter_payload(params: Any, allowed: Any) -> dict[str, str]:
    """What a list filter asked for, fit for an audit row.

    Only the parameters the filter set knows (`allowed`) are kept, so nothing a client appends
    to the URL is copied; in free text every digit is masked, since four digits of a search
    are already the tail of someone's ID number or phone.
    """
    kept: dict[str, str] = {}
    for key, value in params.items():
        if key not in allowed:
            continue
        text = str(value)[:200]
        kept[key] = re.sub(r"\d", "*", text) if key in FREE_TEXT_PARAMETERS else text
    return kept


def snapshot(obj: models.Model) -> dict[str, Any]:
    """A JSON-safe copy of an object's concrete fields, without sensitive or secret values.

    Sensitive values are replaced by an opaque stand-in that differs when the value differs;
    pass snapshots through `diff` before storing them.
    """
    data: dict[str, Any] = {}
    # Fields derived from a sensitive one (a person's birth date and ID tail) reveal part of it.
    derived = set(getattr(obj, "audit_hidden_fields", ()))
    for f in obj._meta.concrete_fields:
        if f.name in SECRET_FIELDS:
            continue
        if getattr(f, "sensitive", None) or f.name in derived:
            data[f.name] = _hidden(f.value_from_object(obj))
            continue
        value = f.value_from_object(obj)
        if isinstance(value, datetime.date | datetime.datetime | decimal.Decimal):
            value = str(value)
        data[f.attname if f.is_relation else f.name] = value
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The changed fields; a changed sensitive field is listed with its values hidden."""
    return {
        k: {"before": _public(before.get(k)), "after": _public(after.get(k))}
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }


def record(
    action: str,
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    changes: dict[str, Any] | None = None,
    outcome: str = AuditOutcome.SUCCESS,
    username: str = "",
) -> AuditEntry:
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    # The console operator (core.operator) is no account row: the name alone is recorded.
    account = user if isinstance(user, get_user_model()) else None
    if obj is not None and not object_type:
        object_type = obj._meta.label_lower
    return AuditEntry.objects.create(
        user=account,
        username=username or (user.get_username() if user is not None else ""),
        address=client_address(request),
        action=action,
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        outcome=outcome,
        changes=scrub(changes or {}),
    )


@receiver(user_logged_in, dispatch_uid="gonghui-audit-login")
def _on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(AuditAction.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="gonghui-audit-logout")
def _on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(AuditAction.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="gonghui-audit-login-failed")
def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # The attempted username only: the password the person typed is in `credentials` too.
    record(
        AuditAction.LOGIN_FAILED,
        request=request,
        username=str(credentials.get("username", ""))[:150],
        outcome=AuditOutcome.FAILURE,
    )
