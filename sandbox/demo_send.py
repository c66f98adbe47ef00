#!/usr/bin/python3
"""Send the demo contacts through the gateway, N requests at a time.

    demo_send.py --url GATEWAY --token TOKEN --location ID [--concurrency 8]
                 [--route create|upsert] [--report FILE] data/contacts.jsonl

Each JSONL row (or CSV row with the header First Name,Last Name,Email,
Phone,Country) becomes one POST /contacts/ (or /contacts/upsert) with the
Contacts API v2 headers. A 429 is retried after the window the API names
(X-RateLimit-Interval-Milliseconds); nothing else is retried. The report
(JSON) has the count per HTTP status, the error messages and the elapsed
time. The stand-in for "phoneval import" until build/phoneval exists.
Python 3 standard library only.
"""

import argparse
import csv
import http.client
import json
import queue
import sys
import threading
import time
import urllib.parse

CSV_COLUMNS = {"First Name": "firstName", "Last Name": "lastName",
               "Email": "email", "Phone": "phone", "Country": "country"}


def read_rows(path):
    rows = []
    if path.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as f:
            for rec in csv.DictReader(f):
                rows.append({CSV_COLUMNS.get(k, k): v for k, v in rec.items()
                             if v not in (None, "")})
    else:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    rows.append(json.loads(line))
    return rows


def worker(url, headers, path, jobs, results):
    conn = None
    while True:
        try:
            index, body = jobs.get_nowait()
        except queue.Empty:
            break
        data = json.dumps(body).encode()
        tries = 0
        while True:
            tries += 1
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(url.hostname, url.port,
                                                      timeout=30)
                conn.request("POST", path, body=data, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException) as e:
                if conn is not None:
                    conn.close()
                conn = None
                if tries < 3:
                    continue
                results.append((index, 0, {"message": str(e)}))
                break
            if status == 429 and tries < 10:
                wait = int(resp.getheader("X-RateLimit-Interval-Milliseconds")
                           or 1000) / 1000.0
                time.sleep(min(wait, 10))
                continue
            try:
                doc = json.loads(raw) if raw else None
            except ValueError:
                doc = {"message": raw[:200].decode("utf-8", "replace")}
            results.append((index, status, doc))
            break
    if conn is not None:
        conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--location", required=True)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--route", choices=("create", "upsert"), default="create")
    ap.add_argument("--report", help="write the JSON report here")
    args = ap.parse_args()

    url = urllib.parse.urlsplit(args.url)
    path = (url.path.rstrip("/") + ("/contacts/" if args.route == "create"
                                    else "/contacts/upsert"))
    headers = {"Authorization": "Bearer " + args.token,
               "Version": "2021-07-28", "Content-Type": "application/json",
               "Accept": "application/json"}

    rows = read_rows(args.file)
    jobs = queue.Queue()
    for i, row in enumerate(rows):
        body = {"locationId": args.location}
        body.update(row)
        jobs.put((i, body))

    results = []
    started = time.monotonic()
    threads = [threading.Thread(target=worker, daemon=True,
                                args=(url, headers, path, jobs, results))
               for _ in range(max(1, args.concurrency))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started

    by_status = {}
    errors = {}
    for index, status, doc in sorted(results):
        by_status[str(status)] = by_status.get(str(status), 0) + 1
        if status >= 300 or status == 0:
            msg = doc.get("message") if isinstance(doc, dict) else doc
            if isinstance(msg, list):
                msg = ", ".join(str(m) for m in msg)
            key = "%s %s" % (status, msg)
            errors[key] = errors.get(key, 0) + 1

    report = {"rows": len(rows), "route": args.route,
              "concurrency": args.concurrency, "by_status": by_status,
              "errors": errors, "elapsed": round(elapsed, 3)}
    text = json.dumps(report, indent=2)
    if args.report:
        with open(args.report, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 0 if all(s and s < 500 for _, s, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
