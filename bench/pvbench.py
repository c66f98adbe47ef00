#!/usr/bin/python3
"""phoneval benchmarks: ngx_http_phoneval_module against plain proxy_pass.

    bench/run                 full mode (a few minutes)
    bench/run --quick         smoke run (about 30 s)
    bench/run --rounds 5 --duration 10 --out /tmp/r.json
    bench/run --only 3,5      some scenarios only

Everything runs on 127.0.0.1.  The nginx under test has one worker,
pinned to CPU 0; wrk (-t1 -c32) is pinned to CPU 1.  The mocks are nginx
servers using Debian's echo module: the Contacts API "echo upstream"
answers a write with the body it received, and the Byteplant mock answers
VALID_CONFIRMED at once or after 50 ms.  --layout same (default) puts the
mocks in the nginx under test (one worker does gateway + upstream work);
--layout split runs them as a second nginx sharing CPU 1 with wrk, so the
gateway worker has CPU 0 to itself.  Each scenario is measured against
its own baseline (the same request through a plain proxy_pass location of
the same server), alternating baseline/scenario, --rounds times; ratios
are medians of the per-round ratios.  The gateway worker's CPU time per
request (from /proc) is reported too: it is what the module costs, and it
holds up when other processes compete for the CPUs, which throughput does
not (foreign CPU use is measured and flagged).

Scenarios:
 1 baseline: single-contact POST (~1 KB HighLevel contact) via proxy_pass
 2 GET pass-through in a "phoneval on" location           target >= 0.97
 3 single-contact POST, cache hit, annotate customfields  target >= 0.95,
                                                  p99 added < 200 us
 4 single-contact POST, every request a miss, provider 50 ms
 5 bulk body of 100 contacts, all cache hits              target >= 0.50
 6 bulk of 100 distinct misses, provider 50 ms, phoneval_concurrency
   1/8/32: wall time / (ceil(100/c) * 50 ms)              target <= 1.15
 7 100 KB body spilled to a temp file, cache hit
 8 zone: bytes per cached verdict                         target <= 256

The script only talks to loopback, bounds every run in time, stops by
itself, and ends the processes it started (by pid) on exit or signal.
Python standard library only.
"""

import argparse
import hashlib
import http.client
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

NGINX = "/usr/sbin/nginx"
ECHO_SO = "/usr/lib/nginx/modules/ngx_http_echo_module.so"
MODULE_SO = os.path.join(TOP, "build", "ngx_http_phoneval_module.so")

PROVIDER_MS = 50
HARD_LIMIT_S = 1800          # the whole run never lasts longer than this

ANSWER = ('{"status":"VALID_CONFIRMED","linetype":"MOBILE",'
          '"location":"California","countrycode":"US",'
          '"formatnational":"(415) 555-0100",'
          '"formatinternational":"+1 415-555-0100",'
          '"mcc":"310","mnc":"260",'
          '"ratelimit_remain":999999,"ratelimit_seconds":300}')

# ---------------------------------------------------------------------------
# bodies

FIRST = ["Rosan", "Maria", "Chen", "Aisha", "Lukas", "Priya", "Diego", "Olga",
         "Kwame", "Yuki"]
LAST = ["Deo", "Garcia", "Wei", "Khan", "Schmidt", "Patel", "Lopez", "Ivanova",
        "Mensah", "Tanaka"]
CITIES = [("Dolomite", "AL", "35061"), ("Austin", "TX", "73301"),
          ("Portland", "OR", "97201"), ("Denver", "CO", "80202"),
          ("Boston", "MA", "02108")]


def phone_of(n):
    """A distinct North American number for every n < 6.4e9."""
    return "+1 %03d-%03d-%04d" % (200 + (n // 8000000) % 800,
                                  200 + (n // 10000) % 800, n % 10000)


def contact(i, phone):
    """A realistic HighLevel v2 create-contact body (~1 KB)."""
    fn, ln = FIRST[i % 10], LAST[(i // 10) % 10]
    city, state, zipc = CITIES[i % 5]
    return {
        "firstName": fn,
        "lastName": ln,
        "name": "%s %s" % (fn, ln),
        "email": "%s.%s%d@example.com" % (fn.lower(), ln.lower(), i),
        "locationId": "ve9EPM428h8vShlRW1KT",
        "gender": "female" if i % 2 else "male",
        "phone": phone,
        "address1": "%d 1st St N" % (100 + i % 9000),
        "city": city,
        "state": state,
        "postalCode": zipc,
        "website": "https://www.example.com",
        "timezone": "America/Chicago",
        "dnd": False,
        "dndSettings": {
            "Call": {"status": "inactive", "message": "", "code": ""},
            "Email": {"status": "inactive", "message": "", "code": ""},
            "SMS": {"status": "inactive", "message": "", "code": ""},
        },
        "inboundDndSettings": {"all": {"status": "inactive", "message": ""}},
        "tags": ["webinar-2024", "newsletter", "lead"],
        "customFields": [
            {"id": "6dvNaf7VhkQ9snc5vnjJ", "field_value": "Premium plan"},
            {"key": "contact.referral_source", "field_value": "Google Ads"},
        ],
        "source": "public api",
        "dateOfBirth": "1990-09-25",
        "country": "US",
        "companyName": "DGS VolMAX",
        "assignedTo": "y0BeYjuRIlDwsDcOHOJo",
    }


def single_body(n):
    return json.dumps(contact(n, phone_of(n)))


def bulk_body(first, count=100):
    return json.dumps({"locationId": "ve9EPM428h8vShlRW1KT",
                       "contacts": [contact(first + k, phone_of(first + k))
                                    for k in range(count)]})


def big_body(n, size=100 * 1024):
    """One contact whose customFields array brings it to about size bytes:
    the realistic way a single contact write gets large."""
    c = contact(n, phone_of(n))
    cf = c["customFields"]
    k = 0
    while len(json.dumps(c)) < size:
        cf.append({"id": "cf%018d" % k,
                   "field_value": "free text answer number %d, "
                                  "lorem ipsum dolor sit amet" % k})
        k += 1
    return json.dumps(c)


# ---------------------------------------------------------------------------
# wrk scripts

WRK_DONE = r'''
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "PVBENCH %d %d %d %d %d %d %d %d %.1f %d %d %d %d %d\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max))
end
'''

WRK_STATIC = r'''
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("%(body)s", "rb"))
wrk.body = f:read("*a")
f:close()
'''

WRK_GET = r'''
wrk.method = "GET"
wrk.headers["Accept"] = "application/json"
'''

# a distinct phone in every request body (all cache misses)
WRK_DISTINCT = r'''
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("%(body)s", "rb"))
local tpl = f:read("*a")
f:close()
local at = assert(string.find(tpl, "@PHONE@", 1, true))
local head, tail = string.sub(tpl, 1, at - 1), string.sub(tpl, at + 7)
local base, n = 0, 0
function init(args)
  base = tonumber(args[1]) or 0
end
function request()
  n = n + 1
  local k = base + n
  local phone = string.format("+1 %%03d-%%03d-%%04d",
    200 + math.floor(k / 8000000) %% 800,
    200 + math.floor(k / 10000) %% 800, k %% 10000)
  return wrk.format(nil, nil, nil, head .. phone .. tail)
end
'''

# ---------------------------------------------------------------------------
# nginx configurations

MOCK_SERVERS = r'''
    # the Contacts API: answers a write with the body it received
    server {
        listen 127.0.0.1:%(up_port)d backlog=4096;
        client_body_buffer_size 1m;
        default_type application/json;
        location = /contacts/ {
            echo_read_request_body;
            echo_request_body;
        }
        location /contacts/ {
            echo '%(get_json)s';
        }
    }

    # Byteplant, answering at once
    server {
        listen 127.0.0.1:%(pv0_port)d backlog=4096;
        default_type application/json;
        location / {
            echo_read_request_body;
            echo '%(answer)s';
        }
    }

    # Byteplant, answering after %(provider_ms)d ms
    server {
        listen 127.0.0.1:%(pv50_port)d backlog=4096;
        default_type application/json;
        location / {
            echo_read_request_body;
            echo_sleep %(provider_s)s;
            echo '%(answer)s';
        }
    }
'''

MOCK_CONF = r'''
load_module %(echo_so)s;
worker_processes 1;
pid %(wd)s/mock.pid;
error_log %(wd)s/mock-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    client_max_body_size 8m;
    client_body_temp_path %(wd)s/tmp/mock_body;
    proxy_temp_path %(wd)s/tmp/mock_proxy;
    fastcgi_temp_path %(wd)s/tmp/mock_fcgi;
    uwsgi_temp_path %(wd)s/tmp/mock_uwsgi;
    scgi_temp_path %(wd)s/tmp/mock_scgi;
%(servers)s
}
'''

PV_LOC = r'''
            phoneval on;
            phoneval_pass %(pass)s;
            phoneval_cache %(zone)s;'''

GW_CONF = r'''
load_module %(module_so)s;
%(load_echo)s
worker_processes 1;
%(master)s
pid %(wd)s/gw.pid;
error_log %(wd)s/gw-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    client_max_body_size 8m;
    client_body_temp_path %(wd)s/tmp/body;
    proxy_temp_path %(wd)s/tmp/proxy;
    fastcgi_temp_path %(wd)s/tmp/fcgi;
    uwsgi_temp_path %(wd)s/tmp/uwsgi;
    scgi_temp_path %(wd)s/tmp/scgi;

    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_buffers 64 8k;

    upstream crm {
        server 127.0.0.1:%(up_port)d;
        keepalive 128;
        keepalive_requests 1000000;
    }
    upstream byteplant_fast {
        server 127.0.0.1:%(pv0_port)d;
        keepalive 128;
        keepalive_requests 1000000;
    }
    upstream byteplant_50ms {
        server 127.0.0.1:%(pv50_port)d;
        keepalive 128;
        keepalive_requests 1000000;
    }

    # no rate=: the budget never limits the benchmark
    phoneval_zone zone=bench:64m;
    phoneval_zone zone=fill:%(fill_zone)s;

    phoneval_api_key          bench-key;
    phoneval_default_country  US;
    phoneval_result           status          cf_STATUS_ID;
    phoneval_result           last_validated  cf_LASTVAL_ID;
    phoneval_result           confidence      cf_CONF_ID;

    server {
        listen 127.0.0.1:%(gw_port)d backlog=4096;

        # baselines: the same server, phoneval off
        location /base/ {
            proxy_pass http://crm/;
        }
        location /basebulk/ {
            client_body_buffer_size 512k;
            proxy_pass http://crm/;
        }
        location /basespill/ {
            client_body_buffer_size 8k;
            proxy_pass http://crm/;
        }

        location /hit/ {%(pv_fast)s
            proxy_pass http://crm/;
        }
        location /miss/ {%(pv_50)s
            proxy_pass http://crm/;
        }
        location /bulk/ {
            client_body_buffer_size 512k;%(pv_fast)s
            proxy_pass http://crm/;
        }
        location /spill/ {
            client_body_buffer_size 8k;%(pv_fast)s
            proxy_pass http://crm/;
        }
        location /c1/ {
            client_body_buffer_size 512k;%(pv_50)s
            phoneval_concurrency 1;
            phoneval_timeout 60s;
            proxy_pass http://crm/;
        }
        location /c8/ {
            client_body_buffer_size 512k;%(pv_50)s
            phoneval_concurrency 8;
            phoneval_timeout 60s;
            proxy_pass http://crm/;
        }
        location /c32/ {
            client_body_buffer_size 512k;%(pv_50)s
            phoneval_concurrency 32;
            phoneval_timeout 60s;
            proxy_pass http://crm/;
        }
        location /fill/ {
            client_body_buffer_size 512k;%(pv_fill)s
            phoneval_concurrency 32;
            proxy_pass http://crm/;
        }

        location = /_pv_fast {
            internal;
            proxy_pass http://byteplant_fast/api/v2/verify;
        }
        location = /_pv_50ms {
            internal;
            proxy_pass http://byteplant_50ms/api/v2/verify;
        }
        location = /phoneval_status {
            phoneval_status;
        }
    }
%(mock_servers)s
}
'''

# ---------------------------------------------------------------------------
# process bookkeeping: only what we started, by pid

STARTED = []            # Popen objects of nginx masters


def children_of(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def stop_all():
    for p in STARTED:
        if p.poll() is not None:
            continue
        kids = children_of(p.pid)
        try:
            p.send_signal(signal.SIGTERM)       # nginx: fast shutdown
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            for pid in [p.pid] + kids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            p.wait(timeout=5)
        except OSError:
            pass
    STARTED.clear()


def on_signal(signum, frame):
    sys.stderr.write("bench: stopped by signal %d\n" % signum)
    signal.signal(signum, signal.SIG_DFL)
    raise SystemExit(130)       # the finally blocks stop nginx, clean up


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def wait_port(port, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on 127.0.0.1:%d" % port)


NICE = []                   # e.g. ["nice", "-n", "-20"]

# glibc gives a freed chunk at the top of the heap back to the kernel
# (trim) and takes it again at the next malloc; whether a request's 96 KB
# body buffer lands there depends on the heap's history, so the baseline's
# proxy_pass faulted 0 or 12-14 fresh pages per request from one gateway
# start to the next, and its CPU per request moved by a third.  Every
# nginx of the benchmark keeps its heap (the settings are inherited by the
# workers); the module's own buffers are recycled anyway, so this only
# takes away a cost of the baseline.  --malloc-default turns it off.
MALLOC_TUNABLES = ("glibc.malloc.trim_threshold=1073741824:"
                   "glibc.malloc.mmap_threshold=33554432")
NGINX_ENV = dict(os.environ, GLIBC_TUNABLES=MALLOC_TUNABLES)


def start_nginx(wd, name, conf, cpu, ports):
    path = os.path.join(wd, name + ".conf")
    with open(path, "w") as f:
        f.write(conf)
    cmd = [NGINX, "-p", wd + "/", "-e", os.path.join(wd, name + "-error.log"),
           "-c", path]
    t = subprocess.run(cmd + ["-t", "-q"], capture_output=True, text=True,
                       timeout=30)
    if t.returncode != 0:
        raise RuntimeError("nginx -t %s failed:\n%s" % (name, t.stderr))
    full = NICE + (["taskset", "-c", str(cpu)] if cpu is not None else []) \
        + cmd + ["-g", "daemon off;"]
    p = subprocess.Popen(full, stdin=subprocess.DEVNULL, env=NGINX_ENV)
    STARTED.append(p)
    for port in ports:
        wait_port(port)
    end = time.time() + 10
    while not children_of(p.pid) and time.time() < end:
        time.sleep(0.05)
    workers = children_of(p.pid)
    if not workers:
        raise RuntimeError("nginx %s has no worker" % name)
    return p, workers[0]


# ---------------------------------------------------------------------------
# measurements

def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])     # utime + stime


def minor_faults(pid):
    """The process's minor page faults so far (fresh pages it touched)."""
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[7])


def reset_hwm(pid):
    try:
        with open("/proc/%d/clear_refs" % pid, "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def vm_hwm_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


TICK = os.sysconf("SC_CLK_TCK")


def busy_ticks():
    """CPU ticks the whole machine spent busy (all CPUs)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]


class Bench:

    def __init__(self, args):
        self.args = args
        self.wd = None
        self.log = []
        self.log_load = []

    # -- setup --------------------------------------------------------------

    def setup(self):
        a = self.args
        self.wd = tempfile.mkdtemp(prefix="phoneval-bench-")
        os.chmod(self.wd, 0o755)          # workers run as nobody
        os.makedirs(os.path.join(self.wd, "tmp"))
        os.chmod(os.path.join(self.wd, "tmp"), 0o777)

        # a private copy: a rebuild during the run changes nothing
        so = os.path.join(self.wd, "ngx_http_phoneval_module.so")
        shutil.copy(a.module, so)
        with open(so, "rb") as f:
            self.module_sha = hashlib.sha256(f.read()).hexdigest()

        ncpu = os.cpu_count() or 1
        pin = ncpu >= 2 and shutil.which("taskset") and not a.no_pin
        self.gw_cpu = 0 if pin else None
        self.lg_cpu = 1 if pin else None

        (self.gw_port, self.up_port, self.pv0_port,
         self.pv50_port) = free_ports(4)

        bodies = {
            "single": single_body(1),
            "bulk": bulk_body(1000),
            "big": big_body(2),
            "distinct": json.dumps(contact(3, "@PHONE@")),
        }
        self.body = {}
        for k, v in bodies.items():
            path = os.path.join(self.wd, "body-%s.json" % k)
            with open(path, "w") as f:
                f.write(v)
            self.body[k] = (path, len(v.encode()))

        self.scripts = {}
        for k in ("single", "bulk", "big"):
            self.scripts[k] = self.lua(k, WRK_STATIC % {"body": self.body[k][0]})
        self.scripts["distinct"] = self.lua(
            "distinct", WRK_DISTINCT % {"body": self.body["distinct"][0]})
        self.scripts["get"] = self.lua("get", WRK_GET)

        get_json = json.dumps(dict(contact(4, phone_of(4)),
                                   id="seD4PfOuKoVMLkEZqohJ",
                                   dateAdded="2024-05-01T10:00:00.000Z"))
        servers = MOCK_SERVERS % {
            "up_port": self.up_port,
            "pv0_port": self.pv0_port, "pv50_port": self.pv50_port,
            "answer": ANSWER, "get_json": get_json,
            "provider_ms": PROVIDER_MS, "provider_s": "%.3f" % (PROVIDER_MS
                                                                / 1000.0),
        }
        self.same = (a.layout == "same")
        if not self.same:
            mock = MOCK_CONF % {"echo_so": ECHO_SO, "wd": self.wd,
                                "servers": servers}
            self.mock, self.mock_worker = start_nginx(
                self.wd, "mock", mock, self.lg_cpu,
                [self.up_port, self.pv0_port, self.pv50_port])

        self.fill_zone_bytes = a.fill_zone_kb * 1024
        self.gw_conf = GW_CONF % {
            "module_so": so, "wd": self.wd, "master": "",
            "load_echo": "load_module %s;" % ECHO_SO if self.same else "",
            "mock_servers": servers if self.same else "",
            "gw_port": self.gw_port, "up_port": self.up_port,
            "pv0_port": self.pv0_port, "pv50_port": self.pv50_port,
            "fill_zone": "%dk" % a.fill_zone_kb,
            "pv_fast": PV_LOC % {"pass": "/_pv_fast", "zone": "bench"},
            "pv_50": PV_LOC % {"pass": "/_pv_50ms", "zone": "bench"},
            "pv_fill": PV_LOC % {"pass": "/_pv_fast", "zone": "fill"},
        }
        self.gw, self.gw_worker = start_nginx(
            self.wd, "gw", self.gw_conf, self.gw_cpu,
            [self.gw_port] + ([self.up_port, self.pv0_port, self.pv50_port]
                              if self.same else []))
        if self.same:
            self.mock, self.mock_worker = None, None
        self.seq = 10 ** 6          # distinct phone numbers from here on

    def lua(self, name, text):
        path = os.path.join(self.wd, "wrk-%s.lua" % name)
        with open(path, "w") as f:
            f.write(text + WRK_DONE)
        return path

    # -- HTTP helpers -------------------------------------------------------

    def request(self, method, path, body=None, timeout=120):
        c = http.client.HTTPConnection("127.0.0.1", self.gw_port,
                                       timeout=timeout)
        try:
            headers = {"Accept": "application/json"}
            if body is not None:
                headers["Content-Type"] = "application/json"
            t0 = time.perf_counter()
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
            return r.status, data, time.perf_counter() - t0
        finally:
            c.close()

    def status(self):
        st, data, _ = self.request("GET", "/phoneval_status?format=json")
        if st != 200:
            raise RuntimeError("phoneval_status answered %d" % st)
        return json.loads(data)["zones"]

    def counters(self, zone="bench"):
        z = self.status()[zone]
        return {"hits": z["cache"]["hits"], "misses": z["cache"]["misses"],
                "annotated": z["requests"]["annotated"],
                "calls_ok": z["provider_calls"]["ok"],
                "entries": z["cache"]["entries"]}

    # -- wrk ----------------------------------------------------------------

    def wrk(self, path, script, duration, conns, args=()):
        a = self.args
        cmd = NICE + (["taskset", "-c", str(self.lg_cpu)]
                      if self.lg_cpu is not None else [])
        cmd += ["wrk", "-t1", "-c%d" % conns, "-d%ds" % duration, "--latency",
                "--timeout", "5s", "-s", script,
                "http://127.0.0.1:%d%s" % (self.gw_port, path)]
        if args:
            cmd += ["--"] + [str(x) for x in args]

        out = os.path.join(self.wd, "wrk.out")
        mk = self.mock_worker
        gw0, mk0 = cpu_ticks(self.gw_worker), cpu_ticks(mk) if mk else 0
        flt0 = minor_faults(self.gw_worker)
        all0 = busy_ticks()
        t0 = time.time()
        with open(out, "w") as f:
            p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL)
            deadline = t0 + duration + 60
            try:
                while True:
                    pid, status, ru = os.wait4(p.pid, os.WNOHANG)
                    if pid:
                        p.returncode = os.waitstatus_to_exitcode(status)
                        break
                    if time.time() > deadline:
                        raise RuntimeError("wrk did not stop: %s" % cmd)
                    time.sleep(0.02)
            except BaseException:
                if p.returncode is None:
                    p.kill()
                    os.wait4(p.pid, 0)
                raise
        wall = time.time() - t0
        gw1, mk1 = cpu_ticks(self.gw_worker), cpu_ticks(mk) if mk else 0
        flt1 = minor_faults(self.gw_worker)
        all1 = busy_ticks()
        text = open(out).read()
        line = [l for l in text.splitlines() if l.startswith("PVBENCH ")]
        if p.returncode != 0 or not line:
            raise RuntimeError("wrk failed (%s):\n%s" % (p.returncode, text))
        v = line[-1].split()[1:]
        req, dur = int(v[0]), int(v[1])
        r = {
            "requests": req,
            "rps": req / (dur / 1e6),
            "errors": {"connect": int(v[3]), "read": int(v[4]),
                       "write": int(v[5]), "status": int(v[6]),
                       "timeout": int(v[7])},
            "lat_mean_us": float(v[8]),
            "p50_us": int(v[9]), "p90_us": int(v[10]), "p99_us": int(v[11]),
            "p999_us": int(v[12]), "max_us": int(v[13]),
            "gw_cpu_util": (gw1 - gw0) / TICK / wall,
            "gw_cpu_us_per_req": (gw1 - gw0) / TICK * 1e6 / max(req, 1),
            # fresh pages the worker faulted in: allocator churn shows here
            "gw_faults_per_req": (flt1 - flt0) / max(req, 1),
            "loadgen_cpu_util": ((mk1 - mk0) / TICK + ru.ru_utime
                                 + ru.ru_stime) / wall,
            # CPUs' worth of time spent by anything but this benchmark
            "foreign_cpu": max(0.0, ((all1 - all0) - (gw1 - gw0)
                                     - (mk1 - mk0)) / TICK
                               - ru.ru_utime - ru.ru_stime) / wall,
        }
        bad = sum(r["errors"].values())
        if bad:
            self.log.append("%s: %d errors %s" % (path, bad, r["errors"]))
        return r

    # -- scenarios ----------------------------------------------------------

    def paired(self, sid, name, base, scen, conns=32, target=None,
               lat_target=None, check=None, unloaded=False, warm=None):
        """base/scen: (path, script key, distinct?) measured alternately."""
        a = self.args
        print("[%s] %s" % (sid, name), flush=True)
        self.wait_idle()
        if warm:
            warm()

        def run(spec, duration, c):
            path, key, distinct = spec
            args = ()
            if distinct:
                self.seq += 10 ** 7     # never a number seen before
                args = (self.seq,)
            r = self.wrk(path, self.scripts[key], duration, c, args)
            if distinct:
                self.seq += 10 ** 7     # past what this run used
            return r

        # warm-up: connections, caches, the first slab pages
        run(base, 1, conns)
        run(scen, 1, conns)

        before = self.counters()
        reset_hwm(self.gw_worker)
        rounds = []
        for i in range(a.rounds):
            b = run(base, a.duration, conns)
            s = run(scen, a.duration, conns)
            rd = {"baseline": b, "scenario": s,
                  "ratio": s["rps"] / b["rps"],
                  "added_p50_us": s["p50_us"] - b["p50_us"],
                  "added_p99_us": s["p99_us"] - b["p99_us"],
                  "added_cpu_us_per_req": s["gw_cpu_us_per_req"]
                  - b["gw_cpu_us_per_req"]}
            if unloaded and a.unloaded_duration > 0:
                b1 = run(base, a.unloaded_duration, 1)
                s1 = run(scen, a.unloaded_duration, 1)
                rd["unloaded"] = {"baseline": b1, "scenario": s1,
                                  "added_p50_us": s1["p50_us"]
                                  - b1["p50_us"],
                                  "added_p99_us": s1["p99_us"]
                                  - b1["p99_us"]}
            rounds.append(rd)
            print("    round %d: base %.0f rps, scenario %.0f rps, "
                  "ratio %.3f, p99 %d -> %d us" % (
                      i + 1, b["rps"], s["rps"], rd["ratio"], b["p99_us"],
                      s["p99_us"]), flush=True)
        hwm = vm_hwm_kb(self.gw_worker)
        after = self.counters()
        delta = {k: after[k] - before[k] for k in before}

        med = statistics.median
        res = {
            "id": sid, "name": name,
            "baseline_path": base[0], "scenario_path": scen[0],
            "connections": conns,
            "rounds": rounds,
            "baseline_rps": med([r["baseline"]["rps"] for r in rounds]),
            "scenario_rps": med([r["scenario"]["rps"] for r in rounds]),
            "ratio": med([r["ratio"] for r in rounds]),
            "ratio_min": min(r["ratio"] for r in rounds),
            "ratio_max": max(r["ratio"] for r in rounds),
            "baseline_p50_us": med([r["baseline"]["p50_us"] for r in rounds]),
            "baseline_p99_us": med([r["baseline"]["p99_us"] for r in rounds]),
            "scenario_p50_us": med([r["scenario"]["p50_us"] for r in rounds]),
            "scenario_p99_us": med([r["scenario"]["p99_us"] for r in rounds]),
            "added_p50_us": med([r["added_p50_us"] for r in rounds]),
            "added_p99_us": med([r["added_p99_us"] for r in rounds]),
            "baseline_cpu_us_per_req": med(
                [r["baseline"]["gw_cpu_us_per_req"] for r in rounds]),
            "scenario_cpu_us_per_req": med(
                [r["scenario"]["gw_cpu_us_per_req"] for r in rounds]),
            "added_cpu_us_per_req": med(
                [r["added_cpu_us_per_req"] for r in rounds]),
            "baseline_faults_per_req": med(
                [r["baseline"]["gw_faults_per_req"] for r in rounds]),
            "scenario_faults_per_req": med(
                [r["scenario"]["gw_faults_per_req"] for r in rounds]),
            # the throughput ratio when the nginx worker is the bottleneck
            "cpu_bound_ratio": med(
                [r["baseline"]["gw_cpu_us_per_req"]
                 / r["scenario"]["gw_cpu_us_per_req"] for r in rounds]),
            "gw_cpu_util": med([r["scenario"]["gw_cpu_util"]
                                for r in rounds]),
            "loadgen_cpu_util": med([r["scenario"]["loadgen_cpu_util"]
                                     for r in rounds]),
            "foreign_cpu_max": max(max(r["baseline"]["foreign_cpu"],
                                       r["scenario"]["foreign_cpu"])
                                   for r in rounds),
            "peak_rss_kb": hwm,
            "counters_delta": delta,
            "errors": sum(sum(r[k]["errors"].values()) for r in rounds
                          for k in ("baseline", "scenario")),
        }
        if unloaded and a.unloaded_duration > 0:
            res["unloaded_added_p50_us"] = med(
                [r["unloaded"]["added_p50_us"] for r in rounds])
            res["unloaded_added_p99_us"] = med(
                [r["unloaded"]["added_p99_us"] for r in rounds])
            res["unloaded_baseline_p50_us"] = med(
                [r["unloaded"]["baseline"]["p50_us"] for r in rounds])
        if res["foreign_cpu_max"] > 0.15:
            self.log.append("[%s] other processes used up to %.2f CPUs while "
                            "measuring: ratios are unreliable"
                            % (sid, res["foreign_cpu_max"]))
        targets = []
        if target is not None:
            targets.append(("ratio >= %.2f" % target, res["ratio"] >= target))
            targets.append(("CPU-bound ratio >= %.2f" % target,
                            res["cpu_bound_ratio"] >= target))
        if lat_target is not None:
            targets.append(("p99 added < %d us" % lat_target,
                            res["added_p99_us"] < lat_target))
        if res["errors"]:
            targets.append(("no errors", False))
        res["checks"] = check(res) if check else []
        res["targets"] = [{"target": t, "met": m} for t, m in targets]
        return res

    def wait_idle(self):
        """Waits (bounded) until other processes leave the CPUs alone."""
        a = self.args
        start = time.time()
        end = start + a.wait_idle
        said = 0
        while True:
            b0, t0 = busy_ticks(), time.time()
            time.sleep(1)
            load = (busy_ticks() - b0) / TICK / (time.time() - t0)
            if load < a.idle_threshold or time.time() >= end:
                break
            if time.time() - said >= 15:
                said = time.time()
                print("    waiting: other processes keep %.2f CPUs busy "
                      "(%.0f of at most %d s)" % (load, said - start,
                                                   a.wait_idle), flush=True)
        self.log_load.append(round(load, 2))

    def warm_hit(self, path, body_key):
        def f():
            body = open(self.body[body_key][0]).read()
            for _ in range(2):
                st, data, _ = self.request("POST", path, body)
                if st != 200:
                    raise RuntimeError("warm-up %s: HTTP %d" % (path, st))
            if b'"field_value":"VALID_CONFIRMED"' not in data:
                raise RuntimeError("warm-up %s: the body the upstream got "
                                   "has no verdict" % path)
        return f

    def check_hits(self, res):
        d = res["counters_delta"]
        return [{"check": "no cache miss while measuring",
                 "ok": d["misses"] == 0, "detail": d}]

    def check_misses(self, res):
        d = res["counters_delta"]
        return [{"check": "every phone a miss and a provider call",
                 "ok": d["hits"] == 0 and d["calls_ok"] > 0, "detail": d}]

    def scenario_concurrency(self):
        a = self.args
        print("[6] bulk of 100 misses, provider %d ms" % PROVIDER_MS,
              flush=True)
        out = []
        # warm the provider keepalive connections once
        self.request("POST", "/c32/contacts/", bulk_body(self.seq_next()))
        for c in (1, 8, 32):
            ideal = math.ceil(100 / c) * PROVIDER_MS / 1000.0
            walls = []
            before = self.counters()
            for i in range(a.rounds6):
                st, data, wall = self.request(
                    "POST", "/c%d/contacts/" % c, bulk_body(self.seq_next()))
                if st != 200:
                    raise RuntimeError("/c%d/: HTTP %d" % (c, st))
                walls.append(wall)
            after = self.counters()
            delta = {k: after[k] - before[k] for k in before}
            med = statistics.median(walls)
            r = {"concurrency": c, "ideal_s": ideal, "walls_s": walls,
                 "median_s": med, "ratio": med / ideal,
                 "counters_delta": delta,
                 "checks": [{"check": "100 provider calls per request",
                             "ok": delta["calls_ok"] == 100 * a.rounds6
                             and delta["hits"] == 0, "detail": delta}],
                 "targets": [{"target": "wall <= 1.15 x ideal",
                              "met": med / ideal <= 1.15}]}
            print("    c=%-2d median %.3f s, ideal %.3f s, ratio %.3f" % (
                c, med, ideal, med / ideal), flush=True)
            out.append(r)
        return out

    def seq_next(self):
        self.seq += 1000
        return self.seq

    def scenario_zone(self):
        a = self.args
        print("[8] zone: bytes per cached verdict (%d KB zone)"
              % a.fill_zone_kb, flush=True)
        z0 = self.status()["fill"]["cache"]
        free0 = z0["free_bytes"]
        samples = []
        last = z0
        deadline = time.time() + 120
        for i in range(100000):
            if time.time() > deadline:
                break
            st, _, _ = self.request("POST", "/fill/contacts/",
                                    bulk_body(self.seq_next()))
            if st != 200:
                raise RuntimeError("/fill/: HTTP %d" % st)
            z = self.status()["fill"]["cache"]
            if z["evictions"] == 0:
                last = z
            samples.append((z["entries"], z["free_bytes"], z["evictions"]))
            if z["evictions"] >= 2000:
                break
        full = self.status()["fill"]["cache"]
        used = free0 - last["free_bytes"]
        marginal = used / last["entries"] if last["entries"] else None
        overall = self.fill_zone_bytes / full["entries"]
        r = {"zone_bytes": self.fill_zone_bytes,
             "free_bytes_empty": free0,
             "before_eviction": {"entries": last["entries"],
                                 "free_bytes": last["free_bytes"]},
             "full": {"entries": full["entries"],
                      "free_bytes": full["free_bytes"],
                      "evictions": full["evictions"]},
             "bytes_per_verdict_marginal": marginal,
             "bytes_per_verdict_zone": overall,
             "targets": [{"target": "zone bytes / verdict <= 256",
                          "met": overall <= 256}]}
        print("    %d verdicts fill %d bytes: %.1f bytes/verdict "
              "(marginal %.1f)" % (full["entries"], self.fill_zone_bytes,
                                   overall, marginal or 0), flush=True)
        return r

    # -- the run ------------------------------------------------------------

    def run(self):
        a = self.args
        want = set(a.only) if a.only else set(range(1, 9))
        results = {"scenarios": []}
        t0 = time.time()
        single = ("/base/contacts/", "single", False)

        if want & {1, 3}:
            res = self.paired(
                3, "single-contact POST, cache hit, annotate customfields",
                single, ("/hit/contacts/", "single", False),
                target=0.95, lat_target=200, check=self.check_hits,
                unloaded=True, warm=self.warm_hit("/hit/contacts/", "single"))
            results["scenarios"].append(res)

        if 2 in want:
            results["scenarios"].append(self.paired(
                2, "GET pass-through, phoneval on",
                ("/base/contacts/seD4PfOuKoVMLkEZqohJ", "get", False),
                ("/hit/contacts/seD4PfOuKoVMLkEZqohJ", "get", False),
                target=0.97, unloaded=True))

        if 4 in want:
            results["scenarios"].append(self.paired(
                4, "single-contact POST, cache miss, provider %d ms"
                % PROVIDER_MS,
                ("/base/contacts/", "distinct", True),
                ("/miss/contacts/", "distinct", True),
                check=self.check_misses))

        if 5 in want:
            results["scenarios"].append(self.paired(
                5, "bulk body of 100 contacts, all cache hits",
                ("/basebulk/contacts/", "bulk", False),
                ("/bulk/contacts/", "bulk", False),
                target=0.50, check=self.check_hits, unloaded=True,
                warm=self.warm_hit("/bulk/contacts/", "bulk")))

        if 7 in want:
            results["scenarios"].append(self.paired(
                7, "100 KB body spilled to a temp file, cache hit",
                ("/basespill/contacts/", "big", False),
                ("/spill/contacts/", "big", False),
                check=self.check_hits, unloaded=True,
                warm=self.warm_hit("/spill/contacts/", "big")))

        if 6 in want:
            results["concurrency"] = self.scenario_concurrency()

        if 8 in want:
            results["zone"] = self.scenario_zone()

        results["elapsed_s"] = time.time() - t0
        results["gw_worker_vmhwm_kb_end"] = vm_hwm_kb(self.gw_worker)
        errlog = open(os.path.join(self.wd, "gw-error.log")).read()
        lines = [l for l in errlog.splitlines()
                 if "buffered to a temporary file" not in l]
        results["gw_error_log_lines"] = {
            lvl: sum(1 for l in lines if "[%s]" % lvl in l)
            for lvl in ("emerg", "alert", "crit", "error", "warn")}
        results["gw_error_log_sample"] = lines[:5]
        results["notes"] = self.log
        return results


# ---------------------------------------------------------------------------
# report

def machine():
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    v = subprocess.run([NGINX, "-v"], capture_output=True, text=True)
    wrk = subprocess.run(["wrk", "--version"], capture_output=True,
                         text=True)
    rev = subprocess.run(["git", "-C", TOP, "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", TOP, "status", "--porcelain",
                            "ngx_http_phoneval_module"],
                           capture_output=True, text=True)
    return {"nproc": os.cpu_count(), "cpu_model": model,
            "kernel": os.uname().release,
            "nginx": v.stderr.strip().split("/")[-1],
            "wrk": (wrk.stdout + wrk.stderr).split("[")[0].strip(),
            "git": rev.stdout.strip() + (" (module sources modified)"
                                         if dirty.stdout.strip() else "")}


def fmt_table(results):
    rows = []
    hdr = ("| # | scenario | baseline rps | scenario rps | ratio (min-max) "
           "| added p50 / p99 (us), c32 | added p50 / p99 (us), c1 "
           "| worker CPU us/req (base -> scen) | CPU-bound ratio "
           "| page faults/req (base -> scen) | peak RSS | targets |")
    rows.append(hdr)
    rows.append("|" + "---|" * 12)
    for s in sorted(results["scenarios"], key=lambda s: s["id"]):
        unl = ("%d / %d" % (s["unloaded_added_p50_us"],
                            s["unloaded_added_p99_us"])
               if "unloaded_added_p50_us" in s else "-")
        tg = "; ".join("%s: %s" % (t["target"], "met" if t["met"] else
                                   "MISSED") for t in s["targets"]) or "-"
        if any(not c["ok"] for c in s["checks"]):
            tg += " (CHECK FAILED)"
        rows.append("| %d | %s | %.0f | %.0f | %.3f (%.3f-%.3f) | %d / %d "
                    "| %s | %.1f -> %.1f | %.3f | %.2f -> %.2f | %d KB | %s |"
                    % (s["id"], s["name"], s["baseline_rps"],
                       s["scenario_rps"], s["ratio"], s["ratio_min"],
                       s["ratio_max"], s["added_p50_us"],
                       s["added_p99_us"], unl,
                       s["baseline_cpu_us_per_req"],
                       s["scenario_cpu_us_per_req"], s["cpu_bound_ratio"],
                       s["baseline_faults_per_req"],
                       s["scenario_faults_per_req"],
                       s["peak_rss_kb"], tg))
        if s["id"] == 3:
            b = s
            rows.append("| 1 | baseline: single-contact POST, proxy_pass "
                        "| %.0f | - | 1 | p50 %d / p99 %d (absolute) | p50 "
                        "%s (absolute) | %.1f | - | - | - | - |" % (
                            b["baseline_rps"], b["baseline_p50_us"],
                            b["baseline_p99_us"],
                            b.get("unloaded_baseline_p50_us", "-"),
                            b["baseline_cpu_us_per_req"]))
    out = "\n".join(rows) + "\n"
    if "concurrency" in results:
        out += ("\n| phoneval_concurrency | ideal | median wall | ratio "
                "| target |\n|---|---|---|---|---|\n")
        for c in results["concurrency"]:
            out += "| %d | %.3f s | %.3f s | %.3f | <= 1.15: %s%s |\n" % (
                c["concurrency"], c["ideal_s"], c["median_s"], c["ratio"],
                "met" if c["targets"][0]["met"] else "MISSED",
                "" if all(k["ok"] for k in c["checks"])
                else " (CHECK FAILED: not all misses)")
    if "zone" in results:
        z = results["zone"]
        out += ("\nzone: %d verdicts in a %d KB zone = %.1f bytes/verdict "
                "(marginal, page-level: %.1f); <= 256: %s\n" % (
                    z["full"]["entries"], z["zone_bytes"] // 1024,
                    z["bytes_per_verdict_zone"],
                    z["bytes_per_verdict_marginal"] or 0,
                    "met" if z["targets"][0]["met"] else "MISSED"))
    return out


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 1 round of 1 s, no -c1 runs "
                         "(about 30 s in all)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="baseline/scenario pairs per scenario (default 3)")
    ap.add_argument("--duration", type=int, default=8,
                    help="seconds per wrk run (default 8)")
    ap.add_argument("--unloaded-duration", type=int, default=2,
                    help="seconds per wrk -c1 run (default 2; 0: none)")
    ap.add_argument("--only", type=lambda s: [int(x) for x in s.split(",")],
                    help="comma-separated scenario numbers")
    ap.add_argument("--out", default=None,
                    help="JSON results (default bench/results.json; "
                         "--quick: bench/results-quick.json)")
    ap.add_argument("--module", default=MODULE_SO)
    ap.add_argument("--fill-zone-kb", type=int, default=1024)
    ap.add_argument("--layout", choices=("same", "split"), default="same",
                    help="same: the mocks are servers of the nginx under "
                         "test (one worker on CPU 0, wrk on CPU 1); split: "
                         "the mocks are a second nginx sharing CPU 1 with "
                         "wrk, so the gateway worker has CPU 0 to itself "
                         "(the strictest view of the module's cost)")
    ap.add_argument("--no-pin", action="store_true",
                    help="do not pin nginx and wrk to CPUs")
    ap.add_argument("--wait-idle", type=int, default=None,
                    help="before each scenario, wait up to this many "
                         "seconds for other processes to go quiet "
                         "(default: 90, quick: 0)")
    ap.add_argument("--idle-threshold", type=float, default=0.1,
                    help="CPUs of foreign load counted as quiet (0.1)")
    ap.add_argument("--nice", type=int, default=None,
                    help="run nginx and wrk at this nice level (default "
                         "-20 as root, so that other work on the machine "
                         "disturbs less; 0 to disable)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory (configs, logs)")
    ap.add_argument("--malloc-default", action="store_true",
                    help="run nginx with glibc's default heap trimming "
                         "(see MALLOC_TUNABLES)")
    a = ap.parse_args()
    if a.malloc_default:
        NGINX_ENV.pop("GLIBC_TUNABLES", None)
    if a.quick:
        a.rounds, a.duration, a.unloaded_duration = 1, 1, 0
    a.rounds6 = max(a.rounds, 1) if not a.quick else 1
    if a.out is None:
        a.out = os.path.join(HERE, "results-quick.json" if a.quick
                             else "results.json")
    if a.nice is None:
        a.nice = -20 if os.geteuid() == 0 else 0
    if a.nice:
        NICE[:] = ["nice", "-n", str(a.nice)]
    if a.wait_idle is None:
        a.wait_idle = 0 if a.quick else 90

    for path, what in ((NGINX, "nginx"), (ECHO_SO, "the echo module "
                                          "(libnginx-mod-http-echo)"),
                       (a.module, "the module (make module)")):
        if not os.path.exists(path):
            sys.exit("bench: %s not found: %s" % (what, path))
    if not shutil.which("wrk"):
        sys.exit("bench: wrk not found (apt-get install wrk)")

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGALRM, on_signal)
    signal.alarm(HARD_LIMIT_S)

    b = Bench(a)
    try:
        b.setup()
        results = b.run()
    finally:
        stop_all()
        if b.wd and not a.keep:
            shutil.rmtree(b.wd, ignore_errors=True)
        elif b.wd:
            print("bench: work directory kept: %s" % b.wd)
    signal.alarm(0)

    results["machine"] = machine()
    results["settings"] = {
        "mode": "quick" if a.quick else "full", "rounds": a.rounds,
        "duration_s": a.duration, "unloaded_duration_s": a.unloaded_duration,
        "wrk": "-t1 -c32 --latency", "provider_ms": PROVIDER_MS,
        "layout": a.layout,
        "nice": a.nice,
        "nginx_glibc_tunables": NGINX_ENV.get("GLIBC_TUNABLES"),
        "pinning": ("nginx under test (with the mocks) cpu 0; wrk cpu 1"
                    if b.gw_cpu is not None and a.layout == "same" else
                    "gateway cpu 0; wrk + mock nginx cpu 1"
                    if b.gw_cpu is not None else "none"),
        "module_sha256": b.module_sha,
        "machine_load_before_scenarios_cpus": b.log_load,
        "bodies_bytes": {k: v[1] for k, v in b.body.items()},
    }
    results["table"] = fmt_table(results)
    with open(a.out, "w") as f:
        json.dump(results, f, indent=1)
    print()
    print(results["table"])
    if results["notes"]:
        print("notes:\n  " + "\n  ".join(results["notes"]))
    print("error log of the gateway: %s" % results["gw_error_log_lines"])
    print("results: %s" % a.out)


if __name__ == "__main__":
    main()
