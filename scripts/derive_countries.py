#!/usr/bin/env python3
"""Derive ``app/data/countries.csv`` from OCHA's Countries & Territories taxonomy.

The taxonomy is read out of the wheel of the PyPI package ``hdx-python-country``
(file ``hdx/location/Countries & Territories Taxonomy MVP - C&T Taxonomy.csv``).
The package is never installed or imported: importing it would try to download a
newer table from the internet. The wheel is fetched with ``pip download`` (or given
with ``--wheel``) and its CSV is read straight out of the zip.

UN regional groups are not in the taxonomy; they come from the hand-kept
``app/data/regional_groups.csv`` and are joined in here. The script fails loudly
when the two disagree (a Member State without a group, an unknown code, ...).

It also refreshes the State rows (member_state, observer_state) of the demo
meeting's ``app/meeting/data/delegations-gcm-2017.csv`` from the derived table,
keeping that file's hand-kept stakeholder rows as they are.

Regenerate (from the repository root)::

    .venv/bin/python scripts/derive_countries.py

Check that the committed file is up to date, without writing::

    .venv/bin/python scripts/derive_countries.py --check

Only the standard library is used.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

PACKAGE = "hdx-python-country"
VERSION = "4.2.5"
# sha256 of hdx_python_country-4.2.5-py3-none-any.whl, as downloaded with pip on 2026-11-23.
WHEEL_SHA256 = "c2adb1aed704bc12ad32cbf47468c2ab8ebec675634b828e26bd7566b93e6680"
MEMBER_IN_ZIP = "hdx/location/Countries & Territories Taxonomy MVP - C&T Taxonomy.csv"

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "app" / "data"
GROUPS_CSV = DATA / "regional_groups.csv"
OUT_CSV = DATA / "countries.csv"
DELEGATIONS_CSV = ROOT / "app" / "programme" / "data" / "delegations-gcm-2017.csv"
DELEGATION_FIELDS = [
    "code",
    "category",
    "name_en",
    "name_fr",
    "name_es",
    "name_ru",
    "name_zh",
    "name_ar",
    "regional_group",
]
STATE_CATEGORIES = {"member_state", "observer_state"}

# The two non-member observer States (General Assembly resolutions 58/314 and 67/19).
OBSERVER_STATES = {"VAT", "PSE"}
MEMBER_STATE_COUNT = 193
GROUPS = (
    "african",
    "asia_pacific",
    "eastern_european",
    "latin_american_caribbean",
    "western_european_other",
)

# Taxonomy columns. "<Language> Short" are the UNTERM short names; the
# "Appears in DGACM list" flag marks exactly the Member States, "Appears in
# UNTERM list" additionally the observer States and Cook Islands and Niue.
COL_ISO3 = "ISO 3166-1 Alpha 3-Codes"
COL_ISO2 = "ISO 3166-1 Alpha 2-Codes"
COL_M49 = "m49 numerical code"
COL_UNTERM = "Appears in UNTERM list"
COL_DGACM = "Appears in DGACM list"
NAME_COLUMNS = {
    "name_en": "English Short",
    "name_fr": "French Short",
    "name_es": "Spanish Short",
    "name_ru": "Russian Short",
    "name_zh": "Chinese Short",
    "name_ar": "Arabic Short",
}
FIELDS = [
    "iso3",
    "iso2",
    "m49",
    *NAME_COLUMNS,
    "un_member",
    "observer_state",
    "regional_group",
]

# Spot checks: (iso3, column, expected value).
SPOT_CHECKS = [
    ("BOL", "name_en", "Bolivia (Plurinational State of)"),
    ("TUR", "name_en", "Türkiye"),
    ("CIV", "name_en", "Côte d'Ivoire"),
    ("FRA", "name_fr", "France"),
    ("VAT", "name_en", "Holy See"),
    ("PSE", "name_en", "State of Palestine"),
    ("EGY", "name_ar", "مصر"),
    ("CHN", "name_zh", "中国"),
    ("GBR", "name_en", "United Kingdom of Great Britain and Northern Ireland"),
    ("USA", "m49", "840"),
    ("AFG", "m49", "004"),
]


class DerivationError(Exception):
    """The inputs disagree with what the UN lists say; nothing is written."""


def say(message: str) -> None:
    sys.stdout.write(message + "\n")


def fetch_wheel(dest: Path) -> Path:
    """Download the pinned wheel with pip (no dependencies, nothing installed)."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        str(dest),
        f"{PACKAGE}=={VERSION}",
    ]
    subprocess.run(cmd, check=True)
    wheels = sorted(dest.glob("hdx_python_country-*.whl"))
    if len(wheels) != 1:
        raise DerivationError(f"expected one wheel in {dest}, found {wheels}")
    return wheels[0]


def read_taxonomy(wheel: Path, *, verify_hash: bool) -> list[dict[str, str]]:
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if verify_hash and digest != WHEEL_SHA256:
        raise DerivationError(
            f"{wheel.name}: sha256 {digest} is not the pinned {WHEEL_SHA256} "
            "(pass --no-verify-hash if you upgraded on purpose, then update the pin)"
        )
    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read(MEMBER_IN_ZIP).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(raw)))


def read_groups(path: Path) -> dict[str, str]:
    groups: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            iso3 = row["iso3"].strip()
            if iso3 in groups:
                raise DerivationError(f"{path.name}: {iso3} listed twice")
            groups[iso3] = row["group"].strip()
    return groups


def derive(taxonomy: list[dict[str, str]], groups: dict[str, str]) -> list[dict[str, str]]:
    problems: list[str] = []
    by_iso3 = {r[COL_ISO3].strip(): r for r in taxonomy if r[COL_ISO3].strip()}

    members = {iso3 for iso3, r in by_iso3.items() if r[COL_DGACM].strip() == "Y"}
    unterm = {iso3 for iso3, r in by_iso3.items() if r[COL_UNTERM].strip() == "Y"}
    if len(members) != MEMBER_STATE_COUNT:
        problems.append(f"taxonomy flags {len(members)} Member States, expected 193")
    if not members <= unterm:
        problems.append(f"Member States missing from UNTERM list: {sorted(members - unterm)}")
    missing_obs = OBSERVER_STATES - unterm
    if missing_obs:
        problems.append(f"observer States missing from UNTERM list: {sorted(missing_obs)}")
    if OBSERVER_STATES & members:
        problems.append(f"observer States flagged as members: {sorted(OBSERVER_STATES & members)}")

    # Regional groups must cover exactly the Member States and the observer States.
    wanted = members | OBSERVER_STATES
    if set(groups) - wanted:
        problems.append(f"regional_groups.csv has unknown codes: {sorted(set(groups) - wanted)}")
    for iso3 in sorted(members):
        group = groups.get(iso3)
        if group is None:
            problems.append(f"Member State {iso3} has no row in regional_groups.csv")
        elif group not in GROUPS:
            problems.append(f"Member State {iso3} has group {group!r}, not one of {GROUPS}")
    for iso3 in sorted(OBSERVER_STATES):
        if groups.get(iso3, None) != "":
            problems.append(f"observer State {iso3} must have a row with an empty group")

    rows: list[dict[str, str]] = []
    for iso3 in sorted(wanted):
        src = by_iso3.get(iso3)
        if src is None:
            continue
        m49 = src[COL_M49].strip()
        row = {
            "iso3": iso3,
            "iso2": src[COL_ISO2].strip(),
            "m49": m49.zfill(3) if m49.isdigit() else m49,
            "un_member": "1" if iso3 in members else "0",
            "observer_state": "1" if iso3 in OBSERVER_STATES else "0",
            "regional_group": groups.get(iso3, ""),
        }
        for ours, theirs in NAME_COLUMNS.items():
            row[ours] = " ".join(src[theirs].split())
        for key in ("iso2", "m49", *NAME_COLUMNS):
            if not row[key]:
                problems.append(f"{iso3}: empty {key}")
        if len(row["iso2"]) != 2 or not row["m49"].isdigit() or len(row["m49"]) != 3:
            problems.append(f"{iso3}: odd codes iso2={row['iso2']!r} m49={row['m49']!r}")
        rows.append({k: row[k] for k in FIELDS})

    index = {r["iso3"]: r for r in rows}
    for iso3, column, expected in SPOT_CHECKS:
        got = index.get(iso3, {}).get(column)
        if got != expected:
            problems.append(f"spot check {iso3}.{column}: expected {expected!r}, got {got!r}")

    if problems:
        raise DerivationError("\n  ".join(["derivation failed:", *problems]))
    return rows


def render(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def render_delegations(rows: list[dict[str, str]], path: Path) -> str:
    """State rows from ``rows`` (Member States, then observer States), then the
    file's existing non-State rows in their order."""
    others: list[dict[str, str]] = []
    if path.exists():
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames != DELEGATION_FIELDS:
                raise DerivationError(
                    f"{path.name}: header {reader.fieldnames} != {DELEGATION_FIELDS}"
                )
            others = [r for r in reader if r["category"] not in STATE_CATEGORIES]
    states = sorted(rows, key=lambda r: (r["observer_state"], r["iso3"]))
    out = [
        {
            "code": r["iso3"],
            "category": "observer_state" if r["observer_state"] == "1" else "member_state",
            **{k: r[k] for k in NAME_COLUMNS},
            "regional_group": r["regional_group"],
        }
        for r in states
    ]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=DELEGATION_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(out + others)
    return buf.getvalue()


def report(rows: list[dict[str, str]]) -> None:
    members = [r for r in rows if r["un_member"] == "1"]
    observers = [r for r in rows if r["observer_state"] == "1"]
    counts = Counter(r["regional_group"] for r in members)
    say(f"Member States: {len(members)}; observer States: {len(observers)}")
    for group in GROUPS:
        say(f"  {group:<26} {counts[group]:>3}")
    say(f"  {'total':<26} {sum(counts.values()):>3}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--wheel", type=Path, help="use this local wheel instead of pip download")
    parser.add_argument(
        "--no-verify-hash", action="store_true", help="accept a wheel other than the pinned one"
    )
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed file instead of writing"
    )
    args = parser.parse_args(argv)

    try:
        with tempfile.TemporaryDirectory(prefix="derive-countries-") as tmp:
            wheel = args.wheel or fetch_wheel(Path(tmp))
            taxonomy = read_taxonomy(wheel, verify_hash=not args.no_verify_hash)
        rows = derive(taxonomy, read_groups(GROUPS_CSV))
        outputs = {
            OUT_CSV: render(rows),
            DELEGATIONS_CSV: render_delegations(rows, DELEGATIONS_CSV),
        }
    except DerivationError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1

    report(rows)
    stale = 0
    for path, text in outputs.items():
        rel = path.relative_to(ROOT)
        if args.check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                sys.stderr.write(f"{rel} is out of date: run scripts/derive_countries.py\n")
                stale += 1
            else:
                say(f"{rel} is up to date")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            say(f"wrote {rel} ({text.count(chr(10)) - 1} rows)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
