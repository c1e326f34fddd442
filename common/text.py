"""Vietnamese text at the boundary: NFC normalisation and accent-folded search keys."""

from __future__ import annotations

import unicodedata

_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})


def nfc(value: str) -> str:
    """Normalise to NFC and collapse surrounding/inner runs of white space."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def fold(value: str) -> str:
    """Search key: lower case, no tone or vowel marks, đ → d ("Đặng" → "dang")."""
    decomposed = unicodedata.normalize("NFD", value.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())
