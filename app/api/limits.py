"""Bounds on what a client may send: body size (413) before anything parses it.

A body that declares its length (``Content-Length``) is refused on that
declaration: the server reads no more than it declares. A body without one
(``Transfer-Encoding: chunked``) is read here first, at most ``max_bytes`` of
it, and handed on only once it is known to fit. Counting it while the route
reads it would not do: FastAPI turns any error raised while it reads a body
into its own 400 ("There was an error parsing the body").
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import render


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with a 413 a person can read."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit():
            if int(declared) > self.max_bytes:
                await self._refuse(send)
                return
            await self.app(scope, receive, send)
            return
        read = await self._read(receive)
        if read is None:
            await self._refuse(send)
            return
        await self.app(scope, _replay(read, receive), send)

    async def _read(self, receive: Receive) -> list[Message] | None:
        """The body's messages, or None as soon as they pass ``max_bytes`` (the rest unread)."""
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":  # the client left: the app hears it
                return messages
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                return None
            if not message.get("more_body", False):
                return messages

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "error": "TooLarge",
                "detail": render("body.too_large", {"limit": self.max_bytes}),
                "code": "body.too_large",
                "params": {"limit": self.max_bytes},
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),  # the rest of the body is never read
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """``receive`` that gives ``messages`` first, then whatever the client sends next."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
