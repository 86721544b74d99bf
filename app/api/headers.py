"""Security headers on every answer (pages and API alike).

The pages are written for a strict policy: no inline script, no inline style
attribute, nothing loaded from elsewhere. Links carry tokens in their query
string, so no page sends a Referer. Framing is refused, except that a room
display may be framed by the origins a meeting names (a venue's signage
system), by setting (``FLOORKEEPER_DISPLAY_FRAME_ANCESTORS``).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
)


def policy_for(path: str, display_frame_ancestors: str) -> str:
    """The CSP of ``path``: displays may be framed where the setting allows it."""
    ancestors = "'none'"
    if display_frame_ancestors and path.startswith(("/display/", "/podium/")):
        ancestors = display_frame_ancestors
    return f"{POLICY}; frame-ancestors {ancestors}"


class SecurityHeaders:
    """Pure ASGI middleware (no body buffering, websockets untouched)."""

    def __init__(self, app: ASGIApp, display_frame_ancestors: str = "") -> None:
        self.app = app
        self.display_frame_ancestors = display_frame_ancestors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = policy_for(scope["path"], self.display_frame_ancestors)
        framed = "'none'" not in policy.rsplit("frame-ancestors", 1)[1]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [
                    (b"content-security-policy", policy.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                if not framed:
                    extra.append((b"x-frame-options", b"DENY"))
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
