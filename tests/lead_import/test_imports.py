"""Lead import end to end: Storage upload and PostgREST as the supervisor, the real worker process.

Headers in Spanish and English, encodings and delimiters, XLSX, every kind of refused row, the
phone formats, duplicates skipped or updated, do-not-call, preview then confirm, the error
report, and who may do what."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import time

import openpyxl
import psycopg
import pytest
from postgrest.exceptions import APIError
from storage3.utils import StorageException

from supabase import Client
from tests.lead_import.conftest import (
    SUPERVISOR1,
    csv_bytes,
    errors_of,
    leads_of,
    make_campaign,
    run_import,
    start,
    upload,
    wait_ended,
)

pytestmark = pytest.mark.usefixtures("worker")


def test_spanish_headers_windows_1252_semicolons(supervisor: Client, db: psycopg.Connection,
                                                 campaign: str) -> None:
    data = csv_bytes([
        ["Nombre", "APELLIDOS", "Teléfono", "Correo electrónico", "Dirección", "Ciudad",
         "Provincia", "Código Postal", "Fecha de nacimiento", "Referencia", "Origen", "Notas",
         "Nº Póliza"],
        ["José", "Núñez", "612 345 678", "jose@example.es", "C/ Mayor 1", "Madrid", "Madrid",
         "28001", "15/06/1980", "R-1", "feria", "llamar tarde", "P-9"],
        ["Lucía", "", "+34 928-123-456", "", "", "Las Palmas", "", "", "1975-01-31", "", "", "",
         ""],
    ], delimiter=";", encoding="cp1252")
    row = run_import(supervisor, db, campaign, data)
    assert row["status"] == "done", row["error"]
    assert (row["total_rows"], row["processed_rows"], row["imported"],
            row["invalid"]) == (2, 2, 2, 0)
    assert row["error_report_path"] is None
    leads = leads_of(db, campaign)
    jose = leads["+34612345678"]
    assert (jose["first_name"], jose["last_name"], jose["email"], jose["address_line"],
            jose["city"], jose["region"], jose["postal_code"], jose["birth_date"],
            jose["external_ref"],
            jose["source"], jose["notes"]) == (
        "José", "Núñez", "jose@example.es", "C/ Mayor 1", "Madrid", "Madrid", "28001",
        dt.date(1980, 6, 15), "R-1", "feria", "llamar tarde")
    assert jose["custom"] == {"n_poliza": "P-9"}
    assert jose["time_zone"] == "Europe/Madrid"
    assert (jose["status"], jose["import_id"], str(jose["created_by"])) == ("new", row["id"],
                                                                           SUPERVISOR1)
    # The time zone follows the number, as the leads trigger would set it: Gran Canaria.
    assert leads["+34928123456"]["time_zone"] == "Atlantic/Canary"
    history = db.execute("select operation, via, changed_by, changed_fields, new_values"
                         " from public.lead_history where lead_id = %s", (jose["id"],)).fetchall()
    assert len(history) == 1
    operation, via, changed_by, fields, new_values = history[0]
    assert (operation, via, str(changed_by)) == ("insert", "lead_import", SUPERVISOR1)
    assert fields == sorted(k for k, v in new_values.items() if v is not None)
    assert new_values["phone"] == "+34612345678" and "updated_at" not in new_values


def test_english_headers_tab_utf8_bom(supervisor: Client, db: psycopg.Connection,
                                      campaign: str) -> None:
    data = b"\xef\xbb\xbf" + csv_bytes([
        ["First Name", "Last name", "Mobile", "E-mail", "City", "Zip", "Birth date", "Plan"],
        ["Ann", "Lee", "0034 699 111 222", "ann@example.com", "Sevilla", "41001", "1990-02-03",
         "gold"],
    ], delimiter="\t")
    row = run_import(supervisor, db, campaign, data)
    assert (row["status"], row["imported"]) == ("done", 1), row["error"]
    lead = leads_of(db, campaign)["+34699111222"]
    assert (lead["first_name"], lead["last_name"], lead["email"], lead["city"],
            lead["postal_code"], lead["custom"]) == ("Ann", "Lee", "ann@example.com", "Sevilla",
                                                     "41001", {"plan": "gold"})


def test_commas_with_quotes_and_plain_utf8(supervisor: Client, db: psycopg.Connection,
                                           campaign: str) -> None:
    data = csv_bytes([["nombre", "telefono", "direccion"],
                      ["Íñigo", "612000001", "Calle Sol, 3; 2º"]])
    row = run_import(supervisor, db, campaign, data)
    assert (row["status"], row["imported"]) == ("done", 1), row["error"]
    lead = leads_of(db, campaign)["+34612000001"]
    assert (lead["first_name"], lead["address_line"]) == ("Íñigo", "Calle Sol, 3; 2º")


def test_xlsx(supervisor: Client, db: psycopg.Connection, campaign: str) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Nombre", "Móvil", "Fecha de nacimiento", "Importe"])
    sheet.append(["Ana", 612000002, dt.datetime(1985, 5, 4), 12.5])
    sheet.append([None, None, None, None])
    sheet.append(["Bea", "612 000 003", None, None])
    sheet.append(["", "612000004", None, None])
    out = io.BytesIO()
    book.save(out)
    row = run_import(supervisor, db, campaign, out.getvalue(), name="leads.xlsx")
    assert (row["status"], row["imported"], row["invalid"], row["processed_rows"]) == (
        "done", 2, 1, 3), row["error"]
    leads = leads_of(db, campaign)
    assert leads["+34612000002"]["birth_date"] == dt.date(1985, 5, 4)
    assert leads["+34612000002"]["custom"] == {"importe": "12.5"}
    assert errors_of(db, row["id"]) == [(5, "first_name", "first_name_missing")]


def test_every_kind_of_refused_row(supervisor: Client, db: psycopg.Connection,
                                   campaign: str) -> None:
    other = make_campaign(db)
    db.execute("insert into public.do_not_call (phone, campaign_id) values"
               " ('+34612000020', null), ('+34612000021', %s), ('+34612000022', %s)",
               (campaign, other))
    db.execute("insert into public.leads (campaign_id, first_name, phone, external_ref)"
               " values (%s, 'Ya', '+34612000030', 'EXT-1'), (%s, 'Otra', '+34612000031', null)",
               (campaign, other))
    rows = [
        ["nombre", "telefono", "email", "fecha de nacimiento", "referencia", "notas"],
        ["Ok", "612000010", "", "", "", ""],                          # 2 imported
        ["Mal", "12345", "", "", "", ""],                             # 3 phone_invalid
        ["Sin", "", "", "", "", ""],                                  # 4 phone_missing
        ["", "612000011", "", "", "", ""],                            # 5 first_name_missing
        ["Mail", "612000012", "no-es-correo", "", "", ""],            # 6 email_invalid
        ["Fecha", "612000013", "", "31/02/1980", "", ""],             # 7 birth_date_invalid
        ["Futuro", "612000014", "", "01/01/2999", "", ""],            # 8 birth_date_invalid
        ["Largo", "612000015", "", "", "", "x" * 4001],               # 9 too_long
        ["Dup", "+34 612 000 010", "", "", "", ""],                   # 10 duplicate_in_file
        ["Dnc", "612000020", "", "", "", ""],                         # 11 do_not_call (company)
        ["Dnc2", "612000021", "", "", "", ""],                        # 12 do_not_call (campaign)
        ["DncOtra", "612000022", "", "", "", ""],                     # 13 imported (other list)
        ["Ya", "612000030", "", "", "", ""],                          # 14 duplicate_in_campaign
        ["Ref", "612000032", "", "", "EXT-1", ""],                    # 15 duplicate (external_ref)
        ["OtraCamp", "612000031", "", "", "", ""],                    # 16 imported
        ["Dos", "612000016", "malo", "", "", ""],                     # 17 two errors, one row
        ["Dos", "612000016", "", "", "", "", "extra"],                # 18 row_malformed
    ]
    data = csv_bytes(rows)
    row = run_import(supervisor, db, campaign, data)
    assert row["status"] == "done", row["error"]
    assert errors_of(db, row["id"]) == [
        (3, "phone", "phone_invalid"), (4, "phone", "phone_missing"),
        (5, "first_name", "first_name_missing"), (6, "email", "email_invalid"),
        (7, "birth_date", "birth_date_invalid"), (8, "birth_date", "birth_date_invalid"),
        (9, "notes", "too_long"), (10, "phone", "duplicate_in_file"),
        (11, "phone", "do_not_call"), (12, "phone", "do_not_call"),
        (14, "phone", "duplicate_in_campaign"), (15, "external_ref", "duplicate_in_campaign"),
        (17, "email", "email_invalid"),
        (18, "", "row_malformed"),
    ]
    assert (row["processed_rows"], row["imported"], row["invalid"], row["duplicates"],
            row["do_not_call"]) == (17, 3, 9, 3, 2)
    assert set(leads_of(db, campaign)) == {"+34612000010", "+34612000022", "+34612000031",
                                           "+34612000030"}
    # The error report: every refused row, readable by the uploader.
    report = supervisor.storage.from_("lead-imports").download(row["error_report_path"])
    lines = list(csv.reader(io.StringIO(report.decode("utf-8-sig"))))
    assert lines[0] == ["line", "field", "code", "message", "row"]
    assert [(int(r[0]), r[1], r[2]) for r in lines[1:]] == errors_of(db, row["id"])
    assert row["error_report_path"] == f"{SUPERVISOR1}/errors/{row['id']}.csv"
    raw = json.loads(next(r for r in lines if r[2] == "phone_invalid")[4])
    assert raw["telefono"] == "12345"


def test_duplicates_update_the_existing_lead(supervisor: Client, db: psycopg.Connection,
                                             campaign: str) -> None:
    lead_id = db.execute(
        "insert into public.leads (campaign_id, first_name, last_name, phone, city, custom)"
        " values (%s, 'Viejo', 'Apellido', '+34612000040', 'Soria', '{\"a\": \"1\"}')"
        " returning id", (campaign,)).fetchone()[0]
    data = csv_bytes([["nombre", "telefono", "ciudad", "email", "extra"],
                      ["Nuevo", "612000040", "Teruel", "n@example.es", "x"],
                      ["Otro", "612000041", "", "", ""]])
    row = run_import(supervisor, db, campaign, data, {"duplicates": "update"})
    assert (row["status"], row["imported"], row["updated"], row["duplicates"]) == (
        "done", 1, 1, 0), row["error"]
    lead = leads_of(db, campaign)["+34612000040"]
    assert (lead["id"], lead["first_name"], lead["last_name"], lead["city"], lead["email"],
            lead["custom"]) == (lead_id, "Nuevo", "Apellido", "Teruel", "n@example.es",
                                {"a": "1", "extra": "x"})
    assert lead["import_id"] is None  # made before, not by the import
    via = db.execute("select via, changed_fields from public.lead_history where lead_id = %s"
                     " and operation = 'update'", (lead_id,)).fetchall()
    assert via == [("lead_import", ["city", "custom", "email", "first_name"])]

    # The same file with the default (skip): refused as duplicates, nothing changed.
    row = run_import(supervisor, db, campaign, data)
    assert (row["imported"], row["updated"], row["duplicates"]) == (0, 0, 2)


def test_default_region_option_and_campaign_country(supervisor: Client, db: psycopg.Connection
                                                    ) -> None:
    mexico = make_campaign(db, country="MX", time_zone="America/Mexico_City")
    data = csv_bytes([["name", "phone"], ["Luis", "55 1234 5678"], ["Eva", "612000050"]])
    row = run_import(supervisor, db, mexico, data)
    assert (row["imported"], row["invalid"]) == (1, 1)
    assert set(leads_of(db, mexico)) == {"+525512345678"}
    row = run_import(supervisor, db, mexico, data, {"default_region": "ES"})
    assert (row["imported"], row["invalid"]) == (1, 1)
    assert set(leads_of(db, mexico)) == {"+525512345678", "+34612000050"}


def test_preview_then_confirm_with_a_new_mapping(supervisor: Client, db: psycopg.Connection,
                                                 campaign: str) -> None:
    data = csv_bytes([["Nombre", "Tel", "Columna rara"]]
                     + [[f"N{i}", f"6120001{i:02d}", f"v{i}"] for i in range(30)]
                     + [["", "1", ""]], delimiter=";")
    path = upload(supervisor, data)
    started = start(supervisor, campaign, path, {"preview": True})
    assert started["status"] == "previewing"
    row = wait_ended(db, started["id"])
    assert row["status"] == "previewed", row["error"]
    preview = row["preview"]
    assert (preview["delimiter"], preview["encoding"], preview["headers"]) == (
        ";", "utf-8", ["Nombre", "Tel", "Columna rara"])
    assert preview["mapping"] == {"Nombre": "first_name", "Tel": "phone",
                                  "Columna rara": "custom:columna_rara"}
    assert "email" in preview["fields"] and preview["total_rows_estimate"] == 31
    assert len(preview["rows"]) == 20
    assert preview["rows"][0] == {"line": 2, "errors": [], "values": {
        "first_name": "N0", "phone": "+34612000100", "custom:columna_rara": "v0"}}
    assert leads_of(db, campaign) == {}
    # Nothing happens until it is confirmed; confirm once, with the odd column ignored.
    with pytest.raises(APIError) as refused:
        supervisor.rpc("confirm_lead_import", {"p_import_id": row["id"],
                                               "p_options": {"mapping": {"Tel": "nope"}}}).execute()
    assert refused.value.code == "22023" and "p_options.mapping.Tel" in refused.value.message
    confirmed = supervisor.rpc("confirm_lead_import", {
        "p_import_id": row["id"], "p_options": {"mapping": {"Columna rara": "ignore"}}}).execute()
    assert confirmed.data["status"] == "queued"
    row = wait_ended(db, row["id"], statuses=("done", "failed", "cancelled"))
    assert (row["status"], row["imported"], row["invalid"]) == ("done", 30, 1), row["error"]
    assert all(lead["custom"] == {} for lead in leads_of(db, campaign).values())
    with pytest.raises(APIError) as again:
        supervisor.rpc("confirm_lead_import", {"p_import_id": row["id"]}).execute()
    assert again.value.code == "PT409"


def test_cancel_before_the_worker_takes_it(supervisor: Client, db: psycopg.Connection,
                                           campaign: str) -> None:
    path = upload(supervisor, csv_bytes([["nombre", "telefono"], ["A", "612000060"]]))
    started = start(supervisor, campaign, path, {"preview": True})
    cancelled = supervisor.rpc("cancel_lead_import", {"p_import_id": started["id"]}).execute()
    # Cancelled at once (a preview the worker may be reading is then not written).
    assert (cancelled.data["status"], cancelled.data["cancel_requested"]) == ("cancelled", True)
    time.sleep(1.5)
    row = wait_ended(db, started["id"])
    assert (row["status"], row["preview"]) == ("cancelled", None)
    with pytest.raises(APIError) as refused:
        supervisor.rpc("cancel_lead_import", {"p_import_id": started["id"]}).execute()
    assert refused.value.code == "PT409"
    assert leads_of(db, campaign) == {}


def test_a_file_that_is_not_a_table_fails_with_a_reason(supervisor: Client, db: psycopg.Connection,
                                                       campaign: str) -> None:
    row = run_import(supervisor, db, campaign, b"PK\x03\x04 not really a workbook",
                     name="broken.xlsx")
    assert row["status"] == "failed" and "XLSX" in row["error"]
    row = run_import(supervisor, db, campaign, b"\n\n")
    assert row["status"] == "failed" and "header" in row["error"]


# -- who may do what ------------------------------------------------------------------------

def test_rights(sign_in, supervisor: Client, db: psycopg.Connection, campaign: str) -> None:
    agent = sign_in("agent1@demo.test")
    other_supervisor = sign_in("supervisor2@demo.test")
    data = csv_bytes([["nombre", "telefono"], ["A", "612000070"]])
    path = upload(supervisor, data)

    # An agent: no upload to the bucket, no import.
    with pytest.raises(StorageException):
        upload(agent, data)
    with pytest.raises(APIError) as refused:
        start(agent, campaign, path)
    assert refused.value.code == "42501"

    # Another campaign's supervisor: not their campaign, not their file, not their import.
    with pytest.raises(APIError) as refused:
        start(other_supervisor, campaign, path)
    assert refused.value.code == "PT404" and "p_campaign_id" in refused.value.message
    theirs = make_campaign(db, supervisor="00000000-0000-4000-a000-000000000012")
    with pytest.raises(APIError) as refused:
        start(other_supervisor, theirs, path)
    assert refused.value.code == "PT404" and "p_file" in refused.value.message
    with pytest.raises(StorageException):
        other_supervisor.storage.from_("lead-imports").download(path)

    # Unknown options are refused, naming the key.
    with pytest.raises(APIError) as refused:
        start(supervisor, campaign, path, {"duplicate": "skip"})
    assert refused.value.code == "22023" and "duplicate" in refused.value.message
    with pytest.raises(APIError) as refused:
        start(supervisor, campaign, path, {"default_region": "España"})
    assert refused.value.code == "22023" and "default_region" in refused.value.message

    row = run_import(supervisor, db, campaign,
                     csv_bytes([["nombre", "telefono"], ["A", "612000071"], ["B", "1"]]))
    assert row["error_report_path"]
    # The other supervisor sees neither the import, its errors nor its report; the agent neither.
    for client in (other_supervisor, agent):
        assert client.table("lead_imports").select("id").eq("id", row["id"]).execute().data == []
        assert client.table("lead_import_errors").select("id").eq(
            "import_id", row["id"]).execute().data == []
        with pytest.raises(StorageException):
            client.storage.from_("lead-imports").download(row["error_report_path"])
        with pytest.raises(APIError) as refused:
            client.rpc("cancel_lead_import", {"p_import_id": row["id"]}).execute()
        assert refused.value.code in ("PT404", "42501")
    # The uploader cannot overwrite or delete the worker's report.
    with pytest.raises(StorageException):
        supervisor.storage.from_("lead-imports").upload(
            row["error_report_path"], b"x", {"content-type": "text/csv", "upsert": "true"})
    # An admin manages every campaign: sees the import and reads the report.
    admin = sign_in("admin@demo.test")
    assert admin.table("lead_imports").select("id").eq("id", row["id"]).execute().data
    assert admin.storage.from_("lead-imports").download(row["error_report_path"])
    # Nobody writes the tables through the API.
    with pytest.raises(APIError):
        supervisor.table("lead_imports").update({"status": "done"}).eq("id", row["id"]).execute()
    assert db.execute("select status from public.lead_imports where id = %s",
                      (row["id"],)).fetchone()[0] == "done"


def test_worker_is_alive(worker: subprocess.Popen) -> None:
    assert worker.poll() is None
