"""Names shown to the room hold no invisible character that could disguise them (finding 8)."""

from __future__ import annotations

import csv

import pytest

from app.meeting.delegations import COUNTRIES, LANGUAGES
from app.meeting.names import check_name, hidden_character

ZWNJ, ZWJ = "\u200c", "\u200d"


@pytest.mark.parametrize(
    "char",
    [
        *map(chr, range(0x200B, 0x2010)),  # zero-width space, joiners, LRM, RLM
        *map(chr, range(0x202A, 0x202F)),  # embeddings and overrides
        *map(chr, range(0x2066, 0x206A)),  # isolates
        "\ufeff",  # byte-order mark (zero-width no-break space)
        "\u061c",  # Arabic letter mark
        "\u00ad",  # soft hyphen
        "\u2060",  # word joiner
        "\n",  # a control character
        "\u2028",  # line separator
    ],
    ids=lambda char: f"U+{ord(char):04X}",
)
def test_a_hidden_character_between_latin_letters_is_named(char: str) -> None:
    found = hidden_character(f"Mex{char}ico")
    assert found is not None
    assert found.startswith(f"U+{ord(char):04X} (")
    with pytest.raises(ValueError, match="invisible character that can disguise a name"):
        check_name(f"Mex{char}ico")


def test_joiners_pass_where_a_script_needs_them() -> None:
    persian = f"سازمان{ZWNJ}های مردم{ZWNJ}نهاد"  # ZWNJ between Arabic-script letters
    devanagari = f"क्{ZWJ}ष"  # ZWJ after a virama
    malayalam = f"ന്{ZWNJ}റ"  # ZWNJ after a virama
    for name in (persian, devanagari, malayalam, "المكسيك", "墨西哥", "Türkiye", "Côte d'Ivoire"):
        assert hidden_character(name) is None, name
    assert hidden_character(f"{ZWNJ}مردم") is not None  # at the start it joins nothing
    assert hidden_character(f"a{ZWJ}b") is not None


def test_every_un_name_of_the_shipped_table_passes() -> None:
    with COUNTRIES.open(encoding="utf-8", newline="") as file:
        names = [row[f"name_{lang}"] for row in csv.DictReader(file) for lang in LANGUAGES]
    assert [name for name in names if hidden_character(name)] == []
