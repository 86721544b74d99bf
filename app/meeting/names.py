"""Names shown to the room: no invisible character that could disguise one.

Theory of operation
-------------------
A delegation's, a speaker's or a participant's name goes on the wall, the
podium and the record. Invisible formatting characters can make it show
something else: a right-to-left override (U+202E) reverses what follows, an
isolate (U+2066–U+2069) or an embedding (U+202A–U+202E) reorders it, a
zero-width space (U+200B) or a byte-order mark (U+FEFF) makes two names that
look the same differ. ``check_name`` refuses every character of Unicode
category Cf (format), Cc (controls: line breaks, tabs), Zl and Zp (line and
paragraph separators) and Cs (lone surrogates, which no database stores), and
names the first one found, so that the refusal can say which field holds it.

The exception: ZERO WIDTH NON-JOINER (U+200C) and ZERO WIDTH JOINER (U+200D)
are part of how some scripts are written: ZWNJ in Persian, Kurdish and Urdu
(between two letters of a word that must not join, as in the Persian for
"non-governmental organisations"), both after a virama in the Indic scripts.
They are accepted where IDNA accepts them (RFC 5892, appendix A.1 and A.2,
simplified): after a virama, or ZWNJ between two letters of the Arabic script.
Between Latin letters ("Mex", ZWNJ, "ico") they would only disguise, and are
refused. Arabic and Chinese names need no such character and pass as they
are; so do the visible marks of right-to-left text (Arabic diacritics, Mn).

Used by every place a name enters: the delegations CSV (``delegations``), the
programme file (``schema``) and the HTTP bodies (``app.api``) through the
pydantic type ``Name``.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator

#: Categories of characters a name may not hold (see the theory above).
REFUSED_CATEGORIES = frozenset({"Cf", "Cc", "Zl", "Zp", "Cs"})
ZWNJ, ZWJ = "\u200c", "\u200d"
#: The canonical combining class of a virama (the Indic scripts' vowel killer).
VIRAMA = 9
#: The Arabic script's blocks (Arabic, Supplement, Extended-A/B, Presentation Forms A/B).
ARABIC_BLOCKS = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x0870, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)


def hidden_character(text: str) -> str | None:
    """The first character of ``text`` that could disguise a name, as ``U+202E (NAME)``."""
    for index, char in enumerate(text):
        if unicodedata.category(char) not in REFUSED_CATEGORIES:
            continue
        if char in (ZWNJ, ZWJ) and _joins(text, index):
            continue
        return f"U+{ord(char):04X} ({unicodedata.name(char, 'a control character')})"
    return None


def check_name(text: str) -> str:
    """``text`` if no character of it could disguise a name; else ValueError saying which."""
    found = hidden_character(text)
    if found is not None:
        raise ValueError(
            f"contains {found}, an invisible character that can disguise a name on the "
            "wall: remove it"
        )
    return text


#: A name field of a pydantic model: refused (422, the field named) if it holds one.
Name = Annotated[str, AfterValidator(check_name)]


def _joins(text: str, index: int) -> bool:
    """Whether the joiner at ``index`` is one a script needs (IDNA's CONTEXTJ, simplified)."""
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    if before and unicodedata.combining(before) == VIRAMA:
        return True
    return text[index] == ZWNJ and _arabic_letter(before) and _arabic_letter(after)


def _arabic_letter(char: str) -> bool:
    if not char or not unicodedata.category(char).startswith("L"):
        return False
    point = ord(char)
    return any(low <= point <= high for low, high in ARABIC_BLOCKS)
