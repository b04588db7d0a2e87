"""Sending what dunning decided: e-mail over SMTP and JSON webhooks (WeCom / DingTalk robots or
any endpoint). Plain I/O with bounded timeouts; a failure is returned as text, never raised, so
that the run records it and tries again next time.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

ERROR_CHARS_MAX = 500
RESPONSE_BYTES_MAX = 64 * 1024


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # none | starttls | ssl
    username: str
    password: str
    sender: str
    timeout_ms: int


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_CHARS_MAX]


def send_email(
    smtp: SmtpSettings, *, to: list[str], cc: list[str], subject: str, body: str, ref: str
) -> str | None:
    """Send one plain-text UTF-8 message; None when the server accepted it, else the error."""
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="yecai.dunning")
    msg["X-Yecai-Dunning"] = ref
    msg.set_content(body, charset="utf-8")
    timeout = smtp.timeout_ms / 1000
    try:
        client: smtplib.SMTP
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.username:
                client.login(smtp.username, smtp.password)
            refused = client.send_message(msg, to_addrs=to + cc)
        if refused:
            return f"refused recipients: {', '.join(sorted(refused))}"[:ERROR_CHARS_MAX]
    except (OSError, smtplib.SMTPException) as exc:
        return _short(exc)
    return None


def send_webhook(url: str, payload: dict[str, Any], *, timeout_ms: int = 10_000) -> str | None:
    """POST JSON; None on a 2xx answer whose body (if JSON with ``errcode``) says 0, else the error.
    WeCom and DingTalk robots answer 200 with ``{"errcode": …}`` even when they refuse."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:  # the policy only accepts http:// and https:// URLs
        with urllib.request.urlopen(req, timeout=timeout_ms / 1000) as resp:
            text = resp.read(RESPONSE_BYTES_MAX).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} {exc.reason}"[:ERROR_CHARS_MAX]
    except (OSError, ValueError) as exc:
        return _short(exc)
    try:
        answer = json.loads(text) if text.strip() else {}
    except ValueError:
        return None
    if isinstance(answer, dict) and answer.get("errcode") not in (None, 0, "0"):
        return f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"[:ERROR_CHARS_MAX]
    return None
