"""The real app on a free port, for the browser tests and ``make screenshots``.

``python -m tests.web.server PORT`` serves the app the way ``floorkeeper serve``
does (uvicorn, the framed WebSocket protocol), with the settings from the
environment. ``seed`` fills an empty database with the test meeting, every
State's UN names in the six languages (from ``app/data/countries.csv``) and a
second room whose display speaks Arabic.
"""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlmodel import Session, select

from app.access.credentials import recorded_token
from app.access.roles import Principal, Role
from app.db.engine import make_engine
from app.db.migrations import migrate
from app.db.models import Delegation, Room, Segment
from app.live.serving import uvicorn_options
from app.timing import FloorRules
from tests.builders import Seeded, add_debate, seed_meeting

ROOT = Path(__file__).resolve().parents[2]
COUNTRIES = ROOT / "app" / "data" / "countries.csv"
SECRET = "browser-tests-secret-0123456789abcdef"
LANGUAGES = ("en", "fr", "es", "ru", "zh", "ar")
#: The action group's four guiding questions, shown on the wall during its opening (A1).
QUESTIONS = [
    "What are the main challenges for the human dimension of migration?",
    "Which good practices protect the human rights of all migrants?",
    "Which recommendations should the global compact take up?",
    "Which means of implementation and partnerships would carry them?",
]


#: The action group's people, whom the format names "Moderator" and "Rapporteur".
MODERATORS = ("Ms. Marit Maij", "H.E. Mr. Omar Hilale")
RAPPORTEUR = "H.E. Mr. Arturo Cabrera"
#: The action group's title in the displays' languages (the programme's is English).
TITLES = {
    "ar": "فريق العمل 1: البعد الإنساني",
    "zh": "行动小组1：人的层面",
    "fr": "Groupe d’action 1 : dimension humaine",
    "es": "Grupo de acción 1: dimensión humana",
    "ru": "Группа действий 1: человеческое измерение",
}
PANEL_TITLES = {
    "ar": "حلقة النقاش الأولى",
    "zh": "第一小组讨论",
    "fr": "Table ronde I",
    "es": "Mesa redonda I",
    "ru": "Дискуссионная группа I",
}


def make_app() -> FastAPI:
    """``create_app`` as ``serve`` builds it (its own security headers included)."""
    from app.main import create_app

    return create_app()


def serve(port: int) -> None:
    import uvicorn

    uvicorn.run(make_app(), **uvicorn_options(host="127.0.0.1", port=port, log_level="warning"))


@dataclass(frozen=True)
class Site:
    """A running server and the links a rehearsal would hand out."""

    base: str
    seeded: Seeded
    database_url: str  # where the links are recorded, as the secretariat records them

    def token(self, role: Role, room: int | None = None, delegation: str | None = None) -> str:
        """A recorded credential's token (the server reads its row on first use)."""
        principal = Principal(role, room_id=room, delegation=delegation)
        return recorded_token(self.database_url, SECRET, principal, f"tests: {role.value}")

    def moderator(self, room: int) -> str:
        return self.token(Role.MODERATOR, room=room)

    def display(self, room: int) -> str:
        return self.token(Role.DISPLAY, room=room)

    def delegate(self, code: str) -> str:
        return self.token(Role.DELEGATE, delegation=code)


def seed(database_url: str, start: float) -> Seeded:
    """The test meeting with UNTERM names in six languages, guiding questions, an Arabic room."""
    migrate(database_url)
    engine = make_engine(database_url)
    seeded = seed_meeting(engine, start=start)
    with open(COUNTRIES, encoding="utf-8") as file:
        names = {
            row["iso3"]: {lang: row[f"name_{lang}"] for lang in LANGUAGES}
            for row in csv.DictReader(file)
        }
    with Session(engine) as session:
        for delegation in session.exec(select(Delegation)).all():
            if delegation.code in names:
                delegation.names = names[delegation.code]
                session.add(delegation)
        action_group = session.get(Segment, seeded.action_group)
        assert action_group is not None
        action_group.plan = {**action_group.plan, "questions": QUESTIONS}
        action_group.moderators = list(MODERATORS)
        action_group.rapporteur = RAPPORTEUR
        action_group.titles = dict(TITLES)
        panel = session.get(Segment, seeded.panel)
        assert panel is not None
        panel.titles = dict(PANEL_TITLES)
        session.add(panel)
        session.add(action_group)
        second = session.get(Room, seeded.rooms[1])
        assert second is not None
        second.language = "ar"
        session.add(second)
        session.commit()
    engine.dispose()
    return seeded


#: GA's limits of a right of reply (decision 34/401): 10 minutes, then 5 (O2).
GA_REPLY_LIMITS = (600.0, 300.0)


def seed_debate(database_url: str, seeded: Seeded, rules: FloorRules | None = None) -> int:
    """A general debate of Member and observer States in the plenary whose rules give a
    right of reply (GA's limits), or ``rules``; its segment id. The seeded segments give
    none."""
    engine = make_engine(database_url)
    try:
        rules = rules or FloorRules(reply_limits=GA_REPLY_LIMITS)
        return add_debate(engine, seeded, rules, start=time.time())
    finally:
        engine.dispose()


#: Debian's chromium under Playwright, as NOTES.md says (never `playwright install`).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class MovableClock:
    """The server's clock: this machine's time plus the jumps a test asks for."""

    def __init__(self) -> None:
        self.skipped = 0.0

    def __call__(self) -> float:
        return time.time() + self.skipped

    def advance(self, seconds: float) -> None:
        self.skipped += seconds


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_site(directory: Path, start: float | None = None) -> Iterator[Site]:
    """Seed a fresh SQLite database in ``directory`` and serve it until the block ends."""
    url = f"sqlite:///{directory / 'floorkeeper.db'}"
    seeded = seed(url, time.time() if start is None else start)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "FLOORKEEPER_SECRET_KEY": SECRET,
        "FLOORKEEPER_ENVIRONMENT": "test",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.web.server", str(port)], cwd=ROOT, env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield Site(base, seeded, url)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    """A guard, not a measurement: fail fast if the server never answers."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server at {base} did not answer within 30 s")


if __name__ == "__main__":
    serve(int(sys.argv[1]))
