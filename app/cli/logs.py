"""Secrets stay out of the logs: ``token=`` values in any log line are redacted.

Links carry their token in the query string (badges, wall screens), and
uvicorn's access log prints each request's path with its query. The
``TokenRedactor`` filter rewrites every record's message and arguments
before a handler formats them; ``serve`` installs it on uvicorn's handlers
through ``log_config()``.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

_TOKEN = re.compile(r"(?i)((?:^|[?&;\s\"'])(?:token|access_token)=)[^&\s\"']+")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with every ``token=…`` value replaced."""
    return _TOKEN.sub(rf"\1{REDACTED}", text)


class TokenRedactor(logging.Filter):
    """A logging filter that never drops a record, only redacts it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with the redactor on every handler."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_tokens"] = {"()": "app.cli.logs.TokenRedactor"}
    for handler in config.get("handlers", {}).values():
        handler["filters"] = [*handler.get("filters", []), "redact_tokens"]
    return config
