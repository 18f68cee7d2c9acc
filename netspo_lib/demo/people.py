"""Names, СНИЛС, phones, e-mails and logins of demo persons.

Surnames come from Faker's ru_RU list (male and female forms, aligned) plus a few of the
Altai region; first names and patronymics come from the catalog so that ages and family
ties stay believable (a father's name gives his children's patronymic).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from faker import Faker
from faker.providers.person.ru_RU import Provider as RuPersonProvider

from netspo_lib.enums import Sex

from . import catalog

_TRANSLIT = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
}

EMAIL_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru")
PHONE_PREFIXES = ("913", "923", "903", "905", "909", "960", "961", "962", "983", "999")


def translit(text: str) -> str:
    """Latin letters for a Russian word (logins and e-mails)."""
    out = "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())
    return "".join(ch for ch in out if ch.isascii() and (ch.isalnum() or ch in "-."))


def female_surname(male: str) -> str:
    """The female form of a Russian surname: Иванов → Иванова, Бийский → Бийская."""
    for ending, female in (("ский", "ская"), ("цкий", "цкая"), ("ой", "ая"), ("ый", "ая")):
        if male.endswith(ending):
            return male[: -len(ending)] + female
    if male.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return male + "а"
    return male


def snils_checksum(nine: str) -> str:
    """The two check digits of a СНИЛС: weights 9..1, then modulo 101 with 100 → 00."""
    total = sum(int(ch) * w for ch, w in zip(nine, range(9, 0, -1), strict=True))
    if total > 101:
        total %= 101
    if total in (100, 101):
        total = 0
    return f"{total:02d}"


@dataclass
class Name:
    last: str
    first: str
    middle: str
    sex: Sex


class PeopleFactory:
    """Deterministic source of names, СНИЛС, phones and logins for one build."""

    def __init__(self, faker: Faker, rng: random.Random) -> None:
        self.faker = faker
        self.rng = rng
        self._snils: set[str] = set()
        self._logins: set[str] = set()
        self._male = RuPersonProvider.last_names_male
        self._female = RuPersonProvider.last_names_female

    # --- names -------------------------------------------------------------------------
    def surname_pair(self) -> tuple[str, str]:
        """(male, female) forms of one family's surname."""
        if self.rng.random() < 0.2:
            male = self.rng.choice(catalog.EXTRA_SURNAMES)
            return male, female_surname(male)
        i = self.faker.random_int(0, len(self._male) - 1)
        return self._male[i], self._female[i]

    def father_name(self) -> tuple[str, str, str]:
        return self.rng.choice(catalog.ADULT_NAMES_MALE)

    def adult(self, sex: Sex, surname: tuple[str, str] | None = None) -> Name:
        """A staff member or a parent: an adult's first name and some patronymic."""
        male, female = surname or self.surname_pair()
        _, son, daughter = self.father_name()
        if sex is Sex.MALE:
            first = self.father_name()[0]
            return Name(male, first, son, sex)
        return Name(female, self.rng.choice(catalog.ADULT_NAMES_FEMALE), daughter, sex)

    def child(self, sex: Sex, surname: tuple[str, str], father: tuple[str, str, str]) -> Name:
        """A student whose patronymic comes from the father's name."""
        male, female = surname
        if sex is Sex.MALE:
            return Name(male, self.rng.choice(catalog.STUDENT_NAMES_MALE), father[1], sex)
        return Name(female, self.rng.choice(catalog.STUDENT_NAMES_FEMALE), father[2], sex)

    # --- identifiers ---------------------------------------------------------------------
    def snils(self) -> str:
        """A valid СНИЛС not given to anyone else in this build."""
        while True:
            nine = f"{self.rng.randint(2_000_000, 999_999_999):09d}"
            value = nine + snils_checksum(nine)
            if value not in self._snils:
                self._snils.add(value)
                return value

    def phone(self) -> str:
        prefix = self.rng.choice(PHONE_PREFIXES)
        n = self.rng.randint(0, 9_999_999)
        return f"+7 {prefix} {n // 10000:03d}-{n // 100 % 100:02d}-{n % 100:02d}"

    def login(self, base: str) -> str:
        """``base`` made unique with a numeric suffix (logins are ASCII, ≥ 3 chars)."""
        base = base.strip(".-") or "user"
        candidate, n = base, 1
        while candidate in self._logins or len(candidate) < 3:
            n += 1
            candidate = f"{base}{n}"
        self._logins.add(candidate)
        return candidate

    def reserve_login(self, login: str) -> None:
        self._logins.add(login)

    def personal_email(self, name: Name, year: int) -> str:
        local = f"{translit(name.last)}.{translit(name.first)}{year % 100:02d}"
        return f"{local}@{self.rng.choice(EMAIL_DOMAINS)}"

    def address(self) -> str:
        if self.rng.random() < 0.75:
            street = self.rng.choice(catalog.BARNAUL_STREETS)
            flat = self.rng.randint(1, 180)
            return f"Алтайский край, г. Барнаул, {street}, д. {self.rng.randint(1, 250)}, кв. {flat}"
        town = self.rng.choice(catalog.REGION_TOWNS)
        street = self.rng.choice(("ул. Ленина", "ул. Советская", "ул. Школьная", "ул. Мира"))
        return f"Алтайский край, {town}, {street}, д. {self.rng.randint(1, 90)}"

    def birth_date(self, earliest: date, latest: date) -> date:
        return earliest + timedelta(days=self.rng.randint(0, (latest - earliest).days))


def initials(name: Name) -> str:
    return f"{name.first[0]}.{name.middle[0]}." if name.middle else f"{name.first[0]}."


def login_base(name: Name) -> str:
    """«ivanov.ii» from Иванов Иван Иванович."""
    first = translit(name.first)[:1]
    middle = translit(name.middle)[:1] if name.middle else ""
    return f"{translit(name.last)}.{first}{middle}"
