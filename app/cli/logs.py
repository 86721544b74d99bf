"""Secrets stay out of the logs: ``token=`` values in any log line are redacted.

Links carry their token in the query string (badges, wall screens), and
uvicorn's access log prints each request's path with its query. A key is a
token's key however it is spelled: ``token``, ``access_token``, in any case,
and percent-encoded (``%74oken=``, ``to%6Ben=``: a server decodes the key
before it reads it, so the log must too).

Two layers, so that no handler escapes:

* ``redact_every_record()`` (``serve`` calls it before uvicorn starts) wraps
  the log record factory: every record of every logger is redacted when it
  is made, before any handler, filter or formatter sees it, including
  handlers added later (an operator's, a library's);
* ``log_config()`` puts the ``TokenRedactor`` filter on uvicorn's handlers as
  well, for a process that configures logging with it alone.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any
from urllib.parse import unquote_plus

#: One ``key=value`` of a query string, URL or log line; the key may be percent-encoded.
_PAIR = re.compile(r"(?P<lead>^|[?&;\s\"'])(?P<key>[\w.%+-]+)=(?P<value>[^&\s\"']*)")
SECRET_KEYS = frozenset({"token", "access_token"})
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with the value of every ``token=…`` (however its key is spelled) replaced."""
    return _PAIR.sub(_hide, text) if "=" in text else text


def _hide(pair: re.Match[str]) -> str:
    if unquote_plus(pair["key"]).lower() not in SECRET_KEYS:
        return pair[0]
    return f"{pair['lead']}{pair['key']}={REDACTED}"


def redact_record(record: logging.LogRecord) -> None:
    """Redact a record's message and arguments in place (it is never dropped).

    The arguments are redacted one by one (uvicorn's access formatter reads them as a
    tuple); a message whose own text puts a token key before a placeholder
    (``"?token=%s"``) is formatted first, then redacted.
    """
    if isinstance(record.args, tuple):
        record.args = tuple(_clean(a) for a in record.args)
    elif isinstance(record.args, dict):
        record.args = {k: _clean(v) for k, v in record.args.items()}
    if isinstance(record.msg, str):
        redacted = redact(record.msg)
        if redacted != record.msg and record.args:
            try:
                redacted = redact(record.getMessage())
            except (TypeError, ValueError):  # a broken format: keep the redacted template
                pass
            record.args = None
        record.msg = redacted


def _clean(value: object) -> object:
    """An argument without a token: a string redacted, another object as its redacted text."""
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, int | float):
        return value
    text = str(value)
    redacted = redact(text)
    return value if redacted == text else redacted


class TokenRedactor(logging.Filter):
    """A logging filter that never drops a record, only redacts it."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def redact_every_record() -> None:
    """Make every log record of this process redacted at its creation (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "redacts", False):
        return

    def redacting(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        redact_record(record)
        return record

    redacting.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting)


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with the redactor on every handler, and the service's
    own loggers (``app.*``) written by uvicorn's default handler from INFO on ("took the
    scheduler lease of room 3 (…)"), not only their warnings by Python's last resort."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_tokens"] = {"()": "app.cli.logs.TokenRedactor"}
    for handler in config.get("handlers", {}).values():
        handler["filters"] = [*handler.get("filters", []), "redact_tokens"]
    config.setdefault("loggers", {})["app"] = {"handlers": ["default"], "level": "INFO"}
    return config
