"""The badge sheet: one badge per delegation, and QR codes a phone can scan."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import zxingcpp
from PIL import Image, ImageDraw

from app.access.roles import Principal, Role
from tests.api_client import Api


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.badges = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "img" and found.get("src"):
            self.sources.append(str(found["src"]))
        if tag == "article" and found.get("class") == "badge":
            self.badges += 1


def rasterise(svg: str, pixels_per_module: int = 4) -> Image.Image:
    """Draw the SVG as segno writes it: one path of runs ("M x y", "h n", "m dx dy")."""
    size = re.search(r'width="(\d+)" height="(\d+)"', svg)
    scale = re.search(r'transform="scale\((\d+(?:\.\d+)?)\)"', svg)
    path = re.search(r' d="([^"]+)"', svg)
    assert size, svg[:200]
    assert path, svg[:200]
    factor = float(scale.group(1)) if scale else 1.0
    width, height = int(size.group(1)), int(size.group(2))
    modules = (round(width / factor), round(height / factor))
    image = Image.new("L", (modules[0] * pixels_per_module, modules[1] * pixels_per_module), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?:\s+(-?[\d.]+))?", path.group(1)):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            run = float(a)
            row = int(y - 0.5) * pixels_per_module
            left = int(x) * pixels_per_module
            right = int(x + run) * pixels_per_module - 1
            draw.rectangle((left, row, right, row + pixels_per_module - 1), fill=0)
            x += run
    return image


def scan(svg: str) -> list[str]:
    """What a phone's camera reads: QR codes only.

    A decoder looking for every format finds, once in about 1,500 links, an
    ITF bar code in a QR code's modules (seen: "4217"); a phone scanning a
    badge looks for QR codes.
    """
    return [
        code.text
        for code in zxingcpp.read_barcodes(
            rasterise(svg), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        )
    ]


def test_the_badge_sheet_has_a_badge_per_delegation_with_a_qr_that_decodes_to_its_link(
    site: Api,
) -> None:
    token = site.issue(Principal(Role.SECRETARIAT), "badges").token
    meeting = site.seeded.meeting_id
    sheet = site.client.get(f"/secretariat/meetings/{meeting}/badges?token={token}")
    assert sheet.status_code == 200
    assert "Mexico" in sheet.text
    found = _Images()
    found.feed(sheet.text)
    assert found.badges == 6 == len(found.sources)
    assert "img-src 'self'" in sheet.headers["content-security-policy"]
    css = site.client.get("/secretariat/badges.css")
    assert "size: A4" in css.text
    assert "break-inside: avoid" in css.text
    mexico = next(src for src in found.sources if "/MEX.svg" in src)
    qr = site.client.get(mexico)
    assert qr.status_code == 200
    assert qr.headers["content-type"].startswith("image/svg+xml")
    decoded = scan(qr.text)
    assert len(decoded) == 1
    link = decoded[0]
    assert link.startswith("http://testserver/delegate?token=")
    page = site.client.get(link.removeprefix("http://testserver"))
    assert page.status_code == 200
    delegate_token = link.split("token=", 1)[1]
    principal = site.app.state.services.signer.read(delegate_token)
    assert (principal.role, principal.delegation) == (Role.DELEGATE, "MEX")
    again = site.client.get(mexico)
    assert again.text == qr.text  # the same recorded credential at every printing


def test_a_rotated_badge_link_gets_a_new_qr_and_the_old_link_stops(site: Api) -> None:
    token = site.issue(Principal(Role.SECRETARIAT), "badges").token
    meeting = site.seeded.meeting_id
    path = f"/secretariat/meetings/{meeting}/badges/GHA.svg?token={token}"
    before = scan(site.client.get(path).text)[0]
    old = site.app.state.services.signer.read(before.split("token=", 1)[1])
    assert old.token_id is not None
    site.registry.rotate(old.token_id)
    after = scan(site.client.get(path).text)[0]
    assert after != before
    assert site.client.get(before.removeprefix("http://testserver")).status_code == 403
    assert site.client.get(after.removeprefix("http://testserver")).status_code == 200


def test_the_badge_sheet_is_the_secretariats_alone(site: Api) -> None:
    meeting = site.seeded.meeting_id
    moderator = site.issue(Principal(Role.MODERATOR, room_id=site.seeded.rooms[0])).token
    assert site.client.get(f"/secretariat/meetings/{meeting}/badges").status_code == 403
    refused = site.client.get(f"/secretariat/meetings/{meeting}/badges?token={moderator}")
    assert refused.status_code == 403
    qr = site.client.get(f"/secretariat/meetings/{meeting}/badges/MEX.svg?token={moderator}")
    assert qr.status_code == 403
