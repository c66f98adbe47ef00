#!/usr/bin/python3
"""Generate the sandbox demo contacts: contacts.jsonl and contacts.csv.

Deterministic: a fixed seed and libphonenumber's own example numbers
(python3-phonenumbers 8.12.57; another metadata version may change a few
digits). Every person is fake; NANP numbers are made up in the fictional
555-01xx block; emails are at example.com / example.org.

The mix, on purpose messy the way people type numbers:
  * valid numbers from 30+ regions and every Byteplant line type, written as
    E.164, international, national, with dashes, dots, parentheses,
    extensions, a 00 prefix, or without the '+';
  * some rows carry a Country, some rely on a default (US);
  * about 10% invalid (too short, letters, wrong digits, bad country code);
  * duplicates (same email, or the same phone typed another way);
  * missing phones (null, "" or no member at all).

Usage: gen_contacts.py [--rows N] [--out DIR]
"""

import argparse
import collections
import csv
import json
import os
import random
import unicodedata

import phonenumbers
from phonenumbers import PhoneNumberFormat as Fmt
from phonenumbers import PhoneNumberType as T

SEED = 20261203
DEFAULT_ROWS = 360
CSV_HEADER = ["First Name", "Last Name", "Email", "Phone", "Country"]

REGIONS = ["US", "CA", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "CH", "AT",
           "SE", "NO", "DK", "FI", "PL", "PT", "IE", "AU", "NZ", "BR", "MX",
           "AR", "IN", "JP", "KR", "SG", "ZA", "IL", "TR", "CZ", "GR", "HU"]
LINE_TYPES = [T.FIXED_LINE, T.MOBILE, T.TOLL_FREE, T.PREMIUM_RATE,
              T.SHARED_COST, T.VOIP, T.PERSONAL_NUMBER, T.PAGER, T.UAN,
              T.VOICEMAIL]
TYPE_NAMES = {getattr(T, n): n for n in dir(T) if n.isupper()}
# Geographic weight: most contacts have ordinary fixed or mobile numbers.
COMMON_TYPES = [T.MOBILE] * 6 + [T.FIXED_LINE] * 3 + [T.TOLL_FREE]

# NANP: made-up numbers only, in 555-01xx, with area codes per line type.
NANP_AREAS = {
    "US": {T.FIXED_LINE_OR_MOBILE: ["201", "209", "212", "305", "312", "415",
                                    "503", "617", "650", "702", "713", "917"],
           T.TOLL_FREE: ["800", "888"], T.PREMIUM_RATE: ["900"],
           T.PERSONAL_NUMBER: ["500"]},
    "CA": {T.FIXED_LINE_OR_MOBILE: ["416", "514", "604", "613", "403"],
           T.TOLL_FREE: ["800"]},
}

FIRST = ["Ada", "Bruno", "Chloé", "Dmitri", "Elif", "Femi", "Greta", "Hiro",
         "Ines", "José", "Kai", "Lena", "Łukasz", "Maya", "Noah", "Olga",
         "Priya", "Quinn", "Rafael", "Søren", "Tara", "Umar", "Vera", "Wen",
         "Xavier", "Yara", "Zoë", "Björn", "Amara", "Mateo", "Nora", "Omar"]
LAST = ["Anders", "Brennan", "Costa", "Dubois", "Eriksen", "Fischer",
        "García", "Horvat", "Ivanova", "Jansen", "Kowalski", "López", "Müller",
        "Nakamura", "O'Brien", "Petrov", "Quintero", "Rossi", "Schmidt",
        "Tanaka", "Usman", "Varga", "Weber", "Yılmaz", "Zhang", "Novák",
        "Papadopoulos", "Silva", "Kim", "Singh", "Nguyen", "Smith-Jones"]

EXTENSIONS = [" x123", " ext. 45", " ext 7", ";ext=88", " #12", " x9"]


# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------

def nanp_number(rng, region, kind):
    areas = NANP_AREAS[region].get(kind)
    if not areas:
        return None
    for _ in range(20):
        text = "+1%s55501%02d" % (rng.choice(areas), rng.randrange(100))
        num = phonenumbers.parse(text)
        if phonenumbers.is_valid_number(num) and phonenumbers.number_type(num) == kind:
            return num
    return None


def vary(rng, num, kind):
    """The example number with 1-3 of its last subscriber digits changed,
    kept only when libphonenumber still calls it valid and of that type."""
    nsn = str(num.national_number)
    for _ in range(25):
        k = rng.randint(1, min(3, len(nsn) - 2))
        tail = "".join(rng.choice("0123456789") for _ in range(k))
        cand = phonenumbers.PhoneNumber(
            country_code=num.country_code, national_number=int(nsn[:-k] + tail),
            italian_leading_zero=num.italian_leading_zero,
            number_of_leading_zeros=num.number_of_leading_zeros)
        if phonenumbers.is_valid_number(cand) and phonenumbers.number_type(cand) == kind:
            return cand
    return num


def valid_number(rng, region, kind):
    """A valid number of `kind` in `region`, or None when the metadata has
    no example for that pair."""
    if region in NANP_AREAS:
        if kind in (T.FIXED_LINE, T.MOBILE):
            kind = T.FIXED_LINE_OR_MOBILE
        return nanp_number(rng, region, kind)
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None or phonenumbers.number_type(example) != kind:
        return None
    return example if rng.random() < 0.25 else vary(rng, example, kind)


# --------------------------------------------------------------------------
# How people type them
# --------------------------------------------------------------------------

def fmt(num, style):
    """(text, needs_country): needs_country when the text has no country
    code in it, so only a Country (or a US default) makes it readable."""
    intl = phonenumbers.format_number(num, Fmt.INTERNATIONAL)
    natl = phonenumbers.format_number(num, Fmt.NATIONAL)
    e164 = phonenumbers.format_number(num, Fmt.E164)
    if style == "e164":
        return e164, False
    if style == "intl":
        return intl, False
    if style == "intl_dashes":
        return intl.replace(" ", "-").replace("+-", "+"), False
    if style == "intl_no_plus":
        return intl.lstrip("+"), True
    if style == "00":
        return "00" + e164[1:], True
    if style == "national":
        return natl, True
    if style == "national_digits":
        return "".join(ch for ch in natl if ch.isdigit()), True
    if style == "dots":
        return natl.replace(" ", ".").replace("-", ".").replace("(", "").replace(")", ""), True
    if style == "parens":
        return parenthesize(natl), True
    raise ValueError(style)


def parenthesize(natl):
    """'030 123456' -> '(030) 123456'; NANP already has parentheses."""
    if "(" in natl:
        return natl
    head, sep, rest = natl.partition(" ")
    return "(%s) %s" % (head, rest) if sep else natl


STYLES = ["e164", "intl", "intl", "intl_dashes", "national", "national",
          "national_digits", "dots", "parens", "00", "intl_no_plus"]


def typed_phone(rng, num, region):
    """(phone text, Country or None)."""
    style = rng.choice(STYLES)
    text, needs_country = fmt(num, style)
    if rng.random() < 0.08:
        text += rng.choice(EXTENSIONS)
    if rng.random() < 0.05:
        text = "  %s " % text  # stray white space from copy and paste
    if needs_country:
        # National text must come with its country, except US numbers,
        # which are left to the importer's default country.
        country = None if region == "US" and rng.random() < 0.6 else region
    else:
        country = region if rng.random() < 0.5 else None
    return text, country


def invalid_phone(rng):
    """(text, Country or None) that libphonenumber does not call valid."""
    makers = [
        lambda: ("555-01%02d" % rng.randrange(100), "US"),         # too short
        lambda: ("%d" % rng.randrange(100, 99999), None),          # too short
        lambda: ("+1 209 555 01%s" % rng.choice(["ab", "xy", "o0"]), None),
        lambda: ("+33 6 5X XX XX %02d" % rng.randrange(100), "FR"),
        lambda: ("+5105550%03d" % rng.randrange(100, 200), None),  # '+' but no real CC
        lambda: ("0209 555 01%02d" % rng.randrange(100), "US"),
        lambda: ("+999 555 01%02d" % rng.randrange(100), None),    # unassigned CC
        lambda: ("+49 0%d" % rng.randrange(10 ** 12, 10 ** 13), None),  # too long
        lambda: ("000000000%d" % rng.randrange(10), "GB"),
        lambda: ("call me later", None),
        lambda: ("+44 20 7946 0%02d%02d" % (rng.randrange(100), rng.randrange(100)), "GB"),
        lambda: ("12-34", "DE"),
    ]
    for _ in range(50):
        text, country = rng.choice(makers)()
        if not is_valid_text(text, country or "US"):
            return text, country
    raise RuntimeError("could not make an invalid number")


def is_valid_text(text, region):
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text, region))
    except phonenumbers.NumberParseException:
        return False


# --------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------

def ascii_fold(text):
    text = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L")
                                 .replace("ø", "o").replace("ı", "i"))
    return "".join(ch for ch in text if ch.isascii() and (ch.isalnum() or ch in ".-"))


def person(rng, index):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    domain = "example.com" if index % 3 else "example.org"
    email = "%s.%s%d@%s" % (ascii_fold(first).lower(), ascii_fold(last).lower(),
                            index, domain)
    return {"firstName": first, "lastName": last, "email": email}


# --------------------------------------------------------------------------
# The plan: coverage first, then random rows
# --------------------------------------------------------------------------

def coverage_targets():
    """(region, type) pairs that must appear: every line type in up to three
    regions that have an example for it, and every region at least twice."""
    targets = []
    for kind in LINE_TYPES:
        have = [r for r in REGIONS if r not in NANP_AREAS and
                phonenumbers.example_number_for_type(r, kind) is not None and
                phonenumbers.number_type(phonenumbers.example_number_for_type(r, kind)) == kind]
        targets += [(r, kind) for r in have[:3]]
    targets += [(r, T.MOBILE) for r in REGIONS] + [(r, T.FIXED_LINE) for r in REGIONS]
    targets += [("US", T.TOLL_FREE), ("US", T.PREMIUM_RATE), ("US", T.PERSONAL_NUMBER)]
    return targets


def fresh_number(rng, region, kind, used):
    """A valid number not handed out before, so the only duplicate phones
    are the deliberate ones (add_duplicates)."""
    for _ in range(10):
        num = valid_number(rng, region, kind)
        if num is None:
            return None
        e164 = phonenumbers.format_number(num, Fmt.E164)
        if e164 not in used:
            used.add(e164)
            return num
    return None


def valid_row(rng, region, kind, used):
    num = fresh_number(rng, region, kind, used)
    for fallback in (T.MOBILE, T.FIXED_LINE, T.FIXED_LINE_OR_MOBILE):
        if num is not None:
            break
        # No example of that type there (DK, for one, only has
        # FIXED_LINE_OR_MOBILE): take the region's ordinary numbers.
        num = fresh_number(rng, region, fallback, used)
    if num is None:  # that region is used up: an ordinary US number instead
        num, region = fresh_number(rng, "US", T.FIXED_LINE_OR_MOBILE, used), "US"
    text, country = typed_phone(rng, num, region)
    return text, country, phonenumbers.number_type(num)


def build_rows(rng, total):
    rows, kinds, used = [], collections.Counter(), set()
    targets = coverage_targets()
    n_invalid, n_missing, n_dupes = total // 10, total // 20, total // 20
    n_valid = total - n_invalid - n_missing - n_dupes
    plan = (["valid"] * n_valid + ["invalid"] * n_invalid + ["missing"] * n_missing)
    rng.shuffle(plan)
    for i, what in enumerate(plan):
        row = person(rng, i + 1)
        if what == "valid":
            if targets:
                region, kind = targets.pop(0)
            else:
                region, kind = rng.choice(REGIONS), rng.choice(COMMON_TYPES)
            phone, country, got = valid_row(rng, region, kind, used)
            kinds[TYPE_NAMES[got]] += 1
            row["phone"] = phone
        elif what == "invalid":
            phone, country = invalid_phone(rng)
            row["phone"] = phone
        else:
            country = rng.choice([None, "US", "DE", "GB"])
            style = i % 3  # null, "" or no phone member at all
            if style == 0:
                row["phone"] = None
            elif style == 1:
                row["phone"] = ""
        if country:
            row["country"] = country
        rows.append(row)
    add_duplicates(rng, rows, n_dupes)
    return rows, kinds


def add_duplicates(rng, rows, count):
    """The same person again: same email with the phone typed another way,
    or a new email with an existing phone."""
    sources = [r for r in rows if r.get("phone") and is_valid_text(
        r["phone"], r.get("country") or "US")]
    for k in range(count):
        src = rng.choice(sources)
        dup = {"firstName": src["firstName"], "lastName": src["lastName"]}
        num = phonenumbers.parse(src["phone"], src.get("country") or "US")
        if k % 2 == 0:
            dup["email"] = src["email"]
            dup["phone"] = phonenumbers.format_number(num, Fmt.E164)
        else:
            dup["email"] = src["email"].replace("@", ".alt@")
            dup["phone"] = src["phone"]
            if src.get("country"):
                dup["country"] = src["country"]
        rows.insert(rng.randrange(len(rows) + 1), dup)


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(CSV_HEADER)
        for row in rows:
            out.writerow([row.get("firstName") or "", row.get("lastName") or "",
                          row.get("email") or "", row.get("phone") or "",
                          row.get("country") or ""])


def summary(rows, kinds):
    regions = collections.Counter()
    valid = invalid = missing = 0
    for row in rows:
        phone = row.get("phone")
        if not phone:
            missing += 1
            continue
        try:
            num = phonenumbers.parse(phone, row.get("country") or "US")
        except phonenumbers.NumberParseException:
            num = None
        if num is not None and phonenumbers.is_valid_number(num):
            valid += 1
            regions[phonenumbers.region_code_for_number(num)] += 1
        else:
            invalid += 1
    return {"rows": len(rows), "valid_with_default_US": valid, "invalid": invalid,
            "missing": missing, "regions": len(regions),
            "line_types_generated": dict(sorted(kinds.items()))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()
    rng = random.Random(SEED)
    rows, kinds = build_rows(rng, args.rows)
    write_jsonl(os.path.join(args.out, "contacts.jsonl"), rows)
    write_csv(os.path.join(args.out, "contacts.csv"), rows)
    print(json.dumps(summary(rows, kinds), indent=1))


if __name__ == "__main__":
    main()
