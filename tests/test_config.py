"""Settings come from an injected environment; unsafe ones are refused (S13)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.config import Environment, Settings, load_settings, variable_of
from app.errors import InvalidSetting


def test_bare_platform_names_and_prefixed_settings_are_read() -> None:
    settings = load_settings(
        {
            "DATABASE_URL": "postgresql+psycopg://db/floor",
            "PORT": "9001",
            "FLOORKEEPER_MAX_BACKLOG_PER_SCREEN": "16",
            "UNRELATED": "x",
        }
    )
    assert settings.database_url == "postgresql+psycopg://db/floor"
    assert settings.port == 9001
    assert settings.max_backlog_per_screen == 16


def test_defaults_serve_sqlite_on_port_8000() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite:///./data/floorkeeper.db"
    assert settings.port == 8000
    assert settings.environment is Environment.DEVELOPMENT


def test_a_short_secret_is_refused_without_printing_it() -> None:
    with pytest.raises(InvalidSetting, match="^FLOORKEEPER_SECRET_KEY=…: .*at least 32") as error:
        load_settings({"FLOORKEEPER_SECRET_KEY": "hunter2"})
    assert "hunter2" not in str(error.value)


def test_no_secret_is_a_setting_of_its_own_the_database_keeps_one() -> None:
    """Unset, the service uses the secret stored in its database (app/access/secret.py)."""
    assert load_settings({"FLOORKEEPER_ENVIRONMENT": "production"}).secret_key is None


def test_a_bad_port_is_refused_by_the_name_of_its_variable() -> None:
    with pytest.raises(InvalidSetting, match="^PORT=eighty: Input should be a valid integer"):
        load_settings({"PORT": "eighty"})


def test_a_bad_setting_is_named_as_the_environment_spells_it() -> None:
    with pytest.raises(InvalidSetting, match="^FLOORKEEPER_GC_PAUSE_WARNING_SECONDS=-1: "):
        load_settings({"FLOORKEEPER_GC_PAUSE_WARNING_SECONDS": "-1"})


def test_the_gc_pause_warning_defaults_to_a_tenth_of_a_second() -> None:
    assert load_settings({}).gc_pause_warning_seconds == 0.1


def _readme_settings() -> set[str]:
    """The variables the first column of the README's settings table names."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row)}


def test_the_readme_settings_table_names_every_setting_read_and_no_other() -> None:
    """The README is the operator's reference: no setting missing, none that nothing reads."""
    assert _readme_settings() == {variable_of(field) for field in Settings.model_fields}


def test_issue18_the_collector_thresholds_are_three_whole_numbers_or_cpythons_own() -> None:
    assert load_settings({}).gc_thresholds == (5000, 10, 100)
    assert load_settings({}).gc_freeze is True
    assert load_settings({"FLOORKEEPER_GC_THRESHOLDS": "700, 10, 10"}).gc_thresholds == (
        700,
        10,
        10,
    )
    assert load_settings({"FLOORKEEPER_GC_THRESHOLDS": ""}).gc_thresholds is None
    assert load_settings({"FLOORKEEPER_GC_FREEZE": "false"}).gc_freeze is False
    with pytest.raises(InvalidSetting, match="^FLOORKEEPER_GC_THRESHOLDS=5000,10: .*three whole"):
        load_settings({"FLOORKEEPER_GC_THRESHOLDS": "5000,10"})
    with pytest.raises(InvalidSetting, match="^FLOORKEEPER_GC_THRESHOLDS=0,10,10: .*at least 1"):
        load_settings({"FLOORKEEPER_GC_THRESHOLDS": "0,10,10"})
