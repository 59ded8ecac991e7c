"""From a file's header and cells to a lead: which column is which field, and each row checked.

Pure functions, no I/O: the parser process calls them for every row, the preview for the first
twenty, the tests directly. A row either becomes a lead (a dict of lead fields, the phone in
E.164) or a list of errors (field, code, message); nothing is fixed silently. What the database
decides (duplicates against the campaign, do-not-call) is left to the batch write.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

# The lead fields a column may map to (private.lead_import_fields()).
LEAD_FIELDS = ("first_name", "last_name", "phone", "email", "birth_date", "address_line", "city",
               "region", "postal_code", "country_code", "external_ref", "source", "notes")

# Header names, normalised (lower case, no accents, words split by one space), in Spanish and
# English.
HEADERS: dict[str, str] = {}
for _field, _names in {
    "first_name": ["nombre", "nombres", "nombre de pila", "first name", "firstname", "first",
                   "given name", "name", "forename"],
    "last_name": ["apellidos", "apellido", "primer apellido", "last name", "lastname", "surname",
                  "family name"],
    "phone": ["telefono", "tel", "tfno", "telefono movil", "movil", "celular", "numero",
              "numero de telefono", "phone", "phone number", "mobile", "mobile phone", "telephone",
              "cell", "cell phone"],
    "email": ["email", "e mail", "correo", "correo electronico", "mail", "email address"],
    "address_line": ["direccion", "domicilio", "calle", "address", "address line", "street",
                     "street address"],
    "city": ["ciudad", "localidad", "poblacion", "municipio", "city", "town"],
    "region": ["provincia", "region", "comunidad", "comunidad autonoma", "estado", "province",
               "state", "county"],
    "postal_code": ["codigo postal", "cp", "c p", "postal code", "postcode", "zip", "zip code",
                    "zipcode"],
    "birth_date": ["fecha de nacimiento", "fecha nacimiento", "nacimiento", "birth date",
                   "birthdate", "date of birth", "dob", "birthday"],
    "external_ref": ["referencia", "ref", "referencia externa", "id externo", "external ref",
                     "external reference", "reference", "external id"],
    "source": ["origen", "fuente", "source"],
    "notes": ["notas", "nota", "observaciones", "comentarios", "notes", "note", "comments"],
    "country_code": ["pais", "codigo de pais", "country", "country code"],
}.items():
    for _name in _names:
        HEADERS[_name] = _field

# The database's limits (leads' check constraints): a row over one is refused here, or the
# whole batch would fail.
MAX_LENGTH = {"first_name": 200, "last_name": 200, "email": 320, "address_line": 500, "city": 200,
              "region": 200, "postal_code": 20, "external_ref": 200, "source": 200, "notes": 4000}
MAX_CUSTOM_CHARS = 16000
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
CUSTOM_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d")
PHONE_CHARACTERS = re.compile(r"[\s\-.()/]")


def normalise_header(text: str) -> str:
    """Lower case, accents off, words split by one space: 'Teléfono Móvil' -> 'telefono movil'."""
    decomposed = unicodedata.normalize("NFD", text.strip().lower())
    plain = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def custom_key(header: str) -> str:
    """The custom field key of an unknown column: 'Nº Póliza' -> 'n_poliza'."""
    key = normalise_header(header).replace(" ", "_")[:40]
    if not key:
        return "column"
    if not key[0].isalpha():
        key = f"c_{key}"[:40]
    return key


def auto_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Each header's target: a lead field or custom:<key> (an unknown column, or a second column
    for a field already taken: kept, not dropped); ignore only for a column without a header."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        target = HEADERS.get(normalise_header(header))
        if target is None or target in taken:
            if not header.strip():
                mapping[header] = "ignore"
                continue
            key = custom_key(header)
            target, n = f"custom:{key}", 1
            while target in taken:
                n += 1
                target = f"custom:{key[:36]}_{n}"
        taken.add(target)
        mapping[header] = target
    return mapping


@dataclass(frozen=True)
class Mapper:
    """A file's columns, resolved once: column index -> target, for every row."""

    headers: tuple[str, ...]
    mapping: dict[str, str]
    region: str
    columns: tuple[tuple[int, str], ...] = field(init=False)

    def __post_init__(self) -> None:
        columns = [(i, self.mapping.get(h, "ignore")) for i, h in enumerate(self.headers)]
        object.__setattr__(self, "columns", tuple((i, t) for i, t in columns if t != "ignore"))

    @classmethod
    def build(cls, headers: Sequence[str], options: Mapping[str, Any], region: str) -> Mapper:
        mapping = auto_mapping(headers)
        mapping.update({h: t for h, t in (options.get("mapping") or {}).items() if h in mapping})
        return cls(tuple(headers), mapping, str(options.get("default_region") or region))

    @property
    def fields(self) -> list[str]:
        return [t for _i, t in self.columns]


@dataclass
class Checked:
    """One row: the lead's fields (when it has no error) and its errors."""

    line: int
    lead: dict[str, Any] | None
    errors: list[dict[str, str]]
    raw: dict[str, str]


def cell_text(value: Any) -> str:
    """A cell as text: XLSX numbers without '.0', dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_phone(text: str, region: str) -> str | None:
    """E.164, or None when it is not a valid number. National formats (for `region`), spaces,
    dashes, dots, brackets, a '+' or '00' international prefix."""
    compact = PHONE_CHARACTERS.sub("", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not compact or not re.fullmatch(r"\+?[0-9]{4,17}", compact):
        return None
    try:
        number = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_date(text: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt).date()
        except ValueError:
            continue
        if fmt == "%Y-%m-%d" and len(text) > 10 and text[10] not in "T ":
            return None
        return day
    return None


def check_row(mapper: Mapper, line: int, cells: Sequence[Any], today: dt.date) -> Checked:
    """Map and check one row of the file."""
    texts = [cell_text(c) for c in cells]
    raw = {h: texts[i] if i < len(texts) else "" for i, h in enumerate(mapper.headers)}
    errors: list[dict[str, str]] = []
    if len(texts) > len(mapper.headers) and any(texts[len(mapper.headers):]):
        errors.append({"field": "", "code": "row_malformed",
                       "message": f"{len(texts)} cells for {len(mapper.headers)} columns"})
    lead: dict[str, Any] = {"line": line}
    custom: dict[str, str] = {}
    for index, target in mapper.columns:
        value = texts[index] if index < len(texts) else ""
        if target.startswith("custom:"):
            if value:
                custom[target[7:]] = value
        elif value:
            lead[target] = value

    for name, limit in MAX_LENGTH.items():
        text = lead.get(name)
        if text is not None and len(text) > limit:
            errors.append({"field": name, "code": "too_long",
                           "message": f"{name}: {len(text)} characters, at most {limit}"})

    if not lead.get("first_name"):
        errors.append({"field": "first_name", "code": "first_name_missing",
                       "message": "first_name: required"})
    phone_text = lead.get("phone")
    if not phone_text:
        errors.append({"field": "phone", "code": "phone_missing", "message": "phone: required"})
    else:
        phone = parse_phone(phone_text, mapper.region)
        if phone is None:
            errors.append({"field": "phone", "code": "phone_invalid",
                           "message": f"phone: {phone_text[:64]!r} is not a valid number"
                                      f" (default region {mapper.region})"})
        else:
            lead["phone"] = phone
    email: str | None = lead.get("email")
    if email is not None and not EMAIL.fullmatch(email):
        errors.append({"field": "email", "code": "email_invalid",
                       "message": f"email: {email[:64]!r} is not an e-mail address"})
    birth = lead.get("birth_date")
    if birth is not None:
        day = parse_date(birth)
        if day is None or day > today or day.year < 1900:
            errors.append({"field": "birth_date", "code": "birth_date_invalid",
                           "message": f"birth_date: {birth[:64]!r} is not a past date"
                                      " (YYYY-MM-DD or DD/MM/YYYY)"})
        else:
            lead["birth_date"] = day.isoformat()
    country = lead.get("country_code")
    if country is not None:
        if re.fullmatch(r"[A-Za-z]{2}", country):
            lead["country_code"] = country.upper()
        else:
            errors.append({"field": "country_code", "code": "country_code_invalid",
                           "message": f"country_code: {country[:64]!r} is not an ISO alpha-2 code"})
    if custom:
        lead["custom"] = custom
        if len(json.dumps(custom, ensure_ascii=False)) > MAX_CUSTOM_CHARS:
            errors.append({"field": "custom", "code": "too_long",
                           "message": f"custom: over {MAX_CUSTOM_CHARS} characters"})
    return Checked(line, None if errors else lead, errors, raw)
