#!/usr/bin/env python3
"""Writes the synthetic sample workbooks of the GLAA and HMRC pipelines.

    pip install xlwt
    python3 pipelines/samples/make_spreadsheets.py

- glaa_licensing/glaa_licensing_2016.ods (pipelines glaa_licence_register
  and glaa_inspections): the GLAA licence register and its inspections, as
  LibreOffice writes an ODS (zip + XML, written here directly).
- hmrc_nmw/hmrc_nmw_cases_2016.xls (pipeline hmrc_nmw_enforcement): an HMRC
  National Minimum Wage enforcement extract, Excel 97-2003, with xlwt.

The Border Force sample (XLSX) is written by the spreadsheet plugin's
example: cargo run -p jstac-plugin-spreadsheet --example make_border_force_sample

Every business, person, reference and postcode here is invented. The files
carry the quirks of real extracts: title and marking rows above the header,
a hidden lookup sheet whose codes the data uses (GLAA sectors, HMRC
outcomes: the pipelines' [lookups] turn them into names), dates as date
cells, one error cell in a mapped field (its record goes to quarantine),
repeated empty rows at the end.
Both files are the same byte for byte on every run.
"""

import datetime
import os
import zipfile
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
FIXED = (2016, 7, 4, 9, 0, 0)

# ---------------------------------------------------------------- GLAA (ODS)

SECTORS = {
    "AGR": "Agriculture",
    "FPP": "Food processing and packaging",
    "SHF": "Shellfish gathering",
    "HRT": "Horticulture",
}

# Licence no, business, postcode, sector, status, issued, status date,
# principal authority (surname, forenames, date of birth, nationality), workers.
LICENCES = [
    ("GLAA-0100231", "Fenland Harvest Labour Ltd", "PE13 2QX", "AGR", "Licensed", (2011, 3, 14), None, ("KOWALSKA", "Agnieszka", (1979, 4, 2), "Polish"), 140),
    ("GLAA-0100232", "Wash Shellfish Gatherers Ltd", "PE12 9LT", "SHF", "Revoked", (2012, 6, 1), (2016, 5, 18), ("DUNMORE", "Keith", (1968, 11, 30), "British"), 35),
    ("GLAA-0100233", "Vale Packhouse Staffing Ltd", "WR11 4YZ", "FPP", "Licensed", (2013, 1, 21), None, ("SINGH", "Harpreet", (1981, 7, 7), "British"), 410),
    ("GLAA-0100234", "Boston Field Services Ltd", "PE21 7SG", "AGR", "Licensed", (2014, 9, 8), None, ("PETRAUSKAS", "Tomas", (1985, 2, 19), "Lithuanian"), 95),
    ("GLAA-0100235", "Kent Orchard Workforce Ltd", "ME17 3NP", "HRT", "Surrendered", (2010, 4, 12), (2016, 3, 31), ("BARNES", "Helen", (1959, 9, 3), "British"), 60),
    ("GLAA-0100236", "Humber Poultry Labour Ltd", "DN18 5RE", "FPP", "Licensed", (2015, 2, 2), None, ("POPA", "Constantin", (1977, 12, 24), "Romanian"), 220),
    ("GLAA-0100237", "Cornish Coast Shellfish Ltd", "TR18 4EW", "SHF", "Licensed", (2012, 8, 27), None, ("TREWIN", "Mark", (1972, 1, 15), "British"), 18),
    ("GLAA-0100238", "Evesham Salad Pickers Ltd", "WR11 1DB", "HRT", "Revoked", (2014, 5, 19), (2016, 2, 9), ("DIMITROV", "Georgi", (1983, 6, 11), "Bulgarian"), 75),
    ("GLAA-0100239", "Lincs Veg Prep Staffing Ltd", "LN11 0JH", "FPP", "Licensed", (2011, 11, 7), None, ("OKONKWO", "Chidi", (1980, 10, 5), "Nigerian"), 180),
    ("GLAA-0100240", "Tayside Soft Fruit Labour Ltd", "PH2 7NX", "AGR", "Licensed", (2013, 4, 29), None, ("MACLEOD", "Fiona", (1975, 3, 22), "British"), 260),
    ("GLAA-0100241", "Morecambe Bay Gatherers Ltd", "LA4 4DA", "SHF", "Expired", (2009, 7, 13), (2015, 7, 13), ("HALL", "Derek", (1957, 8, 17), "British"), 12),
    ("GLAA-0100242", "Thanet Flower Workers Ltd", "CT12 5HE", "HRT", "Licensed", (2015, 10, 5), None, ("NGUYEN", "Thi Huong", (1986, 5, 27), "Vietnamese"), 45),
    ("GLAA-0100243", "Herefordshire Hop Crews Ltd", "HR1 3SP", "AGR", "Licensed", (2012, 2, 20), None, ("WOJCIK", "Marek", (1978, 9, 9), "Polish"), 70),
    ("GLAA-0100244", "Norfolk Turkey Packers Ltd", "NR20 4AB", "FPP", "Revoked", (2013, 9, 16), (2016, 6, 22), ("HOXHA", "Gentian", (1982, 4, 4), "Albanian"), 130),
    ("GLAA-0100245", "Cheshire Dairy Relief Ltd", "CW5 8LP", "AGR", "Licensed", (2014, 1, 6), None, ("EVANS", "Rhian", (1984, 12, 12), "British"), 25),
    ("GLAA-0100246", "Solent Seafood Processing Ltd", "SO14 3JD", "FPP", "Licensed", (2016, 1, 18), None, ("RAHMAN", "Shafiqul", (1976, 6, 30), "Bangladeshi"), 150),
    ("GLAA-0100247", "Angus Potato Squads Ltd", "DD8 3TS", "AGR", "Licensed", (2011, 5, 23), None, ("KOVACS", "Andras", (1981, 1, 28), "Hungarian"), 55),
    ("GLAA-0100248", "Lea Valley Glasshouse Staff Ltd", "EN9 1NQ", "HRT", "Licensed", (2015, 6, 15), None, ("IONESCU", "Elena", (1988, 8, 8), "Romanian"), 90),
]

# Inspection ref, licence no, date, type, outcome, critical standards failed, workers interviewed.
INSPECTIONS = [
    ("INS-16-001", "GLAA-0100232", (2016, 1, 12), "Compliance", "Fail", 3, 9),
    ("INS-16-002", "GLAA-0100236", (2016, 1, 19), "Compliance", "Pass", 0, 12),
    ("INS-16-003", "GLAA-0100238", (2016, 1, 26), "Compliance", "Fail", 2, 7),
    ("INS-16-004", "GLAA-0100246", (2016, 2, 2), "Application", "Pass", 0, 5),
    ("INS-16-005", "GLAA-0100231", (2016, 2, 16), "Compliance", "Pass with additional conditions", 0, 15),
    ("INS-16-006", "GLAA-0100244", (2016, 3, 1), "Compliance", "Pass with additional conditions", 0, 11),
    ("INS-16-007", "GLAA-0100239", (2016, 3, 8), "Compliance", "Pass", 0, 10),
    ("INS-16-008", "GLAA-0100232", (2016, 3, 22), "Compliance", "Fail", 4, 6),
    ("INS-16-009", "GLAA-0100242", (2016, 4, 5), "Compliance", "Pass", 0, 8),
    ("INS-16-010", "GLAA-0100244", (2016, 4, 19), "Compliance", "Fail", 2, 14),
    ("INS-16-011", "GLAA-0100240", (2016, 5, 3), "Compliance", "Pass", 0, 20),
    ("INS-16-012", "GLAA-0100233", (2016, 5, 10), "Compliance", "Pass", 0, 18),
    ("INS-16-013", "GLAA-0100248", (2016, 5, 24), "Compliance", "Pass with additional conditions", 0, 9),
    ("INS-16-014", "GLAA-0100244", (2016, 6, 7), "Compliance", "Fail", 5, 16),
    ("INS-16-015", "GLAA-0100247", (2016, 6, 14), "Compliance", "Pass", 0, 7),
    ("INS-16-016", "GLAA-0100234", (2016, 6, 21), "Compliance", "Pass", 0, 10),
    # The outcome is a formula on the hidden sheet whose reference broke:
    # LibreOffice saved its error (Err:502).
    ("INS-16-017", "GLAA-0100245", (2016, 6, 28), "Compliance", "Err:502", 0, 4),
    ("INS-16-018", "GLAA-0100237", (2016, 6, 30), "Compliance", "Pass", 0, 6),
]

ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
    'office:version="1.2"'
)


def text_cell(value, extra=""):
    return (f'<table:table-cell office:value-type="string" calcext:value-type="string"{extra}>'
            f"<text:p>{escape(value)}</text:p></table:table-cell>")


def date_cell(ymd):
    if ymd is None:
        return "<table:table-cell/>"
    d = datetime.date(*ymd)
    return (f'<table:table-cell table:style-name="ce_date" office:value-type="date" '
            f'office:date-value="{d.isoformat()}" calcext:value-type="date">'
            f'<text:p>{d.strftime("%d/%m/%Y")}</text:p></table:table-cell>')


def float_cell(value):
    return (f'<table:table-cell office:value-type="float" office:value="{value}" calcext:value-type="float">'
            f"<text:p>{value}</text:p></table:table-cell>")


def error_cell(formula, error):
    return (f'<table:table-cell table:formula="{escape(formula)}" office:value-type="string" '
            f'office:string-value="" calcext:value-type="error"><text:p>{escape(error)}</text:p></table:table-cell>')


def row(cells, repeat=None, tail=1024):
    attr = f' table:number-rows-repeated="{repeat}"' if repeat else ""
    rest = tail - len(cells)
    filler = f'<table:table-cell table:number-columns-repeated="{rest}"/>' if rest > 0 else ""
    return f"<table:table-row{attr}>{''.join(cells)}{filler}</table:table-row>"


def table(name, rows, style="ta1"):
    end = row([], 1048576 - len(rows))
    return f'<table:table table:name="{escape(name)}" table:style-name="{style}">{"".join(rows)}{end}</table:table>'


def make_glaa(path):
    readme = [
        row([text_cell("Gangmasters and Labour Abuse Authority: licensing extract")]),
        row([text_cell("Synthetic sample for jstac. Sheets: Licence register, Inspections.")]),
        row([text_cell("Sector codes are on a hidden sheet.")]),
    ]
    register_header = ["Licence No", "Business Name", "Postcode", "Sector", "Licence Status",
                       "Date Issued", "Status Date", "PA Surname", "PA Forenames",
                       "PA Date of Birth", "PA Nationality", "Workers Supplied"]
    register = [
        row([text_cell("GLAA licence register", ' table:number-columns-spanned="12" table:number-rows-spanned="1"'),
             '<table:covered-table-cell table:number-columns-repeated="11"/>']),
        row([text_cell("OFFICIAL-SENSITIVE")]),
        row([text_cell("As at"), date_cell((2016, 6, 30))]),
        row([]),
        row([text_cell(h) for h in register_header]),
    ]
    for (number, business, postcode, sector, status, issued, status_date,
         (surname, forenames, dob, nationality), workers) in LICENCES:
        register.append(row([
            text_cell(number), text_cell(business), text_cell(postcode),
            text_cell(sector), text_cell(status), date_cell(issued),
            date_cell(status_date), text_cell(surname), text_cell(forenames),
            date_cell(dob), text_cell(nationality), float_cell(workers),
        ]))
    inspections_header = ["Inspection Ref", "Licence No", "Inspection Date", "Inspection Type",
                          "Outcome", "Critical Standards Failed", "Workers Interviewed"]
    inspections = [
        row([text_cell("GLAA inspections, January to June 2016")]),
        row([text_cell("OFFICIAL-SENSITIVE")]),
        row([]),
        row([text_cell(h) for h in inspections_header]),
    ]
    for index, (ref, licence, date, kind, outcome, failed, interviewed) in enumerate(INSPECTIONS):
        if index == 9:
            inspections.append(row([], 2))  # two empty rows mid-table
        outcome_cell = (error_cell("of:=VLOOKUP([.F22];$'Sector codes'.$A$1:$B$4;3;0)", outcome)
                        if outcome.startswith("Err:") else text_cell(outcome))
        inspections.append(row([
            text_cell(ref), text_cell(licence), date_cell(date), text_cell(kind),
            outcome_cell, float_cell(failed), float_cell(interviewed),
        ]))
    codes = [row([text_cell(code), text_cell(name)]) for code, name in SECTORS.items()]

    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<office:document-content {ODS_NS}>"
        "<office:automatic-styles>"
        '<style:style style:name="ta1" style:family="table"><style:table-properties table:display="true"/></style:style>'
        '<style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style>'
        '<number:date-style style:name="N37"><number:day number:style="long"/><number:text>/</number:text>'
        '<number:month number:style="long"/><number:text>/</number:text><number:year number:style="long"/></number:date-style>'
        '<style:style style:name="ce_date" style:family="table-cell" style:data-style-name="N37"/>'
        "</office:automatic-styles>"
        "<office:body><office:spreadsheet>"
        + table("Read me", readme)
        + table("Licence register", register)
        + table("Inspections", inspections)
        + table("Sector codes", codes, "ta2")
        + "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype", FIXED),
                   "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr(zipfile.ZipInfo("content.xml", FIXED), content, zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo("META-INF/manifest.xml", FIXED), manifest, zipfile.ZIP_DEFLATED)


# ---------------------------------------------------------------- HMRC (XLS)

# Case ref, employer, postcode, sector, opened, closed, outcome,
# total arrears (None: the cell holds #DIV/0!), workers:
# (worker ref, surname, forenames, date of birth, nationality, arrears, hourly rate paid).
CASES = [
    ("NMW-16-00412", "Midlands Hand Car Wash Ltd", "B9 4AA", "Car washes", (2016, 1, 11), (2016, 4, 29), "Arrears and penalty", 6480.00, [
        ("HW-300101", "BEGA", "Ilir", (1990, 3, 3), "Albanian", 2160.00, 3.50),
        ("HW-300102", "KOLA", "Besnik", (1994, 7, 21), "Albanian", 2160.00, 3.50),
        ("HW-300103", "DOKAJ", "Arjan", (1992, 12, 2), "Albanian", 2160.00, 3.50),
    ]),
    ("NMW-16-00418", "Golden Nails Studio", "NE1 5DL", "Nail bars", (2016, 1, 25), (2016, 5, 13), "Arrears and penalty", 3921.60, [
        ("HW-300110", "NGUYEN", "Thi Thu", (1997, 5, 30), "Vietnamese", 1960.80, 2.90),
        ("HW-300111", "TRAN", "Thi Lan", (1999, 1, 14), "Viet Nam", 1960.80, 2.90),
    ]),
    ("NMW-16-00427", "Leicester Garment Works Ltd", "LE1 2HN", "Textiles", (2016, 2, 8), None, "Investigation open", 14850.00, [
        ("HW-300120", "BEGUM", "Rokeya", (1971, 10, 10), "Bangladeshi", 4950.00, 3.25),
        ("HW-300121", "KHATUN", "Salma", (1980, 4, 18), "Bangladeshi", 4950.00, 3.25),
        ("HW-300122", "PATEL", "Hansaben", (1966, 2, 27), "Indian", 4950.00, 3.25),
    ]),
    ("NMW-16-00433", "Sunrise Care at Home Ltd", "BS5 6XX", "Social care", (2016, 2, 22), (2016, 6, 10), "Arrears paid, no penalty", 2214.40, [
        ("HW-300130", "OKAFOR", "Ngozi", (1985, 8, 19), "Nigerian", 1107.20, 6.20),
        ("HW-300131", "SANTOS", "Rowena", (1979, 11, 3), "Philippine", 1107.20, 6.20),
    ]),
    ("NMW-16-00440", "Fenland Pack Agency Ltd", "PE13 1BB", "Food processing", (2016, 3, 7), (2016, 6, 24), "Arrears and penalty", 9120.00, [
        ("HW-300140", "PETRAUSKAS", "Jonas", (1989, 6, 6), "Lithuanian", 2280.00, 5.90),
        ("HW-300141", "KAZLAUSKAS", "Rasa", (1991, 9, 15), "Lithuanian", 2280.00, 5.90),
        ("HW-300142", "NOWAK", "Kamil", (1995, 2, 1), "Polish", 2280.00, 5.90),
        ("HW-300143", "POPA", "Vasile", (1987, 3, 23), "Romanian", 2280.00, 5.90),
    ]),
    ("NMW-16-00452", "Station Road Takeaway", "M14 5RG", "Hospitality", (2016, 3, 21), None, "Investigation open", None, [
        # Total arrears is a formula that divided by a zero hours total.
        ("HW-300150", "WANG", "Jun", (1993, 12, 25), "Chinese", 3400.00, 4.00),
    ]),
    ("NMW-16-00458", "Clean Sweep Contractors Ltd", "SE1 7PB", "Cleaning", (2016, 4, 4), (2016, 6, 30), "Arrears paid, no penalty", 1296.00, [
        ("HW-300160", "MENDES", "Ana Paula", (1983, 7, 7), "Portuguese", 648.00, 6.00),
        ("HW-300161", "SILVA", "Joao", (1981, 5, 9), "Portuguese", 648.00, 6.00),
    ]),
    ("NMW-16-00463", "Hillside Farm Partnership", "HR4 8DE", "Agriculture", (2016, 4, 18), None, "Referred to GLAA", 5040.00, [
        ("HW-300170", "DIMITROV", "Ivan", (1977, 1, 30), "Bulgarian", 1680.00, 4.80),
        ("HW-300171", "GEORGIEV", "Petar", (1984, 10, 12), "Bulgarian", 1680.00, 4.80),
        ("HW-300172", "STOYANOVA", "Maria", (1990, 4, 4), "Bulgarian", 1680.00, 4.80),
    ]),
    ("NMW-16-00471", "Riverside Hotel (Bath) Ltd", "BA1 1SU", "Hospitality", (2016, 5, 9), None, "Investigation open", 2600.00, [
        ("HW-300180", "HORVATH", "Eszter", (1996, 8, 8), "Hungarian", 1300.00, 6.10),
        ("HW-300181", "SMITH", "Callum", (1998, 2, 14), "British", 1300.00, 5.30),
    ]),
    ("NMW-16-00478", "Quick Fix Hand Car Wash", "LS9 8AB", "Car washes", (2016, 5, 23), None, "Investigation open", 4320.00, [
        ("HW-300190", "AHMADI", "Reza", (1994, 9, 9), "Iranian", 2160.00, 3.00),
        ("HW-300191", "HASSAN", "Omar", (1997, 3, 17), "Sudanese", 2160.00, 3.00),
    ]),
]


OUTCOME_CODES = {
    "Arrears and penalty": "AP",
    "Arrears paid, no penalty": "AN",
    "Investigation open": "IO",
    "Referred to GLAA": "RG",
}


def make_hmrc(path):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    codes = book.add_sheet("Codes")
    for r, (code, meaning) in enumerate([("Code", "Outcome")]
                                        + [(c, m) for m, c in OUTCOME_CODES.items()]):
        codes.write(r, 0, code)
        codes.write(r, 1, meaning)
    codes.visibility = 1  # hidden
    codes.set_selected(False)
    sheet = book.add_sheet("NMW cases")
    sheet.set_selected(True)
    book.active_sheet = 1

    title = xlwt.easyxf("font: bold on, height 280")
    bold = xlwt.easyxf("font: bold on")
    date = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    money = xlwt.easyxf(num_format_str="#,##0.00")
    header = ["Case Ref", "Employer", "Employer Postcode", "Sector", "Case Opened", "Case Closed",
              "Outcome", "Total Arrears (£)", "Workers Affected", "Worker Ref", "Surname", "Forenames",
              "Date of Birth", "Nationality", "Worker Arrears (£)", "Hourly Rate Paid (£)"]
    sheet.write_merge(0, 0, 0, len(header) - 1, "HM Revenue & Customs: National Minimum Wage enforcement cases", title)
    sheet.write(1, 0, "OFFICIAL-SENSITIVE")
    sheet.write(2, 0, "Extract date")
    sheet.write(2, 1, datetime.date(2016, 7, 4), date)
    for c, name in enumerate(header):
        sheet.write(4, c, name, bold)
    r = 5
    for case_ref, employer, postcode, sector, opened, closed, outcome, total, workers in CASES:
        for worker_ref, surname, forenames, dob, nationality, arrears, rate in workers:
            sheet.write(r, 0, case_ref)
            sheet.write(r, 1, employer)
            sheet.write(r, 2, postcode)
            sheet.write(r, 3, sector)
            sheet.write(r, 4, datetime.date(*opened), date)
            if closed:
                sheet.write(r, 5, datetime.date(*closed), date)
            sheet.write(r, 6, OUTCOME_CODES[outcome])
            if total is None:
                sheet.row(r).set_cell_error(7, 0x07)  # #DIV/0!
            else:
                sheet.write(r, 7, total, money)
            sheet.write(r, 8, len(workers))
            sheet.write(r, 9, worker_ref)
            sheet.write(r, 10, surname)
            sheet.write(r, 11, forenames)
            sheet.write(r, 12, datetime.date(*dob), date)
            sheet.write(r, 13, nationality)
            sheet.write(r, 14, arrears, money)
            sheet.write(r, 15, rate, money)
            r += 1
    os.makedirs(os.path.dirname(path), exist_ok=True)
    book.save(path)


def main():
    make_glaa(os.path.join(HERE, "glaa_licensing", "glaa_licensing_2016.ods"))
    make_hmrc(os.path.join(HERE, "hmrc_nmw", "hmrc_nmw_cases_2016.xls"))


if __name__ == "__main__":
    main()
