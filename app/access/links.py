"""The full link of each credential: the page its role opens, with its token, as a URL.

One place says which page a role opens, for ``floorkeeper links``, ``serve``,
the secretariat page and its QR codes: a moderator's console and a display's
wall (and podium) of their room, a delegation's phone, the secretariat's page.
A rapporteur's page is a segment's report (``/report/{room}/{segment}``),
which no credential names: it has no link of its own here.
"""

from __future__ import annotations

from urllib.parse import quote

from app.access.roles import Principal, Role


def page_links(base: str, principal: Principal, token: str) -> dict[str, str]:
    """The pages ``token`` opens, by name ("moderator", "display", "podium"...), as URLs."""
    if not token:  # a row from before tokens expired: it has none (rotate it)
        return {}
    base = base.rstrip("/")
    query = f"?token={quote(token, safe='')}"
    room = principal.room_id
    match principal.role:
        case Role.MODERATOR if room is not None:
            return {"moderator": f"{base}/moderator/{room}{query}"}
        case Role.DISPLAY if room is not None:
            return {
                "display": f"{base}/display/{room}{query}",
                "podium": f"{base}/podium/{room}{query}",
            }
        case Role.DELEGATE:
            return {"delegate": f"{base}/delegate{query}"}
        case Role.SECRETARIAT:
            meeting = "" if principal.meeting_id is None else f"&meeting={principal.meeting_id}"
            return {"secretariat": f"{base}/secretariat{query}{meeting}"}
    return {}


def main_link(base: str, principal: Principal, token: str) -> str:
    """The credential's first page (the one its QR code carries), or "" if it has none."""
    return next(iter(page_links(base, principal, token).values()), "")
