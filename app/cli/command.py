"""The ``floorkeeper`` command: serve, migrate, import, rehearse, simulate, links.

Every sub-command reads its settings from the environment (``DATABASE_URL``,
``PORT``, ``FLOORKEEPER_*``) through ``app.config`` and refuses bad input
with one readable line and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from app.access.credentials import Issued
from app.access.roles import Principal, Role
from app.access.secret import service_secret
from app.access.tokens import Signer
from app.config import Environment, Settings, load_settings
from app.db.engine import make_engine, session_scope
from app.db.migrations import is_empty, migrate
from app.db.models import Delegation, Meeting, Room, Segment
from app.errors import DomainError


def main(argv: Sequence[str] | None = None) -> int:
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()  # a wrong variable: one line naming it (InvalidSetting)
        result: int = args.run(args, settings)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler below
        return result
    except BrokenPipeError:  # `floorkeeper links | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the exit's own flush fails no more
        return 1
    except DomainError as error:
        print(f"floorkeeper: {error.detail}", file=sys.stderr)
        return 2
    except (SQLAlchemyError, CommandError) as error:  # a database it cannot open or migrate
        cause = error.orig if isinstance(error, DBAPIError) else error
        reason = " ".join(str(cause).split()) or type(cause).__name__
        try:
            where = _redacted(settings.database_url)
        except SQLAlchemyError:  # not even a URL: say so without echoing it (a password?)
            where = "named by DATABASE_URL (not a database URL)"
        print(f"floorkeeper: cannot open the database {where}: {reason}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="floorkeeper", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate, load the demo if empty, and serve")
    serve.add_argument("--no-demo", action="store_true", help="do not load the demo meeting")
    serve.add_argument(
        "--base-url", default=None, help="where the links printed point (default: HOST:PORT)"
    )
    serve.set_defaults(run=_serve)

    migrate_cmd = commands.add_parser("migrate", help="bring the database to the current schema")
    migrate_cmd.set_defaults(run=_migrate)

    load = commands.add_parser("import", help="load a meeting from a programme file")
    load.add_argument("file", type=Path)
    load.set_defaults(run=_import)

    rehearse = commands.add_parser("rehearse", help="copy a meeting so that day N starts now")
    rehearse.add_argument("--day", type=int, required=True)
    rehearse.add_argument("--meeting", help="the meeting key (default: the first meeting)")
    rehearse.set_defaults(run=_rehearse)

    simulate = commands.add_parser("simulate", help="run a segment of the demo in virtual time")
    simulate.add_argument("segment", help="segment key, e.g. ag1")
    simulate.add_argument("--member-states", type=int, default=45)
    simulate.add_argument("--stakeholders", type=int, default=7)
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument(
        "--json", action="store_true", help="one JSON document (docs/simulate.md)"
    )
    simulate.set_defaults(run=_simulate)

    admin = commands.add_parser("admin", help="secretariat accounts")
    admin_commands = admin.add_subparsers(required=True, metavar="ACTION")
    create = admin_commands.add_parser("create", help="create a secretariat account")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--meeting",
        metavar="KEY",
        help="bind the account to this meeting (default: every meeting, an administrator)",
    )
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    create.set_defaults(run=_admin_create)

    links = commands.add_parser(
        "links",
        help="print a meeting's secretariat, moderator, display, podium and delegate links",
    )
    links.add_argument(
        "--meeting", help="the meeting key (default: the meeting running now, see serve)"
    )
    links.add_argument(
        "--base-url", default=None, help="where the service is reached (default: HOST:PORT)"
    )
    links.set_defaults(run=_links)
    return parser


def _migrate(_args: argparse.Namespace, settings: Settings) -> int:
    migrate(settings.database_url)
    print(f"database at {_redacted(settings.database_url)} is up to date")
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from app.cli.logs import log_config, redact_every_record
    from app.live.serving import uvicorn_options
    from app.main import create_app
    from app.meeting.importer import import_programme_file

    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    if not args.no_demo and settings.demo_programme and is_empty(engine):
        meeting = import_programme_file(
            engine,
            Path(settings.demo_programme),
            settings.max_programme_bytes,
            settings.max_delegations_bytes,
        )
        print(f"loaded the demo meeting {meeting.key!r}")
    service_secret(engine, settings, time.time)  # production without a secret: refused here
    engine.dispose()
    if shows_links(settings):
        try:
            _print_links(settings, None, args.base_url or _base_url(settings), False)
        except DomainError as nothing:  # an empty database: serve anyway, the secretariat imports
            print(f"no rehearsal links: {nothing.detail}")
    else:  # links are credentials: never in the logs of a shared or production host
        print(
            "the rehearsal's links are not printed here (they are credentials): "
            "run `floorkeeper links [--meeting KEY] [--base-url URL]` to get them"
        )
    redact_every_record()  # every handler, uvicorn's and any added later (app/cli/logs.py)
    uvicorn.run(
        create_app(settings),
        **uvicorn_options(  # the live protocol's frame size, one frame per change, no deflate
            host=settings.host,
            port=settings.port,
            log_level="info",
            log_config=log_config(),  # token= values redacted from the access log
        ),
    )
    return 0


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from app.meeting.importer import import_programme_file

    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        meeting = import_programme_file(
            engine, args.file, settings.max_programme_bytes, settings.max_delegations_bytes
        )
    finally:
        engine.dispose()
    print(f"imported {meeting.key!r}: {meeting.title}")
    return 0


def _rehearse(args: argparse.Namespace, settings: Settings) -> int:
    from app.meeting import rehearse

    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        key = args.meeting or _first_meeting(session).key
        copy = rehearse(session, key, args.day, time.time())
    print(f"rehearsal {copy.key!r}: day {args.day} starts now; restart the service to run it")
    return 0


def _simulate(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.simulate import run_simulation

    output = run_simulation(
        settings, args.segment, args.member_states, args.stakeholders, args.seed, args.json
    )
    print(json.dumps(output, indent=2, ensure_ascii=False) if args.json else output)
    return 0


def _admin_create(args: argparse.Namespace, settings: Settings) -> int:
    """A secretariat account; the password from a prompt, or from standard input."""
    import getpass

    from app.access.accounts import check_new, create_account

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        check_new(args.name, password)
        if getpass.getpass("the same password again: ") != password:
            raise DomainError("account.passwords_differ")
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        meeting_id = None
        if args.meeting:
            with Session(engine) as session:
                meeting_id = _first_meeting(session, args.meeting).id
        account = create_account(engine, args.name, password, time.time(), meeting_id)
    finally:
        engine.dispose()
    scope = f"of meeting {args.meeting!r}" if args.meeting else "of every meeting"
    print(f"secretariat account {account.name!r} {scope} created; log in with POST /api/login")
    return 0


def _links(args: argparse.Namespace, settings: Settings) -> int:
    _print_links(settings, args.meeting, args.base_url or _base_url(settings))
    return 0


#: The hosts ``serve`` prints the rehearsal's links on (in development): this machine only.
LOOPBACK_NAMES = ("localhost",)


def shows_links(settings: Settings) -> bool:
    """Whether ``serve`` prints the links: in development, listening on a loopback address only."""
    if settings.environment is not Environment.DEVELOPMENT:
        return False
    if settings.host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(settings.host).is_loopback
    except ValueError:  # a host name: it may be reachable from anywhere
        return False


def _base_url(settings: Settings) -> str:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"http://{host}:{settings.port}"


def _print_links(
    settings: Settings, meeting_key: str | None, base: str, every_delegation: bool = True
) -> None:
    """A meeting's links, as full URLs: the secretariat page (which lists them all), per room
    its moderator, display and podium links, and each delegation's phone link (``serve``: the
    first one, and where the others are).

    Without ``meeting_key``, the meeting the service is running now (``running_meeting``).
    They are recorded (revocable) and reused from one run to the next while they keep half
    their life (``CredentialRegistry.ensure``): a delegation's link is its badge's; the
    meeting's expire after its last day, the administrator's after 12 hours
    (``app.access.credentials``).
    """
    from app.access.credentials import CredentialRegistry
    from app.access.links import page_links

    base = base.rstrip("/")
    engine = make_engine(settings.database_url)
    try:
        signer = Signer(service_secret(engine, settings, time.time))
        registry = CredentialRegistry(engine, signer, time.time)
        with Session(engine) as session:
            meeting = (
                _first_meeting(session, meeting_key)
                if meeting_key
                else running_meeting(session, time.time())
            )
            rooms = session.exec(
                select(Room).where(Room.meeting_id == meeting.id).order_by(col(Room.id))
            ).all()
            delegations = session.exec(
                select(Delegation)
                .where(Delegation.meeting_id == meeting.id)
                .order_by(col(Delegation.id))
            ).all()
        assert meeting.id is not None

        def links(principal: Principal, label: str) -> tuple[Issued, dict[str, str]]:
            issued = registry.ensure(principal, label)
            page = page_links(base, issued.principal, issued.token)
            if page.get("secretariat"):
                page["secretariat"] += f"&meeting={meeting.id}"
            return issued, page

        secretariat, page = links(Principal(Role.SECRETARIAT), "rehearsal: secretariat")
        print(f"{meeting.title} (meeting {meeting.key!r})")
        print(
            f"  secretariat (every meeting, {_until(secretariat)}; lists every link "
            f"and prints the badges): {page['secretariat']}"
        )
        for room in rooms:
            moderator, console = links(
                Principal(Role.MODERATOR, room_id=room.id, meeting_id=meeting.id),
                f"rehearsal: moderator of {room.key}",
            )
            _, wall = links(
                Principal(Role.DISPLAY, room_id=room.id, meeting_id=meeting.id),
                f"rehearsal: display of {room.key}",
            )
            print(f"  {room.name} (room {room.id}, {_until(moderator)})")
            print(f"    moderator: {console['moderator']}")
            print(f"    display:   {wall['display']}")
            print(f"    podium:    {wall['podium']}")
        shown = delegations if every_delegation else delegations[:1]
        for delegation in shown:
            _, phone = links(
                Principal(Role.DELEGATE, delegation=delegation.code, meeting_id=meeting.id),
                f"badge: {delegation.code}",  # the badge sheet's link: the same token
            )
            print(f"  delegate of {delegation.code}: {phone['delegate']}")
        if len(shown) < len(delegations):
            more = len(delegations) - len(shown)
            print(
                f"  the other {more} delegations' links: on the secretariat page above, "
                f"or `floorkeeper links --meeting {meeting.key}`"
            )
        print(f"  API: {base}/docs (Authorization: Bearer <the secretariat link's token>)")
    finally:
        engine.dispose()


def running_meeting(session: Session, now: float) -> Meeting:
    """The meeting the service is running: the newest one with a segment still to come or
    under way at ``now`` (a rehearsal just made, a meeting just imported), else the newest.

    ``serve`` and ``links`` print its links: after ``rehearse --day 2`` and a restart, the
    rehearsal's, not the original meeting's (issue 15).
    """
    live = session.exec(
        select(Meeting)
        .join(Segment, col(Segment.meeting_id) == col(Meeting.id))
        .where(col(Segment.scheduled_end) > now)
        .order_by(col(Meeting.id).desc())
    ).first()
    if live is not None:
        return live
    newest = session.exec(select(Meeting).order_by(col(Meeting.id).desc())).first()
    if newest is None:
        raise DomainError("meeting.none")
    return newest


def _until(issued: Issued) -> str:
    expires = issued.principal.expires_at or 0.0
    return "until " + datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _first_meeting(session: Session, key: str | None = None) -> Meeting:
    query = select(Meeting).order_by(col(Meeting.id))
    if key:
        query = query.where(Meeting.key == key)
    meeting = session.exec(query).first()
    if meeting is None:
        raise DomainError("meeting.not_found", meeting=key) if key else DomainError("meeting.none")
    return meeting


def _redacted(url: str) -> str:
    """Never print a password (secrets stay out of logs)."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
