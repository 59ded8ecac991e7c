"""The lead export (report 'leads'): a selection as the bulk actions take it, rendered by the real
exporter as its requester, with every lead column and the custom fields, formulas kept as text."""

from __future__ import annotations

import csv
import io
import uuid

import httpx
import openpyxl
import pytest
from postgrest.exceptions import APIError

from tests.reporting.test_exports import process, request, settings_for
from workers.reporting.exports import Exporter
from workers.reporting.telemetry import Metrics

CAMPAIGN_1 = "00000000-0000-4000-b000-000000000001"  # supervisor1's
CAMPAIGN_3 = "00000000-0000-4000-b000-000000000003"  # supervisor2's
SOURCE = "lead-export-test"


@pytest.fixture
def exporter(stack):
    made: list[Exporter] = []

    def make() -> Exporter:
        made.append(Exporter(settings_for(stack), Metrics()))
        made[-1].connect()
        return made[-1]

    yield make
    for e in made:
        e.close()


@pytest.fixture
def export_leads(db):
    """Three leads of a source of their own: two in supervisor1's campaign, one in supervisor2's."""
    ids = [str(uuid.uuid4()) for _ in range(3)]
    rows = [
        (ids[0], CAMPAIGN_1, "=cmd|' /C calc'!A0", "Núñez", "+34612000001", "{+34912000001}",
         '{"edad": 41, "poliza": "=HYPERLINK(\\"http://x\\")"}', "2026-11-01 10:00+00"),
        (ids[1], CAMPAIGN_1, "Begoña", "Ibáñez", "+34612000002", "{}", '{"edad": 35}',
         "2026-11-02 10:00+00"),
        (ids[2], CAMPAIGN_3, "Otro", "Cliente", "+5215512000003", "{}", '{"secreto": "B"}',
         "2026-11-03 10:00+00"),
    ]
    for lead_id, campaign, first, last, phone, alternates, custom, created in rows:
        db.execute(
            "insert into public.leads (id, campaign_id, first_name, last_name, phone,"
            " alternate_phones, custom, source, created_at)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (lead_id, campaign, first, last, phone, alternates, custom, SOURCE, created))
    yield ids
    db.execute("delete from public.leads where source = %s", (SOURCE,))


def test_csv_export_of_a_filter_holds_the_requesters_leads(sign_in, db, exporter, export_leads):
    supervisor = sign_in("supervisor1@demo.test")
    queued = request(supervisor, "leads", {"selection": {"filter": {"source": SOURCE}}}, "csv")
    assert queued["params"] == {"selection": {"filter": {"source": SOURCE}}}
    row = process(exporter(), db, queued["id"])
    assert row["status"] == "done", row
    assert (row["rows_done"], row["rows_total"]) == (2, 2)  # not supervisor2's lead

    body = httpx.get(row["signed_url"])
    assert body.status_code == 200
    assert "leads_" in body.headers["content-disposition"]
    lines = list(csv.DictReader(io.StringIO(body.content.decode("utf-8"))))
    assert [line["lead_id"] for line in lines] == export_leads[:2]  # oldest first
    first = lines[0]
    assert list(first)[:6] == ["lead_id", "campaign", "status", "first_name", "last_name", "phone"]
    assert {"owner", "attempts", "last_outcome", "next_call_at", "consent_contact", "source",
            "external_ref", "created_at"} <= set(first)
    # The custom fields of the selection, one column each; supervisor2's key is not there.
    assert [c for c in first if c.startswith("custom.")] == ["custom.edad", "custom.poliza"]
    assert (first["custom.edad"], lines[1]["custom.poliza"]) == ("41", "")
    # Formula-injection rule: text that a spreadsheet would run is quoted, numbers included.
    assert first["first_name"] == "'=cmd|' /C calc'!A0"
    assert first["custom.poliza"] == "'=HYPERLINK(\"http://x\")"
    assert first["phone"] == "'+34612000001"
    assert first["alternate_phones"] == "'+34912000001"
    assert (first["campaign"], first["last_name"], first["status"]) == (
        "Vida Riesgo España", "Núñez", "new")


def test_xlsx_export_of_ids_skips_what_the_requester_does_not_run(sign_in, db, exporter,
                                                                   export_leads):
    supervisor = sign_in("supervisor1@demo.test")
    queued = request(supervisor, "leads", {"selection": {"ids": export_leads}}, "xlsx")
    row = process(exporter(), db, queued["id"])
    assert row["status"] == "done", row
    assert row["rows_total"] == 2
    sheet = openpyxl.load_workbook(io.BytesIO(httpx.get(row["signed_url"]).content)).active
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = cells[0]
    assert [r[header.index("lead_id")] for r in cells[1:]] == export_leads[:2]
    formula = sheet.cell(row=2, column=header.index("first_name") + 1)
    assert (formula.data_type, formula.value, formula.quotePrefix) == (
        "s", "=cmd|' /C calc'!A0", True)
    assert cells[1][header.index("attempts")] == 0  # numbers stay numbers

    admin = sign_in("admin@demo.test")
    queued = request(admin, "leads", {"selection": {"ids": export_leads}}, "csv")
    row = process(exporter(), db, queued["id"])
    assert row["rows_total"] == 3  # admins: every campaign
    assert "custom.secreto" in httpx.get(row["signed_url"]).text.splitlines()[0]


def test_lead_export_rights_and_selection_are_checked(sign_in, db, exporter, export_leads):
    agent = sign_in("agent1@demo.test")
    with pytest.raises(APIError) as refused:
        request(agent, "leads", {"selection": {"filter": {}}}, "csv")
    assert (refused.value.code, refused.value.message) == (
        "42501", "p_report: exporting leads needs leads.export")

    supervisor = sign_in("supervisor1@demo.test")
    with pytest.raises(APIError) as bad:
        request(supervisor, "leads", {"selection": {"filter": {"colour": "red"}}}, "csv")
    assert (bad.value.code, bad.value.message) == (
        "22023", "p_selection.filter.colour: unknown key")
    with pytest.raises(APIError) as missing:
        request(supervisor, "leads", {}, "csv")
    assert missing.value.code == "22023" and missing.value.message.startswith("p_params.selection:")
    with pytest.raises(APIError) as unknown:
        request(supervisor, "leads", {"selection": {"ids": []}, "p_from": "2026-11-01"}, "csv")
    assert unknown.value.message == "p_params: unknown argument 'p_from' for report leads"

    # Rights are checked again when the file is made.
    queued = request(supervisor, "leads", {"selection": {"filter": {"source": SOURCE}}}, "csv")
    db.execute("delete from public.role_permissions where role = 'supervisor'"
               " and permission = 'leads.export'")
    try:
        row = process(exporter(), db, queued["id"])
    finally:
        db.execute("insert into public.role_permissions (role, permission)"
                   " values ('supervisor', 'leads.export')")
    assert (row["status"], row["error"]) == (
        "failed", "p_report: exporting leads needs leads.export")
    assert row["storage_path"] is None
