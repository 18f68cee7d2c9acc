"""СНИЛС: normalising what people type and checking the control number (R-4.4.b).

A СНИЛС is nine digits of the number and two check digits, written «112-233-445 95».
The check digits are the sum of the nine digits weighted 9..1, reduced modulo 101
(100 and 101 give «00»). By the Pension Fund's rule the check applies only to numbers
above 001-001-998; the early numbers up to it are valid whatever their check digits.
"""

from __future__ import annotations

import re

from netspo_lib.errors import NetspoError

# Separators people and spreadsheets use: spaces (also no-break and thin), hyphens, dashes, dots.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—.]+")
# The last number issued without a meaningful check (Pension Fund rule).
_UNCHECKED_UP_TO = 1_001_998


def normalize_snils(text: str | int) -> str:
    """The eleven digits of a СНИЛС, without separators.

    Accepts «112-233-445 95», «112 233 445 95», «11223344595» and the like; an integer
    (a spreadsheet cell that lost its leading zeros) is padded back to eleven digits.
    Raises :class:`NetspoError` when the text is not eleven digits.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0 or text >= 10**11:
            raise NetspoError(f"СНИЛС «{text}» должен состоять из 11 цифр.")
        return f"{text:011d}"
    raw = str(text).strip()
    digits = _SEPARATORS.sub("", raw)
    if len(digits) != 11 or not digits.isdigit() or not digits.isascii():
        raise NetspoError(f"СНИЛС «{raw}» должен состоять из 11 цифр (например, 112-233-445 95).")
    return digits


def snils_check_digits(nine: str) -> str:
    """The two check digits for the nine digits of the number."""
    total = sum(int(ch) * weight for ch, weight in zip(nine, range(9, 0, -1), strict=True))
    if total > 101:
        total %= 101
    if total in (100, 101):
        total = 0
    return f"{total:02d}"


def snils_problem(text: str | int) -> str | None:
    """Why a СНИЛС is not valid, in Russian, or ``None`` when it is."""
    try:
        digits = normalize_snils(text)
    except NetspoError as exc:
        return exc.message
    number = int(digits[:9])
    if number == 0:
        return f"СНИЛС {format_snils(digits)} не может состоять из нулей."
    if number > _UNCHECKED_UP_TO and digits[9:] != snils_check_digits(digits[:9]):
        return f"СНИЛС {format_snils(digits)} введён с ошибкой: не сходится контрольное число."
    return None


def is_valid_snils(text: str | int) -> bool:
    """True when the text is a СНИЛС with a correct control number."""
    return snils_problem(text) is None


def check_snils(text: str | int) -> str:
    """The normalised СНИЛС, or :class:`NetspoError` with the reason it is not valid."""
    problem = snils_problem(text)
    if problem is not None:
        raise NetspoError(problem)
    return normalize_snils(text)


def format_snils(text: str | int) -> str:
    """«112-233-445 95», the way a СНИЛС is printed."""
    d = normalize_snils(text)
    return f"{d[0:3]}-{d[3:6]}-{d[6:9]} {d[9:11]}"
