#!/usr/bin/python3
"""check_metrics.py OUT - checks OUT/metrics.json and OUT/metrics.csv, built from the
fixture tests/plugins/metrics/ with the cohort_metrics plugin, against metrics computed
BY HAND from the fixture's pages (never by running the plugin).

Each field and each CSV cell is one check; every mismatch is printed, and the last line
is "N passed, N failed". Exit status 1 on any mismatch. Numbers in metrics.json are
compared as the text written (never parsed into floats), so exponent forms, float noise
such as 120000.29000000001 and any difference from the same cell of metrics.csv fail.

The fixture (content/projects/, days counted from each project's first dated stage in
site.yaml order: need, prototype, patent_filed, transfer, startup):

  page     cohort department   need proto patent transfer startup  students (role student)
  alpha    2023   Cardiology   0    7     31     60       -        Li Na, Zhao Lei, Müller
  bravo    2023   Nursing      0    20    -      121      -        li na, Chen Yu, " MÜLLER "
  charlie  2023   Orthopedics  0    30    -      -        -        Zhao Lei (also as "zhao  LEI",
                                                                   "Zhao\tLei"), Sun Mei, Élodie
  delta    2022   Cardiology   0    10    61     184      275      Zhou Jie, LI NA
  echo     2022   Nursing      0    -     14     -        -        Qian Hui
  foxtrot  2024   Orthopedics  0    30    -      -        -        Sun Mei, Hu Bo, élodie
  golf     2024   Cardiology   0    14    -      -        -        Ma Lin (Zhou Jie: mentor)
  hotel    -      Cardiology   -    0     -      30       70       Zhou Jie, Wu Fang
  india    -      -            0    -     -      -        -        Li Na
  juliet   draft: excluded everywhere

  Day counts: alpha 2023-01-01 -> 01-08 = 7, -> 02-01 = 31, -> 03-02 = 31+28+1 = 60;
  bravo 2023-02-01 -> 02-21 = 20, -> 06-02 = 28+31+30+31+1 = 121; charlie 03-01 -> 03-31
  = 30; delta 2022-03-01 -> 03-11 = 10, -> 05-01 = 31+30 = 61, -> 09-01 = 61+31+30+31+31
  = 184, -> 12-01 = 184+30+31+30 = 275; echo 04-01 -> 04-15 = 14; foxtrot 2024-01-10 ->
  02-09 = 21+9 = 30; golf 02-01 -> 02-15 = 14; hotel starts at prototype 2021-06-01 ->
  07-01 = 30, -> 08-10 = 30+31+9 = 70.

  Students are counted by name, trimmed, with runs of white space made one space and
  case-folded: "Müller" and " MÜLLER " are one student, "Élodie" and "élodie" another
  (issue #8), "Zhao Lei", "zhao  LEI" and "Zhao<tab>Lei" one; a role is read the same way
  (" student ").

  Outcomes: alpha patents utility/granted + invention/filed (valid numbers; a wrong check
  digit, "bogus" and the first number again written without CN are not counted again),
  1 award, funding 100000 CNY, revenue 500000 CNY; bravo patent design/granted, funding
  19999.99 + 0.1 + 0.2 (no currency: CNY; exactly 20000.29 in cents), revenue 1000 USD; delta
  patents invention/granted + utility/granted + utility/filed, 2 awards, funding 300000
  CNY, revenue 250000 EUR, company + startup stage; echo patent utility/filed, funding
  5000 USD (and .nan and .inf, not counted), company (no startup stage); golf 1 award;
  hotel patent invention/granted, funding 1500.5 USD, revenue 80000 CNY, startup stage;
  india revenue 12345678901.23 CNY (printed as digits).
"""
import csv
import io
import json
import os
import sys
from decimal import Decimal
from fractions import Fraction

STAGES = ["need", "prototype", "patent_filed", "transfer", "startup"]


def group(projects, students, conversion_rate, stages, median_days, filed, granted, by_type,
          awards, startups, funding, revenue):
    return {
        "projects": projects,
        "students": students,
        "conversion_rate": conversion_rate,
        "stages": dict(zip(STAGES, stages)),
        "median_days": median_days,
        "patents": {"filed": filed, "granted": granted, "by_type": by_type},
        "awards": awards,
        "startups": startups,
        "funding": funding,
        "revenue": revenue,
    }


# Patent types and currencies that occur anywhere on the site are present in every group
# (0 when the group has none): design, invention, utility; funding CNY, USD; revenue CNY,
# EUR, USD. The draft's GBP funding must not appear.
EXPECTED = {
    "conversion_stage": "transfer",
    "overall": group(
        projects=9,            # alpha..india; juliet is a draft
        students=11,           # li na, zhao lei, müller, chen yu, sun mei, élodie, zhou jie, qian hui,
                               # hu bo, ma lin, wu fang
        conversion_rate=Fraction(4, 9),  # transfer: alpha, bravo, delta, hotel: 0.4444
        stages=[8, 7, 3, 4, 2],  # need: all but hotel; prototype: all but echo, india; ...
        median_days={
            "need": 0,            # eight zeros
            "prototype": 14,      # median of [0, 7, 10, 14, 20, 30, 30] = 14
            "patent_filed": 31,   # median of [14, 31, 61] = 31
            "transfer": 90.5,     # median of [30, 60, 121, 184] = (60 + 121) / 2 = 90.5
            "startup": 172.5,     # median of [70, 275] = 345 / 2 = 172.5
        },
        filed=8,               # alpha 2 + bravo 1 + delta 3 + echo 1 + hotel 1
        granted=5,             # alpha 1 + bravo 1 + delta 2 + hotel 1
        by_type={"design": 1, "invention": 3, "utility": 4},  # inv: alpha, delta, hotel; util: alpha, delta 2, echo
        awards=4,              # alpha 1 + delta 2 + golf 1
        startups=3,            # delta (stage and company, once), echo (company), hotel (stage)
        funding={"CNY": Decimal("420000.29"), "USD": Decimal("6500.5")},  # CNY 100000 + 20000.29 + 300000;
                                                                          # USD 5000 + 1500.5
        revenue={"CNY": Decimal("12346258901.23"), "EUR": 250000, "USD": 1000},  # CNY 500000 + 80000
                                                                                 # + 12345678901.23
    ),
    "by": {
        "cohort": {
            "2022": group(  # delta, echo
                projects=2, students=3,  # zhou jie, li na, qian hui
                conversion_rate=0.5,     # 1 / 2: delta
                stages=[2, 1, 2, 1, 1],
                median_days={"need": 0, "prototype": 10, "patent_filed": 37.5,  # median of [14, 61] = 75 / 2
                             "transfer": 184, "startup": 275},
                filed=4, granted=2,      # delta 3 + echo 1; delta 2
                by_type={"design": 0, "invention": 1, "utility": 3},
                awards=2, startups=2,
                funding={"CNY": 300000, "USD": 5000},
                revenue={"CNY": 0, "EUR": 250000, "USD": 0},
            ),
            "2023": group(  # alpha, bravo, charlie
                projects=3, students=6,  # li na (alpha, bravo), zhao lei (alpha, charlie), müller (alpha,
                                         # bravo), chen yu, sun mei, élodie
                conversion_rate=Fraction(2, 3),  # alpha, bravo: 0.6667
                stages=[3, 3, 1, 2, 0],
                median_days={"need": 0, "prototype": 20,  # median of [7, 20, 30] = 20
                             "patent_filed": 31,
                             "transfer": 90.5},            # median of [60, 121] = 181 / 2; no startup
                filed=3, granted=2,      # alpha 2 + bravo 1; alpha utility + bravo design
                by_type={"design": 1, "invention": 1, "utility": 1},
                awards=1, startups=0,
                funding={"CNY": Decimal("120000.29"), "USD": 0},  # 100000 + 20000.29 (no currency: CNY)
                revenue={"CNY": 500000, "EUR": 0, "USD": 1000},
            ),
            "2024": group(  # foxtrot, golf: no patent_filed, transfer or startup stage
                projects=2, students=4,  # sun mei, hu bo, élodie, ma lin (zhou jie is a mentor on golf)
                conversion_rate=0,
                stages=[2, 2, 0, 0, 0],
                median_days={"need": 0, "prototype": 22},  # median of [14, 30] = 44 / 2 = 22
                filed=0, granted=0,
                by_type={"design": 0, "invention": 0, "utility": 0},
                awards=1, startups=0,
                funding={"CNY": 0, "USD": 0},
                revenue={"CNY": 0, "EUR": 0, "USD": 0},
            ),
        },
        "department": {
            "Cardiology": group(  # alpha, delta, golf, hotel
                projects=4, students=6,  # li na, zhao lei, müller, zhou jie, ma lin, wu fang
                conversion_rate=0.75,    # 3 / 4: alpha, delta, hotel
                stages=[3, 4, 2, 3, 2],
                median_days={"need": 0,
                             "prototype": 8.5,     # median of [0, 7, 10, 14] = (7 + 10) / 2
                             "patent_filed": 46,   # median of [31, 61] = 92 / 2
                             "transfer": 60,       # median of [30, 60, 184] = 60
                             "startup": 172.5},    # median of [70, 275]
                filed=6, granted=4,      # alpha 2 + delta 3 + hotel 1; 1 + 2 + 1
                by_type={"design": 0, "invention": 3, "utility": 3},
                awards=4, startups=2,    # delta, hotel
                funding={"CNY": 400000, "USD": Decimal("1500.5")},
                revenue={"CNY": 580000, "EUR": 250000, "USD": 0},
            ),
            "Nursing": group(  # bravo, echo
                projects=2, students=4,  # li na, chen yu, müller, qian hui
                conversion_rate=0.5,     # 1 / 2: bravo
                stages=[2, 1, 1, 1, 0],
                median_days={"need": 0, "prototype": 20, "patent_filed": 14, "transfer": 121},
                filed=2, granted=1,
                by_type={"design": 1, "invention": 0, "utility": 1},
                awards=0, startups=1,    # echo, through its company
                funding={"CNY": Decimal("20000.29"), "USD": 5000},
                revenue={"CNY": 0, "EUR": 0, "USD": 1000},
            ),
            "Orthopedics": group(  # charlie, foxtrot: a department with no conversion
                projects=2, students=4,  # zhao lei, sun mei, élodie, hu bo
                conversion_rate=0,
                stages=[2, 2, 0, 0, 0],
                median_days={"need": 0, "prototype": 30},  # median of [30, 30]
                filed=0, granted=0,
                by_type={"design": 0, "invention": 0, "utility": 0},
                awards=0, startups=0,
                funding={"CNY": 0, "USD": 0},
                revenue={"CNY": 0, "EUR": 0, "USD": 0},
            ),
        },
    },
    # the pages counted, sorted (juliet is a draft); the build date is the latest page date
    "provenance": {
        "build_date": "2024-03-05",
        "definitions": "clinfolio-metrics/2",
        "pages": ["content/projects/%s.md" % p for p in
                  ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]],
    },
}

# metrics.csv: the documented column order; conversion_rate with 4 decimals at most,
# an absent median as an empty cell. Rows: overall, cohorts sorted, departments sorted.
EXPECTED_CSV = [
    ["group_type", "group", "projects", "students", "conversion_rate",
     "stages.need", "stages.prototype", "stages.patent_filed", "stages.transfer", "stages.startup",
     "median_days.need", "median_days.prototype", "median_days.patent_filed", "median_days.transfer",
     "median_days.startup", "patents.filed", "patents.granted", "awards", "startups",
     "funding.CNY", "funding.USD", "revenue.CNY", "revenue.EUR", "revenue.USD"],
    ["overall", "all", "9", "11", "0.4444", "8", "7", "3", "4", "2", "0", "14", "31", "90.5", "172.5",
     "8", "5", "4", "3", "420000.29", "6500.5", "12346258901.23", "250000", "1000"],
    ["cohort", "2022", "2", "3", "0.5", "2", "1", "2", "1", "1", "0", "10", "37.5", "184", "275",
     "4", "2", "2", "2", "300000", "5000", "0", "250000", "0"],
    ["cohort", "2023", "3", "6", "0.6667", "3", "3", "1", "2", "0", "0", "20", "31", "90.5", "",
     "3", "2", "1", "0", "120000.29", "0", "500000", "0", "1000"],
    ["cohort", "2024", "2", "4", "0", "2", "2", "0", "0", "0", "0", "22", "", "", "",
     "0", "0", "1", "0", "0", "0", "0", "0", "0"],
    ["department", "Cardiology", "4", "6", "0.75", "3", "4", "2", "3", "2", "0", "8.5", "46", "60", "172.5",
     "6", "4", "4", "2", "400000", "1500.5", "580000", "250000", "0"],
    ["department", "Nursing", "2", "4", "0.5", "2", "1", "1", "1", "0", "0", "20", "14", "121", "",
     "2", "1", "0", "1", "20000.29", "5000", "0", "0", "1000"],
    ["department", "Orthopedics", "2", "4", "0", "2", "2", "0", "0", "0", "0", "30", "", "", "",
     "0", "0", "0", "0", "0", "0", "0", "0", "0"],
]

passed = 0
failed = 0


def result(ok, message):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + message)


class Number(str):
    """A number of metrics.json, kept as the text written."""


def figure_text(want):
    """The text a figure must have in both files: integers as they are, sums of money to
    the cent (trailing zeros dropped), rates and medians rounded to 4 decimals."""
    if isinstance(want, Decimal):
        return format(want.normalize(), "f")
    if isinstance(want, Fraction):
        want = Decimal(want.numerator) / Decimal(want.denominator)
    d = Decimal(str(want)).quantize(Decimal("0.0001"))
    text = format(d.normalize(), "f")
    return "0" if text == "-0" else text


def compare(got, want, path):
    """Every key of want must be in got with the same value, and got has no other keys."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            result(False, "metrics.json %s: got %r, want a map" % (path, got))
            return
        for key in sorted(want):
            sub = path + "." + key if path else key
            if key not in got:
                result(False, "metrics.json %s: missing, want %r" % (sub, want[key]))
            else:
                compare(got[key], want[key], sub)
        for key in sorted(set(got) - set(want)):
            sub = path + "." + key if path else key
            result(False, "metrics.json %s: unexpected key (value %r)" % (sub, got[key]))
    elif isinstance(want, list):
        result(got == want, "metrics.json %s: got %r, want %r" % (path, got, want))
    elif isinstance(want, str):
        result(got == want and not isinstance(got, Number),
               "metrics.json %s: got %r, want the text %r" % (path, got, want))
    else:
        result(isinstance(got, Number) and got == figure_text(want),
               "metrics.json %s: got %r, want the number %s" % (path, got, figure_text(want)))


def json_cell(metrics, group_type, name, column):
    """The figure of metrics.json that a metrics.csv cell shows, as CSV text."""
    g = metrics.get("overall") if group_type == "overall" else \
        metrics.get("by", {}).get(group_type, {}).get(name)
    for part in column.split("."):
        if not isinstance(g, dict) or part not in g:
            return ""
        g = g[part]
    return g


def main():
    if len(sys.argv) != 2:
        print("usage: check_metrics.py BUILT_OUTPUT_DIR", file=sys.stderr)
        return 2
    out = sys.argv[1]

    got = None
    try:
        with open(os.path.join(out, "metrics.json"), encoding="utf-8") as f:
            got = json.load(f, parse_float=Number, parse_int=Number,
                            parse_constant=lambda c: "constant " + c)
    except (OSError, ValueError) as e:
        got = None
        result(False, "metrics.json: cannot read: %s" % e)
    else:
        compare(got, EXPECTED, "")

    try:
        with open(os.path.join(out, "metrics.csv"), "rb") as f:
            raw = f.read()
    except OSError as e:
        result(False, "metrics.csv: cannot read: %s" % e)
    else:
        text = raw.decode("utf-8")
        lines = text.split("\r\n")
        result(text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""),
               "metrics.csv: every line must end with CRLF (RFC 4180)")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        result(len(rows) == len(EXPECTED_CSV),
               "metrics.csv: %d rows, want %d" % (len(rows), len(EXPECTED_CSV)))
        header = EXPECTED_CSV[0]
        for i, want_row in enumerate(EXPECTED_CSV):
            if i >= len(rows):
                result(False, "metrics.csv row %d: missing, want %s" % (i + 1, ",".join(want_row)))
                continue
            got_row = rows[i]
            if len(got_row) != len(want_row):
                result(False, "metrics.csv row %d: %d cells, want %d: %s" % (
                    i + 1, len(got_row), len(want_row), lines[i] if i < len(lines) else ""))
            for j, want_cell in enumerate(want_row):
                got_cell = got_row[j] if j < len(got_row) else None
                result(got_cell == want_cell, "metrics.csv row %d (%s %s), column %s: got %r, want %r" % (
                    i + 1, want_row[0], want_row[1], header[j], got_cell, want_cell))
        # the two files agree: each figure cell is the same text as in metrics.json
        for i, got_row in enumerate(rows[1:] if got is not None else []):
            for j, column in enumerate(rows[0][2:], start=2):
                cell = got_row[j] if j < len(got_row) else None
                in_json = json_cell(got, got_row[0], got_row[1], column)
                result(cell == in_json, "metrics.csv row %d (%s %s), column %s: %r, metrics.json %r" % (
                    i + 2, got_row[0], got_row[1], column, cell, in_json))

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
