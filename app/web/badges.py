"""The badge sheet: one badge per delegation with the QR code of its delegate link.

The secretariat opens ``/secretariat/meetings/{id}/badges?token=…`` and
prints it (A4, eight badges a page). Each badge names the delegation and
carries a QR code of ``/delegate?token=…``: a recorded delegate credential
of this meeting (``app.access.credentials``: it opens this meeting only, and
the meeting's own secretariat revokes and rotates it), the same one every
time the sheet is printed, until the secretariat revokes or rotates it. The
QR codes are SVG files served by this module (``segno``), so the page keeps
the strict CSP (``img-src 'self'``, no inline image data); so is the QR code
of any live credential's link, for the secretariat page
(``/secretariat/credentials/{id}.svg``).
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.access.credentials import CredentialRegistry
from app.access.guard import PageRefused
from app.access.links import main_link
from app.access.policy import PUBLIC, SECRETARIAT_ONLY, SECRETARIAT_PAGE
from app.access.roles import Principal, Role
from app.api.deps import PrincipalDep
from app.api.secretariat import ensure_in_scope
from app.db.engine import in_session, in_worker
from app.errors import NotFound
from app.meeting import queries
from app.services import services_of

router = APIRouter(include_in_schema=False)

#: Badges per A4 sheet: two columns of four, 90 x 62 mm each.
PER_PAGE = 8

CSS = """\
@page { size: A4; margin: 10mm; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, sans-serif; color: #111; }
.page { display: grid; grid-template-columns: repeat(2, 90mm); grid-template-rows: repeat(4, 62mm);
  gap: 4mm; justify-content: center; margin: 0 0 8mm; break-after: page; page-break-after: always; }
.page:last-child { break-after: auto; page-break-after: auto; }
.badge { border: 0.3mm solid #444; border-radius: 3mm; padding: 4mm; display: grid;
  grid-template-columns: 1fr 34mm; gap: 3mm; overflow: hidden;
  break-inside: avoid; page-break-inside: avoid; }
.badge h2 { font-size: 14pt; margin: 0 0 2mm; line-height: 1.15; overflow-wrap: anywhere; }
.badge .code { font-size: 20pt; font-weight: 700; letter-spacing: 0.05em; margin: 0; }
.badge .meeting, .badge .category { font-size: 8pt; margin: 0 0 1mm; color: #333; }
.badge img { width: 34mm; height: 34mm; align-self: center; }
.hint { font-size: 10pt; text-align: center; margin: 4mm; }
@media print { .hint { display: none; } .page { margin: 0; } }
"""


@dataclass(frozen=True, slots=True)
class _Badge:
    code: str
    name: str
    category: str
    link: str


def _registry(request: Request) -> CredentialRegistry:
    return services_of(request).credentials


def delegate_link(
    request: Request, registry: CredentialRegistry, meeting_id: int, code: str
) -> str:
    """The delegation's link: its recorded delegate token of this meeting, the same at every
    printing (until it is revoked, rotated, or past half its life: ``ensure``)."""
    wanted = Principal(Role.DELEGATE, delegation=code, meeting_id=meeting_id)
    issued = registry.ensure(wanted, f"badge: {code}")
    return f"{str(request.base_url).rstrip('/')}/delegate?token={issued.token}"


@router.get("/secretariat/meetings/{meeting_id}/badges", dependencies=[SECRETARIAT_PAGE])
async def badge_sheet(request: Request, meeting_id: int) -> HTMLResponse:
    """Every delegation's badge, for printing on A4 (secretariat only)."""
    engine = services_of(request).engine
    try:
        meeting, delegations = await in_session(engine, queries.meeting_delegations, meeting_id)
    except NotFound as missing:
        raise PageRefused(missing) from None
    registry = _registry(request)
    badges = [
        _Badge(
            d.code,
            d.names.get("en", d.code),
            d.category.replace("_", " "),
            await in_worker(delegate_link, request, registry, meeting_id, d.code),
        )
        for d in delegations
    ]
    token = html.escape(request.query_params.get("token", ""), quote=True)
    title = html.escape(meeting.title)
    cards = [
        f'<article class="badge"><div><p class="meeting">{title}</p>'
        f"<h2>{html.escape(b.name)}</h2>"
        f'<p class="code">{html.escape(b.code)}</p>'
        f'<p class="category">{html.escape(b.category)}</p></div>'
        f'<img alt="QR code of the delegate link of {html.escape(b.code, quote=True)}" '
        f'src="/secretariat/meetings/{meeting_id}/badges/{html.escape(b.code, quote=True)}.svg'
        f'?token={token}"></article>'
        for b in badges
    ]
    pages = "".join(
        f'<section class="page">{"".join(cards[i : i + PER_PAGE])}</section>'
        for i in range(0, len(cards), PER_PAGE)
    )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Badges: {title}</title>"
        '<link rel="stylesheet" href="/secretariat/badges.css"></head><body>'
        f'<p class="hint">{len(badges)} badges. Print on A4, eight to a page. Each QR code '
        "opens the delegation's phone page; revoke or rotate a lost badge's link.</p>"
        f"<main>{pages}</main></body></html>"
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


@router.get("/secretariat/meetings/{meeting_id}/badges/{code}.svg", dependencies=[SECRETARIAT_ONLY])
async def badge_qr(request: Request, meeting_id: int, code: str) -> Response:
    """The QR code of one delegation's delegate link, as SVG (secretariat only)."""
    engine = services_of(request).engine
    _, delegations = await in_session(engine, queries.meeting_delegations, meeting_id)
    if code not in {d.code for d in delegations}:
        raise NotFound("delegation.not_in_meeting", delegation=code, meeting=meeting_id)
    link = await in_worker(delegate_link, request, _registry(request), meeting_id, code)
    return _qr_svg(link)


def _qr_svg(link: str) -> Response:
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="svg", scale=4, border=4, xmldecl=False)
    return Response(
        buffer.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-store"}
    )


@router.get("/secretariat/credentials/{token_id}.svg", dependencies=[SECRETARIAT_ONLY])
async def credential_qr(request: Request, token_id: str, caller: PrincipalDep) -> Response:
    """The QR code of a live credential's link, as SVG (its meeting's secretariat only)."""
    registry = _registry(request)
    await ensure_in_scope(request, registry, caller, token_id)
    issued = await in_worker(registry.get, token_id)
    link = main_link(str(request.base_url), issued.principal, issued.token)
    if issued.revoked_at is not None or not link:
        raise NotFound("credential.no_live_link", token=token_id)
    return _qr_svg(link)


@router.get("/secretariat/badges.css", dependencies=[PUBLIC])
async def badge_css() -> Response:
    """The badge sheet's style (A4 print); a file, for the strict CSP."""
    return Response(CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})
