"""Fixtures of the browser tests: a real server per test, one chromium per session.

``site`` serves the app in a process of its own, on the machine's clock;
``clocked`` serves it in a thread of this process on a clock the test moves
(``MovableClock``), for what only a passing of time shows (staleness, M7);
``debate`` is ``clocked`` with a general debate that gives a right of reply (O2);
``kinds`` one whose list takes inscriptions now, alternates pro and contra and takes
interposed questions (O4-O8).

Debian's chromium drives the pages through Playwright for Python (never
``playwright install``); without chromium or Playwright the tests skip with the
reason, and fail where FLOORKEEPER_REQUIRE_SERVICES is set (CI).
"""

from __future__ import annotations

import importlib.util
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.builders import Seeded
from tests.conftest import missing_service
from tests.web.server import (
    CHROMIUM_ARGS,
    SECRET,
    MovableClock,
    Site,
    free_port,
    running_site,
    seed,
    seed_debate,
)

if importlib.util.find_spec("playwright") is None:  # pragma: no cover
    # The screens' tests import Playwright; test_tools.py says why they did not run.
    collect_ignore_glob = ["test_screens*.py"]
else:
    from playwright.sync_api import Browser, sync_playwright


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if importlib.util.find_spec("axe_playwright_python") is None:
        missing_service("axe-playwright-python is not installed (pip install -e '.[test]')")
    executable = shutil.which("chromium")
    if executable is None:
        missing_service("chromium is not installed (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def _pages_closed(request: pytest.FixtureRequest) -> Iterator[None]:
    """Close every page a test opened in the shared browser, passed or failed.

    A page left open keeps its live socket reconnecting to a server that is
    gone and its countdown drawing: dozens of them load the machine until
    later servers miss their start-up guard.
    """
    yield
    if "browser" in request.fixturenames:
        for context in request.getfixturevalue("browser").contexts:
            context.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with running_site(tmp_path) as running:
        yield running


@pytest.fixture
def clocked(tmp_path: Path) -> Iterator[tuple[Site, MovableClock]]:
    """The app served by uvicorn in a thread of this process, on a clock the test moves."""
    url = f"sqlite:///{tmp_path / 'floorkeeper.db'}"
    with _served_on_a_movable_clock(url, seed(url, time.time())) as served:
        yield served


@pytest.fixture
def debate(tmp_path: Path) -> Iterator[tuple[Site, MovableClock, int]]:
    """As ``clocked``, with a general debate in the plenary whose rules give a right of
    reply (GA: 600 and 300 s, O2); the third item is its segment id. The other tests'
    meeting is unchanged: its segments give none."""
    url = f"sqlite:///{tmp_path / 'floorkeeper.db'}"
    seeded = seed(url, time.time())
    debate_id = seed_debate(url, seeded)
    with _served_on_a_movable_clock(url, seeded) as (site, clock):
        yield site, clock, debate_id


@pytest.fixture
def contingents(tmp_path: Path) -> Iterator[tuple[Site, MovableClock, int]]:
    """As ``debate``, with two groups' time contingents instead of rights of reply (O9):
    Ghana's group has 4 minutes in the segment, the Holy See's 10 in the meeting."""
    from app.timing import Contingent, ContingentPer, FloorRules

    rules = FloorRules(
        contingents=(
            Contingent("Greens", 240.0, members=frozenset({"GHA"})),
            Contingent("Liberals", 600.0, ContingentPer.MEETING, frozenset({"VAT"})),
        )
    )
    url = f"sqlite:///{tmp_path / 'floorkeeper.db'}"
    seeded = seed(url, time.time())
    debate_id = seed_debate(url, seeded, rules)
    with _served_on_a_movable_clock(url, seeded) as (site, clock):
        yield site, clock, debate_id


@pytest.fixture
def kinds(tmp_path: Path) -> Iterator[tuple[Site, MovableClock, int]]:
    """As ``debate``, under rules that alternate pro and contra, take interposed
    questions of at most 30 s and give a group statement 5 minutes (O7, O8), its list
    open for inscription from an hour ago to an hour from now (O4)."""
    from app.db.engine import make_engine
    from app.timing import FloorRules
    from tests.builders import open_list_of

    rules = FloorRules(
        alternate_stances=True,
        interposed_questions=True,
        interposed_question_seconds=30.0,
        capacity_seconds=300.0,
    )
    url = f"sqlite:///{tmp_path / 'floorkeeper.db'}"
    now = time.time()
    seeded = seed(url, now)
    debate_id = seed_debate(url, seeded, rules)
    engine = make_engine(url)
    try:
        open_list_of(engine, debate_id, now - 3600, now + 3600)
    finally:
        engine.dispose()
    with _served_on_a_movable_clock(url, seeded) as (site, clock):
        yield site, clock, debate_id


@contextmanager
def _served_on_a_movable_clock(url: str, seeded: Seeded) -> Iterator[tuple[Site, MovableClock]]:
    import uvicorn

    from app.config import load_settings
    from app.live.serving import uvicorn_options
    from app.main import create_app

    clock = MovableClock()
    settings = load_settings(
        {"DATABASE_URL": url, "FLOORKEEPER_SECRET_KEY": SECRET, "FLOORKEEPER_ENVIRONMENT": "test"}
    )
    app = create_app(settings, now=clock)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, **uvicorn_options(host="127.0.0.1", port=port, log_level="warning"))
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30  # a guard: fail fast if it never starts
    while not server.started:
        assert thread.is_alive(), "the server's thread ended before it started"
        assert time.monotonic() < deadline, "the server did not start within 30 s"
        time.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{port}", seeded, url), clock
    finally:
        server.should_exit = True
        thread.join(timeout=30)
