"""The origins whose pages may open the live channel: a setting, or the service's own."""

from __future__ import annotations

import pytest

from app.access.origins import allowed_origins, origin_allowed
from app.config import Environment, Settings, load_settings, normalized_origin
from app.errors import InvalidSetting


def test_by_default_the_service_allows_the_origin_it_was_reached_at_and_its_host() -> None:
    settings = Settings(environment=Environment.PRODUCTION, host="floor.local", port=8000)
    assert allowed_origins(settings, "ws", ("192.168.1.5", 8000)) == {
        "http://192.168.1.5:8000",
        "http://floor.local:8000",
    }
    assert allowed_origins(settings, "wss", ("192.168.1.5", 443)) == {
        "https://192.168.1.5",
        "https://floor.local:8000",
    }


def test_in_development_the_loopback_names_are_its_own_too() -> None:
    settings = Settings(environment=Environment.DEVELOPMENT, host="0.0.0.0", port=8000)
    assert allowed_origins(settings, "ws", ("127.0.0.1", 8000)) == {
        "http://127.0.0.1:8000",
        "http://localhost:8000",
        "http://[::1]:8000",
    }
    production = settings.model_copy(update={"environment": Environment.PRODUCTION})
    assert allowed_origins(production, "ws", ("127.0.0.1", 8000)) == {"http://127.0.0.1:8000"}


def test_a_rebinding_origin_is_refused_whatever_the_host_header_says() -> None:
    settings = Settings(environment=Environment.TEST)
    server = ("127.0.0.1", 8000)
    assert origin_allowed("http://127.0.0.1:8000", settings, "ws", server)
    assert not origin_allowed("http://evil.example:8000", settings, "ws", server)
    assert not origin_allowed("null", settings, "ws", server)
    assert not origin_allowed("http://127.0.0.1:8001", settings, "ws", server)


def test_the_setting_replaces_the_default_and_is_read_as_a_browser_writes_it() -> None:
    settings = load_settings(
        {"FLOORKEEPER_ALLOWED_ORIGINS": "HTTPS://Floor.Example.org:443/, http://[::1]:8000"}
    )
    assert settings.allowed_origins == ("https://floor.example.org", "http://[::1]:8000")
    assert allowed_origins(settings, "ws", ("127.0.0.1", 8000)) == set(settings.allowed_origins)
    assert origin_allowed("https://floor.example.org", settings, "wss", None)


@pytest.mark.parametrize(
    "value", ["floor.example.org", "ftp://floor.example.org", "https://floor.example.org/app",
              "https://user@floor.example.org", "https://floor.example.org:99999"],
)  # fmt: skip
def test_a_setting_that_is_not_an_origin_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(InvalidSetting, match="^FLOORKEEPER_ALLOWED_ORIGINS=.*is not an origin"):
        load_settings({"FLOORKEEPER_ALLOWED_ORIGINS": value})
    with pytest.raises(ValueError, match="scheme://host"):
        normalized_origin(value)
