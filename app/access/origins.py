"""Which pages may open the live channel: the ``Origin`` a browser sends, against a list.

Theory of operation
-------------------
A browser names the page's origin on every websocket upgrade, and a page of
another site must not watch a room with a link it got hold of. The origins
allowed are ``FLOORKEEPER_ALLOWED_ORIGINS`` when set (behind a reverse proxy:
the public origin, e.g. ``https://floor.example.org``). Unset, they are the
service's own:

* the origin of the address the connection reached (the listening socket's,
  ``scope["server"]``), so a page loaded from ``http://192.168.1.5:8000``
  may connect there;
* ``HOST:PORT`` as configured, when that is a name rather than "every interface";
* in development, ``localhost``, ``127.0.0.1`` and ``[::1]`` at those ports.

Never the ``Host`` header: a DNS-rebinding page (``http://evil.example:8000``
resolving to this machine) sends ``Host: evil.example:8000`` and would match
it. A client that sends no ``Origin`` is not a browser (a kiosk, a script, the
benchmark) and the check does not apply to it: its token is what lets it in.
"""

from __future__ import annotations

from app.config import Environment, Settings, normalized_origin, origin

#: Hosts that mean "every interface": they name no origin a page could be loaded from.
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def allowed_origins(
    settings: Settings, scheme: str, server: tuple[str, int | None] | None
) -> frozenset[str]:
    """The origins whose pages may connect, for a connection reaching ``server`` by ``scheme``.

    ``scheme`` is the connection's (``ws`` or ``wss``, or ``http``/``https``).
    """
    if settings.allowed_origins:
        return frozenset(settings.allowed_origins)
    page = "https" if scheme in ("wss", "https") else "http"
    places: set[tuple[str, int | None]] = set()
    if server is not None:  # a list in Starlette's test client
        host, port = server
        places.add((str(host), port))
    if settings.host not in WILDCARD_HOSTS:
        places.add((settings.host, settings.port))
    if settings.environment is Environment.DEVELOPMENT:
        ports = {port for _, port in places} | {settings.port}
        places |= {(host, port) for host in LOOPBACK_HOSTS for port in ports}
    return frozenset(origin(page, host, port) for host, port in places)


def origin_allowed(
    sent: str, settings: Settings, scheme: str, server: tuple[str, int | None] | None
) -> bool:
    """Whether a page of origin ``sent`` (a browser's ``Origin`` header) may connect."""
    try:
        named = normalized_origin(sent)
    except ValueError:  # "null" (a file, a sandboxed frame) or nonsense: no page of ours
        return False
    return named in allowed_origins(settings, scheme, server)
