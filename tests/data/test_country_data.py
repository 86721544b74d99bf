"""The reference data of delegations: UN names in six languages, regional groups, demo list.

Reads the shipped CSV files with the standard library only; see app/data/SOURCES.md.
"""

from __future__ import annotations

import csv
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

import app

DATA = Path(app.__file__).parent / "data"
COUNTRIES = DATA / "countries.csv"
GROUPS = DATA / "regional_groups.csv"
DELEGATIONS = Path(app.__file__).parent / "meeting" / "data" / "delegations-gcm-2017.csv"

NAME_COLUMNS = ("name_en", "name_fr", "name_es", "name_ru", "name_zh", "name_ar")
REGIONAL_GROUPS = {
    "african",
    "asia_pacific",
    "eastern_european",
    "latin_american_caribbean",
    "western_european_other",
}
CATEGORIES = {
    "member_state",
    "observer_state",
    "un_system",
    "igo",
    "nhri",
    "civil_society",
    "private_sector",
    "academia",
    "local_authority",
}


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def countries() -> list[dict[str, str]]:
    return read(COUNTRIES)


def by_iso3() -> dict[str, dict[str, str]]:
    return {row["iso3"]: row for row in countries()}


def members() -> list[dict[str, str]]:
    return [row for row in countries() if row["un_member"] == "1"]


def test_countries_has_the_documented_columns() -> None:
    with COUNTRIES.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert header == [
        "iso3",
        "iso2",
        "m49",
        *NAME_COLUMNS,
        "un_member",
        "observer_state",
        "regional_group",
    ]


def test_there_are_exactly_193_member_states() -> None:
    assert len(members()) == 193


def test_the_two_observer_states_are_the_holy_see_and_palestine() -> None:
    observers = {row["iso3"] for row in countries() if row["observer_state"] == "1"}
    assert observers == {"VAT", "PSE"}
    for iso3 in observers:
        assert by_iso3()[iso3]["un_member"] == "0"
        assert by_iso3()[iso3]["regional_group"] == ""


def test_every_row_is_a_member_or_an_observer_state_and_codes_are_unique() -> None:
    rows = countries()
    assert len(rows) == 195
    assert all(
        (row["un_member"], row["observer_state"]) in {("1", "0"), ("0", "1")} for row in rows
    )
    for column in ("iso3", "iso2", "m49"):
        assert len({row[column] for row in rows}) == len(rows), column


def test_every_member_state_has_one_of_the_five_regional_groups() -> None:
    missing = [row["iso3"] for row in members() if row["regional_group"] not in REGIONAL_GROUPS]
    assert missing == []


def test_regional_group_counts_sum_to_193_as_listed_by_dgacm() -> None:
    counts = Counter(row["regional_group"] for row in members())
    assert sum(counts.values()) == 193
    assert counts == {
        "african": 54,
        "asia_pacific": 54,
        "eastern_european": 23,
        "latin_american_caribbean": 33,
        "western_european_other": 29,
    }


@pytest.mark.parametrize(
    ("iso3", "group"),
    [
        ("TUR", "western_european_other"),
        ("USA", "western_european_other"),
        ("ISR", "western_european_other"),
        ("KIR", "asia_pacific"),
        ("CYP", "asia_pacific"),
        ("KAZ", "asia_pacific"),
        ("EST", "eastern_european"),
        ("MEX", "latin_american_caribbean"),
        ("EGY", "african"),
    ],
)
def test_the_special_cases_of_regional_groups_are_placed_as_documented(
    iso3: str, group: str
) -> None:
    assert by_iso3()[iso3]["regional_group"] == group


def test_regional_groups_file_and_countries_agree() -> None:
    groups = {row["iso3"]: row["group"] for row in read(GROUPS)}
    assert groups == {row["iso3"]: row["regional_group"] for row in countries()}


def test_no_name_is_empty_in_any_of_the_six_languages() -> None:
    empty = [
        (row["iso3"], column)
        for row in countries()
        for column in NAME_COLUMNS
        if not row[column].strip()
    ]
    assert empty == []


@pytest.mark.parametrize(
    ("iso3", "column", "name"),
    [
        ("BOL", "name_en", "Bolivia (Plurinational State of)"),
        ("TUR", "name_en", "Türkiye"),
        ("CIV", "name_en", "Côte d'Ivoire"),
        ("FRA", "name_fr", "France"),
        ("PSE", "name_en", "State of Palestine"),
        ("VAT", "name_en", "Holy See"),
        ("CHN", "name_zh", "中国"),
    ],
)
def test_known_unterm_short_names_are_present(iso3: str, column: str, name: str) -> None:
    assert by_iso3()[iso3][column] == name


def script_of(text: str) -> set[str]:
    """The first word of the Unicode names of the letters: ARABIC, CJK, CYRILLIC, LATIN..."""
    return {unicodedata.name(ch).split()[0] for ch in text if ch.isalpha()}


def test_arabic_names_are_in_arabic_script() -> None:
    assert by_iso3()["EGY"]["name_ar"] == "مصر"
    not_arabic = [r["iso3"] for r in countries() if script_of(r["name_ar"]) != {"ARABIC"}]
    assert not_arabic == []


def test_chinese_and_russian_names_are_in_their_scripts() -> None:
    for row in countries():
        assert script_of(row["name_zh"]) == {"CJK"}, row["iso3"]
        assert script_of(row["name_ru"]) == {"CYRILLIC"}, row["iso3"]


def test_demo_delegations_have_unique_codes() -> None:
    codes = [row["code"] for row in read(DELEGATIONS)]
    duplicated = [code for code, n in Counter(codes).items() if n > 1]
    assert duplicated == []


def test_P1_demo_delegations_have_known_categories() -> None:
    rows = read(DELEGATIONS)
    assert {row["category"] for row in rows} == CATEGORIES


def test_demo_delegations_list_every_member_and_observer_state_with_its_un_names() -> None:
    delegations = {row["code"]: row for row in read(DELEGATIONS)}
    for country in countries():
        row = delegations[country["iso3"]]
        expected = "member_state" if country["un_member"] == "1" else "observer_state"
        assert row["category"] == expected
        assert row["regional_group"] == country["regional_group"]
        for column in NAME_COLUMNS:
            assert row[column] == country[column], (country["iso3"], column)
    states = [
        r for r in delegations.values() if r["category"] in {"member_state", "observer_state"}
    ]
    assert len(states) == 195


def test_demo_stakeholders_have_names_in_six_languages_and_no_regional_group() -> None:
    stakeholders = [
        row
        for row in read(DELEGATIONS)
        if row["category"] not in {"member_state", "observer_state"}
    ]
    assert len(stakeholders) >= 30
    for row in stakeholders:
        assert row["regional_group"] == "", row["code"]
        assert row["code"] == row["code"].upper(), row["code"]
        assert all(row[column].strip() for column in NAME_COLUMNS), row["code"]
