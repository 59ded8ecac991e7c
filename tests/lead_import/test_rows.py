"""The row rules and the file reading, without a stack: headers, phones, dates, detection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from workers.lead_import.reader import detect_delimiter, detect_encoding, open_table
from workers.lead_import.rows import Mapper, auto_mapping, check_row, parse_phone

TODAY = dt.date(2026, 12, 5)


@pytest.mark.parametrize(("header", "field"), [
    ("Nombre", "first_name"), ("NOMBRE", "first_name"), ("First Name", "first_name"),
    ("Apellidos", "last_name"), ("last_name", "last_name"), ("Teléfono", "phone"),
    ("telefono", "phone"), ("Móvil", "phone"), ("MOVIL", "phone"), ("Phone", "phone"),
    ("Mobile", "phone"), ("Correo electrónico", "email"), ("E-mail", "email"),
    ("Dirección", "address_line"), ("Address", "address_line"), ("Ciudad", "city"),
    ("Provincia", "region"), ("Region", "region"), ("Código Postal", "postal_code"),
    ("ZIP", "postal_code"), ("Fecha de nacimiento", "birth_date"), ("Birth date", "birth_date"),
    ("Referencia", "external_ref"), ("External ref", "external_ref"), ("Origen", "source"),
    ("Source", "source"), ("Notas", "notes"), ("Notes", "notes"),
])
def test_headers_in_spanish_and_english(header: str, field: str) -> None:
    assert auto_mapping([header]) == {header: field}


def test_other_columns_become_custom_fields_never_dropped() -> None:
    assert auto_mapping(["Nombre", "Nº Póliza", "Teléfono", "Móvil", "", "2º tel"]) == {
        "Nombre": "first_name", "Nº Póliza": "custom:n_poliza", "Teléfono": "phone",
        "Móvil": "custom:movil", "": "ignore", "2º tel": "custom:c_2_tel"}


@pytest.mark.parametrize(("text", "region", "e164"), [
    ("612345678", "ES", "+34612345678"), ("612 34 56 78", "ES", "+34612345678"),
    ("612-345-678", "ES", "+34612345678"), ("(612) 345.678", "ES", "+34612345678"),
    ("+34 612 345 678", "ES", "+34612345678"), ("0034612345678", "ES", "+34612345678"),
    ("0034 612345678", "MX", "+34612345678"), ("91 123 45 67", "ES", "+34911234567"),
    ("55 1234 5678", "MX", "+525512345678"), ("+52 55 1234 5678", "ES", "+525512345678"),
    ("612345678", "MX", None), ("12345", "ES", None), ("abc", "ES", None),
    ("6123456789", "ES", None), ("", "ES", None),
])
def test_phones_to_e164(text: str, region: str, e164: str | None) -> None:
    assert parse_phone(text, region) == e164


def test_a_row_is_a_lead_or_its_errors() -> None:
    mapper = Mapper.build(["nombre", "telefono", "email", "fecha de nacimiento", "pais"], {}, "ES")
    ok = check_row(mapper, 2, ["Ana", "612345678", "a@b.es", "31/12/1999", "es"], TODAY)
    assert ok.errors == [] and ok.lead == {
        "line": 2, "first_name": "Ana", "phone": "+34612345678", "email": "a@b.es",
        "birth_date": "1999-12-31", "country_code": "ES"}
    bad = check_row(mapper, 3, ["", "1", "a@b", "2999-01-01", "España"], TODAY)
    assert bad.lead is None
    assert [e["code"] for e in bad.errors] == [
        "first_name_missing", "phone_invalid", "email_invalid", "birth_date_invalid",
        "country_code_invalid"]
    assert bad.raw == {"nombre": "", "telefono": "1", "email": "a@b",
                       "fecha de nacimiento": "2999-01-01", "pais": "España"}
    assert [e["code"] for e in check_row(mapper, 4, ["A", ""], TODAY).errors] == ["phone_missing"]
    assert [e["code"] for e in check_row(mapper, 5, ["A", "612345678", "", "", "", "x"],
                                         TODAY).errors] == ["row_malformed"]


def test_detection(tmp_path: Path) -> None:
    assert detect_delimiter('a;b;"c,d";e') == ";"
    assert detect_delimiter("a\tb\tc") == "\t"
    assert detect_delimiter("nombre") == ","
    files = {"bom": "\ufeffNombre;Teléfono\nAna;612345678\n".encode(),
             "utf8": "Nombre;Teléfono\nAna;612345678\n".encode(),
             "cp1252": "Nombre;Teléfono\nÁna;612345678\n".encode("cp1252")}
    expect = {"bom": "utf-8-sig", "utf8": "utf-8", "cp1252": "windows-1252"}
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert detect_encoding(path) == expect[name]
        table = open_table(path, {})
        assert (table.headers, table.delimiter) == (["Nombre", "Teléfono"], ";")
        assert [cells[1] for _line, cells in table.rows] == ["612345678"]
        table.close()
