"""Server messages in the page's language (issue 15): every refusal has a code and params.

The registry (``app.errors.MESSAGES``) lists every code the service can send;
each of the six catalogues says each code as ``error.<code>`` with the code's
placeholders; every refusal raised in ``app/`` names a registered code with
the params its template needs; and the HTTP answers carry the code and params
beside the English ``detail``.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

import app
from app.access import policy
from app.access.guard import _Check
from app.db.engine import _ANSWERS
from app.errors import HELPER_SUFFIXES, MESSAGES, DomainError, placeholders, render
from app.timing.allotment import _NOT_NOW
from tests.api_client import Api, bearer, serving
from tests.builders import seed_meeting

APP = Path(app.__file__).parent
I18N = APP / "web" / "static" / "i18n"
LANGUAGES = ("ar", "en", "es", "fr", "ru", "zh")


def _catalogue(language: str) -> dict[str, Any]:
    catalogue: dict[str, Any] = json.loads((I18N / f"{language}.json").read_text("utf-8"))
    return catalogue


def _names(entry: str | dict[str, str]) -> set[str]:
    forms = [entry] if isinstance(entry, str) else list(entry.values())
    return {part.split("}")[0] for form in forms for part in form.split("{")[1:]}


# -- the registry and the catalogues -------------------------------------------------------


def test_every_code_is_dotted_snake_case_and_every_template_renders() -> None:
    for code in MESSAGES:
        assert re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+", code), code
        params = dict.fromkeys(placeholders(code), 2)
        assert "{" not in render(code, params), code


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_registered_code_has_an_entry_in_the_catalogue(language: str) -> None:
    catalogue = _catalogue(language)
    missing = sorted(code for code in MESSAGES if f"error.{code}" not in catalogue)
    assert missing == [], f"{language}.json lacks error.<code> for {missing}"
    stale = sorted(k for k in catalogue if k.startswith("error.") and k[6:] not in MESSAGES)
    assert stale == [], f"{language}.json says codes the service never sends: {stale}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalogue_entry_has_the_codes_placeholders(language: str) -> None:
    catalogue = _catalogue(language)
    for code in MESSAGES:
        entry = catalogue[f"error.{code}"]
        wanted = set(placeholders(code))
        names = _names(entry)
        if isinstance(MESSAGES[code], dict):  # a form for one number may spell it out
            assert isinstance(entry, dict), f"{language}: error.{code} needs plural forms"
            names, wanted = names | {"count"}, wanted | {"count"}
        assert names == wanted, f"{language}: error.{code} has {sorted(names)}, not {wanted}"


def test_a_template_with_a_count_has_plural_forms() -> None:
    for code, template in MESSAGES.items():
        if "count" in placeholders(code):
            assert isinstance(template, dict), f"{code} says a number: give it plural forms"
            assert set(template) == {"one", "other"}, code


def test_the_english_catalogue_says_what_the_server_says() -> None:
    """en.json is the registry's English, but where the server's text is a bare list."""
    english = _catalogue("en")
    bare = {code for code, template in MESSAGES.items() if template in ("{problems}",)}
    bare |= {"http.not_found", "http.method_not_allowed", "http.refused"}
    for code, template in MESSAGES.items():
        if code not in bare:
            assert english[f"error.{code}"] == template, code


# -- every raise site names a registered code ------------------------------------------------


def _refusal_classes() -> dict[str, type[DomainError]]:
    found: dict[str, type[DomainError]] = {}
    todo: list[type[DomainError]] = [DomainError]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    return found


#: Refusals whose constructor builds its code (their own signature), or takes a list of
#: problems as text (``programme.invalid``, ``setting.invalid``).
BY_CONSTRUCTION = {
    "TooLarge",
    "CommandIdReused",
    "ReportClosed",
    "PageRefused",
    "InvalidProgramme",
    "InvalidSetting",
    "InvalidRequest",
    "_Problems",
}
#: Keywords that are not params: what a class takes besides its code.
NOT_PARAMS = {"retry_after"}
#: Sites that pass a code held in a variable: (file, the code's expression); the tests
#: below check what the variables can hold.
DYNAMIC = {
    ("queue/floor.py", "code"),
    ("timing/allotment.py", "_NOT_NOW[status]"),
    ("access/guard.py", "rule.need"),
    ("access/guard.py", "code"),
    ("access/guard.py", "cause.code"),
    ("db/engine.py", "code"),
    ("meeting/queries.py", "missing"),  # _found(row, code, **params): its callers are scanned
}
#: Helpers that raise a refusal with the code they are given, and where the code is.
MAKERS = {"_found": 1}


def _constructions() -> Iterator[tuple[str, int, str, ast.Call]]:
    classes = _refusal_classes()
    for path in sorted(APP.rglob("*.py")):
        if path.name == "errors.py" and path.parent == APP:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in classes or name in MAKERS:
                yield str(path.relative_to(APP)), node.lineno, name, node


def test_every_refusal_raised_in_app_names_a_registered_code_with_its_params() -> None:
    problems = []
    sites = 0
    for where, line, name, call in _constructions():
        sites += 1
        if name in BY_CONSTRUCTION:
            continue
        at = MAKERS.get(name, 0)
        if len(call.args) <= at:
            problems.append(f"{where}:{line} {name}() names no code")
            continue
        first = call.args[at]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            if (where, ast.unparse(first)) not in DYNAMIC:
                problems.append(f"{where}:{line} {name}({ast.unparse(first)}) is not a code")
            continue
        code = first.value
        if code not in MESSAGES:
            problems.append(f"{where}:{line} {name}({code!r}) is not a registered code")
            continue
        if any(k.arg is None for k in call.keywords):  # **params: checked at run time
            continue
        given = {k.arg for k in call.keywords if k.arg is not None} - NOT_PARAMS
        wanted = set(placeholders(code))
        helpers = {g for g in given - wanted if g.endswith(HELPER_SUFFIXES)}
        orphans = {h for h in helpers if h.rsplit("_", 1)[0] not in wanted}
        if given - helpers != wanted or orphans:
            problems.append(f"{where}:{line} {code}: params {sorted(given)}, wants {wanted}")
    assert sites > 100, f"only {sites} refusals found: is the scan looking at app/?"
    assert problems == []


def test_the_codes_held_in_variables_are_registered() -> None:
    rules = [
        value.dependency.rule
        for value in vars(policy).values()
        if isinstance(getattr(value, "dependency", None), _Check)
    ]
    assert len(rules) > 10
    codes = {r.need for r in rules if r.need} | {r.refuse for r in rules if r.refuse}
    codes |= set(_NOT_NOW.values()) | {code for code, _ in _ANSWERS.values()}
    assert sorted(c for c in codes if c not in MESSAGES) == []
    for rule in rules:  # a rule's refusal names only what the guard knows of the caller
        if rule.refuse:
            assert placeholders(rule.refuse) <= {"who", "room_id", "delegation", "holders"}


def test_a_refusal_given_a_text_instead_of_a_code_is_still_said_in_english() -> None:
    refused = DomainError("the two passwords differ")
    assert (refused.code, refused.params, refused.detail) == (
        "refused",
        {},
        "the two passwords differ",
    )
    assert "refused" not in MESSAGES  # the page shows the English detail


# -- the HTTP answers ------------------------------------------------------------------------


@pytest.fixture
def api(sqlite_url: str, engine: Engine) -> Iterator[Api]:
    with serving(sqlite_url, seed_meeting(engine)) as served:
        yield served


def _body(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "detail", "code", "params"}
    assert body["detail"] == render(body["code"], body["params"]) or body["code"].startswith(
        "http."
    )
    return body


def test_an_illegal_command_carries_its_code_and_the_phase_it_names(api: Api) -> None:
    api.do("programme", {"type": "open_segment", "segment_id": api.seeded.action_group})
    for n in range(10):  # the welcome's programme speakers, one after the other
        refused = api.post("floor", {"type": "grant", "command_id": f"grant-{n:04d}"})
        if refused.status_code != 200:
            break
        api.do("speech", {"type": "end"})
    body = _body(refused, 409)
    assert body["error"] == "IllegalCommand"
    assert body["code"] == "floor.programme_speakers_done"
    assert body["params"]["phase_key"] == "welcome"
    assert body["detail"].startswith(f"every programme speaker of '{body['params']['phase']}'")


def test_a_floor_rule_refusal_carries_its_code(api: Api) -> None:
    api.do("programme", {"type": "open_segment", "segment_id": api.seeded.action_group})
    body = _body(api.post("floor", {"type": "undo", "command_id": "undo-nothing"}), 409)
    assert (body["error"], body["code"], body["params"]) == (
        "FloorRuleRefused",
        "undo.nothing",
        {},
    )


def test_not_found_names_the_room_in_its_params(api: Api) -> None:
    body = _body(api.client.get("/api/rooms/999", headers=api.tokens["moderator"]), 404)
    assert (body["code"], body["params"]) == ("room.not_found", {"room": "999"})


def test_a_body_that_does_not_validate_is_a_422_with_its_problems(api: Api) -> None:
    api.do("programme", {"type": "open_segment", "segment_id": api.seeded.action_group})
    refused = api.post("speech", {"type": "extend", "command_id": "x-1", "seconds": "soon"})
    body = _body(refused, 422)
    assert (body["error"], body["code"]) == ("InvalidRequest", "request.invalid")
    assert "seconds" in body["params"]["problems"]


def test_an_unrecorded_token_is_a_401_with_its_code(api: Api) -> None:
    body = _body(api.client.get(f"/api/rooms/{api.room}", headers=bearer("forged")), 403)
    assert body["code"] == "token.invalid"
    login = api.client.post("/api/login", json={"name": "nobody", "password": "x" * 12})
    assert _body(login, 401)["code"] == "account.wrong"


def test_too_many_failed_logins_is_a_429_with_the_limit_and_the_wait(api: Api) -> None:
    for n in range(5):
        api.client.post("/api/login", json={"name": "amina", "password": f"guess {n:08d}"})
    refused = api.client.post("/api/login", json={"name": "amina", "password": "guess again"})
    body = _body(refused, 429)
    assert body["code"] == "limit.logins_account"
    assert body["params"]["name"] == "amina"
    assert body["params"]["seconds"] == int(refused.headers["retry-after"])


def test_an_unknown_path_has_an_http_code(api: Api) -> None:
    body = _body(api.client.get("/api/no-such-thing"), 404)
    assert (body["code"], body["params"]) == ("http.not_found", {})
