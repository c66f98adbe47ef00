#!/usr/bin/python3
"""Self-tests of the sandbox simulators (standard library unittest).

Starts sandbox/byteplant and sandbox/contacts on free loopback ports and
checks the behaviours the gateway and CLI tests rely on. Run:
    /usr/bin/python3 sandbox/test_simulators.py
"""

import http.client
import json
import os
import re
import select
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = "pv-0123456789abcdef0123456789abcdef"
SMALL_KEY = "pv-ffffffffffffffffffffffffffff0002"  # 2 credits
TOKEN = "pit-sandbox-token"
LOC = "loc_SANDBOX"
PROCS = {}


def start(name, *args):
    """Start a simulator on port 0 and return its port (read from the first
    stdout line)."""
    # stderr goes to a file: an unread pipe could fill up and stall the
    # simulator mid-test.
    errors = tempfile.TemporaryFile()
    proc = subprocess.Popen([os.path.join(HERE, name), "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=errors)
    ready, _, _ = select.select([proc.stdout], [], [], 10)
    line = proc.stdout.readline().decode() if ready else ""
    match = re.search(r"listening on http://[^:]+:(\d+)", line)
    if not match:
        proc.kill()
        errors.seek(0)
        raise RuntimeError("%s did not start: %r %r" % (name, line, errors.read()))
    PROCS[name] = (proc, errors)
    return int(match.group(1))


def setUpModule():  # noqa: N802
    global BP_PORT, CT_PORT
    BP_PORT = start("byteplant", "--key", KEY + ":1000000", "--key", SMALL_KEY + ":2")
    CT_PORT = start("contacts", "--location", LOC, "--location", "loc_DE:DE")


def tearDownModule():  # noqa: N802
    for proc, errors in PROCS.values():
        proc.terminate()
        proc.wait(5)
        proc.stdout.close()
        errors.close()


def request(port, method, path, body=None, headers=None, conn=None):
    """(status, headers, parsed JSON or raw bytes)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        raw = resp.read()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw
        return resp.status, resp.headers, data
    finally:
        if own:
            conn.close()


# ---------------------------------------------------------------------------
# Byteplant
# ---------------------------------------------------------------------------
def verify(params=None, method="POST", key=KEY, query=None):
    params = dict(params or {})
    if key is not None:
        params.setdefault("APIKey", key)
    form = urllib.parse.urlencode(params)
    if method == "GET":
        return request(BP_PORT, "GET", "/api/v2/verify?" + form)
    path = "/api/v2/verify" + ("?" + urllib.parse.urlencode(query) if query else "")
    return request(BP_PORT, "POST", path, form,
                   {"Content-Type": "application/x-www-form-urlencoded"})


def bp_admin(method, path, cfg=None):
    return request(BP_PORT, method, path, json.dumps(cfg) if cfg is not None else None,
                   {"Content-Type": "application/json"})[2]


class ByteplantTest(unittest.TestCase):
    def setUp(self):
        bp_admin("POST", "/_sim/reset")

    def test_observed_de_mobile_extensive(self):
        status, headers, body = verify({"PhoneNumber": "01728150130", "CountryCode": "de",
                                        "Mode": "extensive"}, method="GET")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"].split(";")[0], "application/json")
        expected = {"status": "VALID_CONFIRMED", "linetype": "MOBILE", "location": "Germany",
                    "countrycode": "DE", "formatnational": "0172 8150130",
                    "formatinternational": "+49 172 8150130"}
        self.assertEqual({k: body[k] for k in expected}, expected)
        self.assertIsInstance(body["mcc"], str)
        self.assertIsInstance(body["mnc"], str)
        self.assertEqual((body["ratelimit_remain"], type(body["ratelimit_seconds"])), (99, int))

    def test_observed_es_fixed_express(self):
        _, _, body = verify({"PhoneNumber": "934124602", "CountryCode": "es", "Mode": "express"})
        expected = {"status": "VALID_UNCONFIRMED", "linetype": "FIXED_LINE",
                    "location": "Barcelona", "countrycode": "ES",
                    "formatnational": "934 12 46 02", "formatinternational": "+34 934 12 46 02"}
        self.assertEqual({k: body[k] for k in expected}, expected)

    def test_express_never_confirms(self):
        _, _, body = verify({"PhoneNumber": "+491728150130", "Mode": "express"})
        self.assertEqual(body["status"], "VALID_UNCONFIRMED")
        _, _, body = verify({"PhoneNumber": "+4930129999911", "Mode": "express"})  # magic MOBILE
        self.assertEqual(body["status"], "VALID_UNCONFIRMED")

    def test_query_and_body_merged_unknown_ignored(self):
        _, _, body = verify({"PhoneNumber": "+12095550142", "PluginVersion": "4.4"},
                            key=None, query={"APIKey": KEY, "N8NVersion": "1"})
        self.assertEqual(body["status"], "VALID_CONFIRMED")
        self.assertEqual(body["formatinternational"], "+1 209 555 0142")  # spaces, not dashes
        self.assertEqual(body["linetype"], "MOBILE")  # FIXED_LINE_OR_MOBILE -> MOBILE

    def test_invalid_inputs(self):
        for params in ({"PhoneNumber": "2095550142"},  # national, no CountryCode: no guess
                       {"PhoneNumber": "test"},
                       {"PhoneNumber": ""},
                       {"PhoneNumber": "+5105550143"},
                       {"PhoneNumber": "+12095550142"[:-1] + "x"}):
            _, _, body = verify(params)
            self.assertEqual(body["status"], "INVALID", params)
            self.assertIn("ratelimit_remain", body)

    def test_rate_limit_window(self):
        bp_admin("POST", "/_sim/config", {"rate": "3/60"})
        try:
            remains = [verify({"PhoneNumber": "+12095550142"})[2]["ratelimit_remain"]
                       for _ in range(3)]
            self.assertEqual(remains, [2, 1, 0])
            _, _, body = verify({"PhoneNumber": "+12095550142"})
            self.assertEqual(body["status"], "RATE_LIMIT_EXCEEDED")
            self.assertEqual(body["ratelimit_remain"], 0)
            self.assertTrue(0 < body["ratelimit_seconds"] <= 60)
        finally:
            bp_admin("POST", "/_sim/config", {"rate": "100/300"})

    def test_keys_and_credits(self):
        for key in ("pv-00000000000000000000000000000000", ""):
            self.assertEqual(verify({"PhoneNumber": "+12095550142"}, key=key)[2],
                             {"status": "API_KEY_INVALID_OR_DEPLETED"})
        for _ in range(2):
            self.assertEqual(verify({"PhoneNumber": "+12095550142"}, key=SMALL_KEY)[2]["status"],
                             "VALID_CONFIRMED")
        self.assertEqual(verify({"PhoneNumber": "+12095550142"}, key=SMALL_KEY)[2],
                         {"status": "API_KEY_INVALID_OR_DEPLETED"})
        stats = bp_admin("GET", "/_sim/stats")
        self.assertEqual(stats["keys"]["*" * 31 + "0002"]["credits"], 0)

    def test_magic_numbers(self):
        def status(code, mode="extensive"):
            return verify({"PhoneNumber": "+4930129999" + code, "Mode": mode})[2]
        self.assertEqual(status("00")["status"], "INVALID")
        self.assertEqual(status("01")["status"], "DELAYED")
        self.assertEqual(status("02")["status"], "RATE_LIMIT_EXCEEDED")
        self.assertEqual(status("03"), {"status": "API_KEY_INVALID_OR_DEPLETED"})
        linetypes = ["FIXED_LINE", "MOBILE", "VOIP", "TOLL_FREE", "PREMIUM_RATE",
                     "SHARED_COST", "PERSONAL_NUMBER", "PAGER", "UAN", "VOICEMAIL"]
        for i, linetype in enumerate(linetypes):
            body = status("1%d" % i)
            self.assertEqual((body["status"], body["linetype"]), ("VALID_CONFIRMED", linetype))
            self.assertEqual(body["countrycode"], "DE")
        self.assertEqual(status("20")["status"], "VALID_UNCONFIRMED")
        self.assertEqual(set(status("21")), {"status", "ratelimit_remain", "ratelimit_seconds"})
        self.assertIsInstance(status("22")["ratelimit_remain"], str)
        self.assertEqual(status("24")["status"], "SOMETHING_NEW")
        # National magic numbers work with a CountryCode too.
        body = verify({"PhoneNumber": "030 129999 11", "CountryCode": "de"})[2]
        self.assertEqual(body["linetype"], "MOBILE")

    def test_fixtures_override(self):
        bp_admin("POST", "/_sim/config", {"fixtures": {
            "+12095550100": {"status": "INVALID"},
            "0612345678|NL": {"status": "VALID_CONFIRMED", "linetype": "PAGER"}}})
        self.assertEqual(verify({"PhoneNumber": "+12095550100"})[2]["status"], "INVALID")
        body = verify({"PhoneNumber": "0612345678", "CountryCode": "nl", "Mode": "express"})[2]
        self.assertEqual((body["status"], body["linetype"]), ("VALID_UNCONFIRMED", "PAGER"))

    def test_slow_validation_is_delayed(self):
        bp_admin("POST", "/_sim/config", {"fixtures": {
            "+12095550199": {"status": "VALID_CONFIRMED", "_delay_ms": 5200}}})
        started = time.time()
        body = verify({"PhoneNumber": "+12095550199", "Timeout": "1"})[2]  # clamped to 5
        self.assertEqual(body["status"], "DELAYED")
        self.assertAlmostEqual(time.time() - started, 5.0, delta=0.8)

    def test_faults(self):
        status, _, _ = verify({"PhoneNumber": "+4930129999" + "40"})
        self.assertEqual(status, 500)
        status, _, body = verify({"PhoneNumber": "+4930129999" + "42"})
        self.assertEqual(status, 200)
        self.assertIsInstance(body, bytes)  # not JSON
        status, _, body = verify({"PhoneNumber": "+4930129999" + "44"})
        self.assertEqual((status, body), (200, None))
        with self.assertRaises((ConnectionError, http.client.HTTPException, OSError)):
            verify({"PhoneNumber": "+4930129999" + "43"})
        bp_admin("POST", "/_sim/config", {"fault_rate": 1, "faults": ["502"], "seed": 1})
        try:
            self.assertEqual(verify({"PhoneNumber": "+12095550142"})[0], 502)
        finally:
            bp_admin("POST", "/_sim/config", {"fault_rate": 0})
        self.assertEqual(bp_admin("GET", "/_sim/stats")["faults"],
                         {"500": 1, "garbage": 1, "empty": 1, "reset": 1, "502": 1})

    def test_log_masks_key(self):
        verify({"PhoneNumber": "+12095550142", "CountryCode": "us"})
        entry = bp_admin("GET", "/_sim/log")[-1]
        self.assertEqual(entry["form"]["APIKey"], "*" * 31 + "cdef")
        self.assertNotIn(KEY, json.dumps(entry))
        self.assertEqual(entry["form"]["PhoneNumber"], "+12095550142")
        self.assertEqual(entry["answer"]["body"]["status"], "VALID_CONFIRMED")

    def test_many_keepalive_connections(self):
        errors = []

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", BP_PORT, timeout=10)
            try:
                for _ in range(3):
                    form = urllib.parse.urlencode({"PhoneNumber": "+12095550142", "APIKey": KEY})
                    status, _, body = request(BP_PORT, "POST", "/api/v2/verify", form,
                                              {"Content-Type": "application/x-www-form-urlencoded"},
                                              conn=conn)
                    if status != 200 or body["status"] not in ("VALID_CONFIRMED",
                                                               "RATE_LIMIT_EXCEEDED"):
                        errors.append((status, body))
            except Exception as err:  # noqa: BLE001 - collected for the assert
                errors.append(err)
            finally:
                conn.close()

        threads = [threading.Thread(target=client) for _ in range(60)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(bp_admin("GET", "/_sim/stats")["requests"], 180)


# ---------------------------------------------------------------------------
# Contacts
# ---------------------------------------------------------------------------
AUTH = {"Authorization": "Bearer " + TOKEN, "Version": "2021-07-28",
        "Content-Type": "application/json"}


def api(method, path, body=None, headers=None):
    return request(CT_PORT, method, path,
                   json.dumps(body) if body is not None else None,
                   headers if headers is not None else AUTH)


def ct_admin(method, path, cfg=None):
    return api(method, path, cfg, {"Content-Type": "application/json"})[2]


class ContactsTest(unittest.TestCase):
    def setUp(self):
        ct_admin("POST", "/_sim/reset")

    def create(self, **members):
        members.setdefault("locationId", LOC)
        status, _, body = api("POST", "/contacts/", members)
        self.assertEqual(status, 201, body)
        return body["contact"]

    def test_auth_and_version(self):
        expected = {"statusCode": 401, "message": "Invalid token: access token is invalid",
                    "error": "Unauthorized"}
        self.assertEqual(api("GET", "/contacts/?locationId=" + LOC, headers={})[0:3:2],
                         (401, expected))
        bad = dict(AUTH, Authorization="Bearer nope")
        self.assertEqual(api("GET", "/contacts/?locationId=" + LOC, headers=bad)[2], expected)
        no_version = {k: v for k, v in AUTH.items() if k != "Version"}
        status, _, body = api("GET", "/contacts/?locationId=" + LOC, headers=no_version)
        self.assertEqual((status, body["message"]), (401, "version header was not found."))
        status, _, body = api("GET", "/contacts/?locationId=" + LOC,
                              headers=dict(AUTH, Version="2020-01-01"))
        self.assertEqual((status, body["message"]), (401, "version header is invalid"))
        for version in ("2021-04-15", "2023-02-21", "v3"):
            self.assertEqual(api("GET", "/contacts?locationId=" + LOC,
                                 headers=dict(AUTH, Version=version))[0], 200)

    def test_create_normalizes_phone_and_dates(self):
        contact = self.create(firstName="Ada", phone="(415) 555-0100", country="US")
        self.assertEqual(contact["phone"], "+14155550100")
        self.assertRegex(contact["id"], r"^[A-Za-z0-9]{20}$")
        self.assertRegex(contact["dateAdded"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        de = self.create(phone="030 1234567", locationId="loc_DE")  # location country DE
        self.assertEqual(de["phone"], "+49301234567")
        odd = self.create(phone="call me later")
        self.assertEqual(odd["phone"], "call me later")
        status, _, got = api("GET", "/contacts/" + contact["id"])
        self.assertEqual((status, got["contact"]["phone"]), (200, "+14155550100"))

    def test_dto_whitelist(self):
        status, _, body = api("POST", "/contacts/", {"locationId": LOC, "phone": "+12095550142",
                                                     "validation_status": "VALID"})
        self.assertEqual((status, body), (422, {
            "statusCode": 422, "message": ["property validation_status should not exist"],
            "error": "Unprocessable Entity"}))
        status, _, body = api("POST", "/contacts/", {"firstName": "No location"})
        self.assertEqual((status, body["message"]), (422, ["locationId should not be empty"]))
        contact = self.create(firstName="Ada")
        status, _, body = api("PUT", "/contacts/" + contact["id"], {"locationId": LOC})
        self.assertEqual((status, body["message"]), (422, ["property locationId should not exist"]))
        status, _, body = api("POST", "/contacts/upsert", {"locationId": LOC,
                                                           "additionalEmails": []})
        self.assertEqual((status, body["message"]),
                         (422, ["property additionalEmails should not exist"]))

    def test_bad_json_and_unknown_contact(self):
        for text in ('{"locationId":', '{"locationId":"%s","dnd":NaN}' % LOC):
            status, _, body = request(CT_PORT, "POST", "/contacts/", text, AUTH)
            self.assertEqual((status, body["statusCode"]), (400, 400))
        status, _, body = api("GET", "/contacts/nope")
        self.assertEqual((status, body), (400, {"statusCode": 400,
                                               "message": "Contact with id nope not found"}))
        status, _, body = api("PUT", "/contacts/nope", {"firstName": "x"})
        self.assertEqual(status, 400)

    def test_duplicates(self):
        first = self.create(firstName="Ada", lastName="Lovelace", email="ada@example.com",
                            phone="+1 209-555-0142")
        status, _, body = api("POST", "/contacts/", {"locationId": LOC, "email": "ADA@example.com"})
        self.assertEqual((status, body), (400, {
            "statusCode": 400, "message": "This location does not allow duplicated contacts.",
            "meta": {"contactId": first["id"], "contactName": "Ada Lovelace",
                     "matchingField": "email"}}))
        status, _, body = api("POST", "/contacts/", {"locationId": LOC, "phone": "(209) 555-0142"})
        self.assertEqual((status, body["meta"]["matchingField"]), (400, "phone"))
        ct_admin("POST", "/_sim/config", {"allow_duplicates": True})
        self.create(email="ada@example.com")
        location = api("GET", "/locations/" + LOC)[2]["location"]
        self.assertTrue(location["settings"]["allowDuplicateContact"])

    def test_custom_fields_write_and_read_shapes(self):
        status, _, body = api("POST", "/locations/%s/customFields" % LOC,
                              {"name": "Phone Validation Status", "dataType": "TEXT"})
        self.assertEqual(status, 201)
        status_field = body["customField"]
        self.assertEqual(status_field["fieldKey"], "contact.phone_validation_status")
        other = api("POST", "/locations/%s/customFields" % LOC,
                    {"name": "Other", "dataType": "TEXT", "fieldKey": "contact.other"})[2]["customField"]
        contact = self.create(phone="+12095550142", customFields=[
            {"key": "phone_validation_status", "field_value": "VALID_CONFIRMED"},
            {"key": "contact.other", "field_value": "x"}])
        self.assertEqual(sorted(contact["customFields"], key=lambda e: e["id"]), sorted([
            {"id": status_field["id"], "value": "VALID_CONFIRMED"},
            {"id": other["id"], "value": "x"}], key=lambda e: e["id"]))
        status, _, body = api("PUT", "/contacts/" + contact["id"], {"customFields": [
            {"id": status_field["id"], "fieldValue": "INVALID"}], "tags": ["a"]})
        self.assertEqual((status, body["succeded"]), (200, True))
        values = {e["id"]: e["value"] for e in body["contact"]["customFields"]}
        self.assertEqual(values, {status_field["id"]: "INVALID", other["id"]: "x"})  # merged
        status, _, body = api("PUT", "/contacts/" + contact["id"], {"customFields": [
            {"id": "cfUNKNOWN0000000000", "field_value": "x"}]})
        self.assertEqual((status, body["message"]),
                         (400, "Custom field with id cfUNKNOWN0000000000 not found"))
        status, _, body = api("PUT", "/contacts/" + contact["id"], {"customFields": [{"id": other["id"]}]})
        self.assertEqual(status, 422)
        listed = api("GET", "/locations/%s/customFields?model=contact" % LOC)[2]["customFields"]
        self.assertEqual(len(listed), 2)
        by_key = api("GET", "/locations/%s/customFields/contact.phone_validation_status" % LOC)[2]
        self.assertEqual(by_key["customField"]["id"], status_field["id"])

    def test_tags_replace_on_put_and_tag_routes(self):
        contact = self.create(tags=["a", "b"])
        body = api("PUT", "/contacts/" + contact["id"], {"tags": ["c"]})[2]
        self.assertEqual(body["contact"]["tags"], ["c"])
        self.assertEqual(api("POST", "/contacts/%s/tags" % contact["id"], {"tags": ["d"]})[0:3:2],
                         (201, {"tags": ["c", "d"]}))
        self.assertEqual(api("DELETE", "/contacts/%s/tags" % contact["id"], {"tags": ["c"]})[2],
                         {"tags": ["d"]})

    def test_paging(self):
        for i in range(25):
            self.create(email="p%02d@example.com" % i)
        seen, params, pages = [], {"locationId": LOC, "limit": 10}, 0
        while True:
            status, _, body = api("GET", "/contacts/?" + urllib.parse.urlencode(params))
            self.assertEqual(status, 200)
            pages += 1
            seen += [c["email"] for c in body["contacts"]]
            meta = body["meta"]
            self.assertEqual((meta["total"], meta["currentPage"]), (25, pages))
            if not meta["startAfterId"]:
                self.assertIsNone(meta["nextPage"])
                break
            self.assertIn("startAfterId=" + meta["startAfterId"], meta["nextPageUrl"])
            params.update(startAfterId=meta["startAfterId"], startAfter=meta["startAfter"])
        self.assertEqual(seen, ["p%02d@example.com" % i for i in range(25)])
        self.assertEqual(pages, 3)
        self.assertEqual(api("GET", "/contacts/?locationId=%s&limit=101" % LOC)[0], 422)
        found = api("GET", "/contacts/?locationId=%s&query=p07" % LOC)[2]
        self.assertEqual([c["email"] for c in found["contacts"]], ["p07@example.com"])

    def test_search(self):
        for i in range(7):
            self.create(email="s%d@example.com" % i, country="DE" if i % 2 else "US")
        body = api("POST", "/contacts/search", {
            "locationId": LOC, "pageLimit": 2,
            "filters": [{"field": "country", "operator": "eq", "value": "DE"}]})[2]
        self.assertEqual(body["total"], 3)
        self.assertEqual(len(body["contacts"]), 2)
        after = body["contacts"][-1]["searchAfter"]
        body = api("POST", "/contacts/search", {
            "locationId": LOC, "pageLimit": 2, "searchAfter": after,
            "filters": [{"field": "country", "operator": "eq", "value": "DE"}]})[2]
        self.assertEqual([c["email"] for c in body["contacts"]], ["s5@example.com"])
        self.assertEqual(api("POST", "/contacts/search", {"locationId": LOC, "pageLimit": 501})[0], 422)

    def test_upsert(self):
        status, _, body = api("POST", "/contacts/upsert", {"locationId": LOC, "email": "u@example.com"})
        self.assertEqual((status, body["new"]), (200, True))
        self.assertIn("traceId", body)
        first = body["contact"]
        other = self.create(phone="+12095550142")
        status, _, body = api("POST", "/contacts/upsert", {
            "locationId": LOC, "email": "u@example.com", "phone": "+12095550142", "firstName": "U"})
        # Updates the email match; the phone belongs to another contact and is ignored.
        self.assertEqual((body["new"], body["contact"]["id"]), (False, first["id"]))
        self.assertNotIn("phone", body["contact"])
        self.assertEqual(body["contact"]["firstName"], "U")
        dup = api("GET", "/contacts/search/duplicate?locationId=%s&number=%%2B12095550142" % LOC)[2]
        self.assertEqual(dup["contact"]["id"], other["id"])

    def test_tasks_notes_appointments(self):
        cid = self.create(firstName="T")["id"]
        status, _, body = api("POST", "/contacts/%s/tasks" % cid, {
            "title": "Call", "dueDate": "2026-01-01T10:00:00Z", "completed": False})
        self.assertEqual(status, 201)
        tid = body["task"]["id"]
        self.assertTrue(api("PUT", "/contacts/%s/tasks/%s/completed" % (cid, tid),
                            {"completed": True})[2]["task"]["completed"])
        self.assertEqual(len(api("GET", "/contacts/%s/tasks" % cid)[2]["tasks"]), 1)
        self.assertEqual(api("POST", "/contacts/%s/tasks" % cid, {"title": "x"})[0], 422)
        status, _, body = api("POST", "/contacts/%s/notes" % cid, {"body": "hello"})
        self.assertEqual(status, 201)
        self.assertEqual(api("DELETE", "/contacts/%s/notes/%s" % (cid, body["note"]["id"]))[2],
                         {"succeded": True})
        self.assertEqual(api("GET", "/contacts/%s/appointments" % cid)[2], {"events": []})

    def test_rate_limit_429_and_headers(self):
        ct_admin("POST", "/_sim/config", {"rate": "5/10"})
        try:
            for i in range(5):
                status, headers, _ = api("GET", "/contacts/?locationId=" + LOC)
                self.assertEqual(status, 200)
                self.assertEqual(headers["X-RateLimit-Remaining"], str(4 - i))
            status, headers, body = api("GET", "/contacts/?locationId=" + LOC)
            self.assertEqual((status, body), (429, {"statusCode": 429,
                                                    "message": "Too Many Requests"}))
            self.assertEqual(headers["X-RateLimit-Max"], "5")
            self.assertEqual(headers["X-RateLimit-Remaining"], "0")
            self.assertEqual(headers["X-RateLimit-Interval-Milliseconds"], "10000")
            for name in ("X-RateLimit-Limit-Daily", "X-RateLimit-Daily-Remaining",
                         "X-RateLimit-Daily-Reset"):
                self.assertTrue(headers[name].isdigit(), name)
            # Another location has its own bucket.
            self.assertEqual(api("GET", "/contacts/?locationId=loc_DE")[0], 200)
        finally:
            ct_admin("POST", "/_sim/config", {"rate": "100/10"})
        ct_admin("POST", "/_sim/config", {"force_429": 1})
        self.assertEqual(api("GET", "/contacts/?locationId=" + LOC)[0], 429)
        self.assertEqual(api("GET", "/contacts/?locationId=" + LOC)[0], 200)

    def test_log_masks_token(self):
        self.create(firstName="Log")
        entry = ct_admin("GET", "/_sim/log")[-1]
        self.assertEqual(entry["headers"]["Authorization"], "Bearer " + "*" * 13 + "oken")
        self.assertEqual(entry["body"]["firstName"], "Log")
        self.assertEqual(entry["status"], 201)
        self.assertEqual(len(ct_admin("GET", "/_sim/contacts")), 1)

    def test_unknown_location_forbidden(self):
        status, _, body = api("POST", "/contacts/", {"locationId": "loc_OTHER"})
        self.assertEqual((status, body["statusCode"]), (403, 403))


class DemoDataTest(unittest.TestCase):
    def test_generated_files_agree(self):
        data = os.path.join(HERE, "data")
        with open(os.path.join(data, "contacts.jsonl"), encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh]
        with open(os.path.join(data, "contacts.csv"), encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        self.assertEqual(lines[0], "First Name,Last Name,Email,Phone,Country")
        self.assertGreaterEqual(len(rows), 300)
        self.assertEqual(len(lines) - 1, len(rows))
        for row in rows:
            self.assertTrue(set(row) <= {"firstName", "lastName", "email", "phone", "country"})
            self.assertRegex(row["email"], r"@example\.(com|org)$")


if __name__ == "__main__":
    unittest.main(verbosity=2)
