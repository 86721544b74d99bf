"""Fixtures of the browser tests: a real server per test, one chromium per session.

Debian's chromium drives the pages through Playwright for Python (never
``playwright install``); without chromium or Playwright the tests skip with the
reason, and fail where FLOORKEEPER_REQUIRE_SERVICES is set (CI).
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import missing_service
from tests.web.server import CHROMIUM_ARGS, Site, running_site

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


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with running_site(tmp_path) as running:
        yield running
