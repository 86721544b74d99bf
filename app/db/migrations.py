"""Bring a database to the current schema and, if it is empty, load the demo."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alembic import command
from app.db.models import Meeting

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def migrate(database_url: str) -> None:
    """``alembic upgrade head`` on ``database_url``."""
    command.upgrade(alembic_config(database_url), "head")


def is_empty(engine: Engine) -> bool:
    with Session(engine) as session:
        return session.exec(select(Meeting.id)).first() is None
