#!/usr/bin/python3
"""Print the parts of the demo's output that read the sandbox's state.

    demo_report.py RUN_DIR/env.json verdicts [--line]   counts by verdict
    demo_report.py RUN_DIR/env.json ids VERDICT         ids of the contacts
                                                        with that verdict
    demo_report.py RUN_DIR/env.json summary
    demo_report.py RUN_DIR/env.json contact [--email EMAIL] [--ids-file F]
    demo_report.py RUN_DIR/env.json error STATUS BODY.json
                                                        an error answer

"summary" reads the gateway's phoneval_status (?format=json), both
simulators' /_sim/stats and the contacts the Contacts simulator holds.
"contact" pretty-prints one stored contact, naming its result fields.
Python 3 standard library only.
"""

import argparse
import http.client
import json
import sys
import urllib.parse

ITEM_KEYS = {"status": "phone_validation_status",
             "last_validated": "phone_last_validated",
             "confidence": "phone_confidence",
             "line_type": "phone_line_type"}

VERDICTS = ("VALID_CONFIRMED", "VALID_UNCONFIRMED", "INVALID", "PENDING")


def get(url):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        conn.request("GET", u.path + ("?" + u.query if u.query else ""))
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise SystemExit("demo_report: GET %s: %d" % (url, resp.status))
        return json.loads(body)
    finally:
        conn.close()


def stored_contacts(env):
    return [c for c in get(env["contacts"] + "/_sim/contacts")
            if c.get("locationId") == env["location"]]


def verdict_of(env, contact):
    for cf in contact.get("customFields", []):
        if cf.get("id") == env["fields"]["status"]:
            return cf.get("value") or "none"
    return "no phone" if not contact.get("phone") else "none"


def count_verdicts(env):
    counts = {}
    for c in stored_contacts(env):
        v = verdict_of(env, c)
        counts[v] = counts.get(v, 0) + 1
    return counts


def verdict_line(counts):
    parts = ["%s %d" % (v, counts[v]) for v in VERDICTS if counts.get(v)]
    rest = sorted(k for k in counts if k not in VERDICTS)
    parts += ["%s %d" % (k, counts[k]) for k in rest]
    return "   ".join(parts)


def row(label, text):
    print("      %-22s %s" % (label, text))


def cmd_summary(env, args):
    zones = get(env["status_url"])["zones"]
    z = zones["phoneval"]
    bp = get(env["byteplant"] + "/_sim/stats")
    ct = get(env["contacts"] + "/_sim/stats")
    counts = count_verdicts(env)
    total = sum(counts.values())

    calls = sum(z["provider_calls"].values())
    budget = z["budget"]
    req = z["requests"]
    phones = z["phones"]

    row("contacts by verdict", verdict_line(counts))
    row("", "(%d contacts stored in the Contacts API simulator)" % total)
    row("verdicts given", "%d: %s" % (
        sum(phones.values()),
        ", ".join("%s %d" % (v, phones[v]) for v in VERDICTS
                  if phones.get(v))))
    left = budget["remaining"] or 0
    row("provider calls", "%d (budget %d per %d s, %d left; the Byteplant "
        "simulator answered %d)" % (calls, budget["rate"], budget["period"],
                                    left, bp["requests"]))
    held = (budget["rate"] or 0) - calls - left
    if held > 0:
        # the zone subtracts calls in flight from the provider's remainder
        row("", "%d held back: calls in flight when Byteplant counted its "
            "remainder (never over budget)" % held)
    if z["no_budget"]:
        row("no budget", "%d phones found the budget used up: PENDING, for "
            "phoneval sync" % z["no_budget"])
    row("cache hits", "%d (a number seen before costs no call)"
        % z["cache"]["hits"])
    row("rejects", "%d (422 from the reject server), %d unavailable (503)"
        % (req["rejected"], req["unavailable"]))
    row("requests", "%d annotated, %d unchanged (no phone), %d bad" % (
        req["annotated"], req["unchanged"], req["bad_request"]))
    lat = z["latency_ms"]
    n = sum(lat["buckets"].values())
    if n:
        row("provider latency", "%.1f ms on average" % (lat["sum"] / n))
    row("Contacts API", "%d requests: %s" % (ct["requests"], ", ".join(
        "%s x%d" % (s, n) for s, n in sorted(ct["by_status"].items()))))


def cmd_contact(env, args):
    contacts = stored_contacts(env)
    ids = set()
    if args.ids_file:
        with open(args.ids_file) as f:
            ids = set(f.read().split())
    pick = None
    for c in contacts:
        if (args.email and c.get("email") == args.email) \
                or (c["id"] in ids and verdict_of(env, c)
                    in ("VALID_CONFIRMED", "VALID_UNCONFIRMED")):
            pick = c
            break
    if pick is None:
        for c in contacts:
            if verdict_of(env, c) == "VALID_CONFIRMED" \
                    and len(c.get("customFields", [])) == len(ITEM_KEYS):
                pick = c
                break
    if pick is None:
        raise SystemExit("demo_report: no stored contact to show")
    # indented JSON with one line per custom field, each marked with the
    # key of its field (the "<-" marks are not part of the contact)
    names = {env["fields"][item]: key for item, key in ITEM_KEYS.items()}
    lines = ["{"]
    members = list(pick.items())
    for i, (k, v) in enumerate(members):
        comma = "," if i < len(members) - 1 else ""
        if k == "customFields" and v:
            lines.append('  "customFields": [')
            width = max(len(json.dumps(cf, ensure_ascii=False)) for cf in v)
            for j, cf in enumerate(v):
                text = json.dumps(cf, ensure_ascii=False) + (
                    "," if j < len(v) - 1 else "")
                lines.append("    %-*s   %s" % (
                    width + 1, text,
                    "<- contact." + names[cf["id"]] if cf.get("id") in names
                    else ""))
            lines.append("  ]" + comma)
        else:
            lines.append("  %s: %s%s" % (json.dumps(k), json.dumps(
                v, ensure_ascii=False), comma))
    lines.append("}")
    print("\n".join(line.rstrip() for line in lines))


def cmd_error(env, args):
    with open(args.body) as f:
        doc = json.load(f)
    head = {k: v for k, v in doc.items() if k != "phoneval"}
    print("      -> %s %s" % (args.status, json.dumps(head,
                                                     ensure_ascii=False)))
    for item in doc.get("phoneval", []):
        print('         "phoneval": [%s]' % json.dumps(item,
                                                      ensure_ascii=False))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("env")
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("verdicts")
    v.add_argument("--line", action="store_true")
    i = sub.add_parser("ids")
    i.add_argument("verdict")
    sub.add_parser("summary")
    c = sub.add_parser("contact")
    c.add_argument("--email")
    c.add_argument("--ids-file",
                   help="show the first contact listed in this file (one "
                   "id a line) that has a valid verdict")
    e = sub.add_parser("error")
    e.add_argument("status")
    e.add_argument("body")
    args = ap.parse_args()
    with open(args.env) as f:
        env = json.load(f)
    if args.cmd == "verdicts":
        counts = count_verdicts(env)
        print(verdict_line(counts) if args.line else json.dumps(counts))
    elif args.cmd == "ids":
        for c in stored_contacts(env):
            if verdict_of(env, c) == args.verdict:
                print(c["id"])
    elif args.cmd == "summary":
        cmd_summary(env, args)
    elif args.cmd == "error":
        cmd_error(env, args)
    else:
        cmd_contact(env, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
