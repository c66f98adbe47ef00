#!/usr/bin/python3
"""Start or stop the phoneval sandbox: both simulators plus an nginx gateway.

    demo_env.py up RUN_DIR [options]   start everything, write RUN_DIR/env.sh
                                       and RUN_DIR/env.json, return
    demo_env.py up RUN_DIR --no-gateway [options]
    demo_env.py gateway RUN_DIR        the same in two steps (for creating the
                                       result fields in between)
    demo_env.py down RUN_DIR           stop what "up" started in RUN_DIR

"up" starts sandbox/byteplant and sandbox/contacts on free ports, creates
the result custom fields in the Contacts simulator through its API, fills
in sandbox/nginx/*.conf.in and starts nginx with the built module
(nginx -p RUN_DIR/ -c RUN_DIR/nginx.conf). Processes run in the background
until "down"; their pids, logs and ports stay in RUN_DIR. Used by
sandbox/demo.sh and by t/500-sdk-e2e.t. Python 3 standard library only.
"""

import argparse
import http.client
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time

SANDBOX = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(SANDBOX)

TOKEN = "pit-sandbox-token"
BYTEPLANT_KEY = "pv-0123456789abcdef0123456789abcdef"

# the result custom fields: phoneval_result ITEM, then how the field is
# created in the Contacts simulator (the keys "phoneval fields --create"
# makes and "phoneval sync" looks up)
FIELDS = [
    ("status", "Phone Validation Status", "contact.phone_validation_status",
     "TEXT"),
    ("last_validated", "Phone Last Validated", "contact.phone_last_validated",
     "TEXT"),
    ("confidence", "Phone Confidence", "contact.phone_confidence",
     "NUMERICAL"),
    ("line_type", "Phone Line Type", "contact.phone_line_type", "TEXT"),
]

PROCS = ("byteplant", "contacts")


class SetupError(Exception):
    pass


def log_tail(path, n=15):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return ""
    return "\n".join("    " + line for line in lines[-n:])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def request(port, method, path, body=None, headers=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            doc = raw.decode("utf-8", "replace")
        return resp.status, doc
    finally:
        conn.close()


def api_headers():
    return {"Authorization": "Bearer " + TOKEN, "Version": "2021-07-28"}


def start_sim(run_dir, name, args):
    port_file = os.path.join(run_dir, name + ".port")
    out = open(os.path.join(run_dir, name + ".log"), "ab")
    proc = subprocess.Popen(
        [os.path.join(SANDBOX, name), "--port", "0", "--port-file", port_file,
         "--log", os.path.join(run_dir, name + ".jsonl")] + args,
        stdin=subprocess.DEVNULL, stdout=out, stderr=out,
        start_new_session=True)
    out.close()
    with open(os.path.join(run_dir, name + ".pid"), "w") as f:
        f.write("%d\n" % proc.pid)
    return proc, port_file


def wait_port(run_dir, name, proc, port_file, deadline):
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SetupError("%s simulator exited (status %s):\n%s" % (
                name, proc.returncode,
                log_tail(os.path.join(run_dir, name + ".log"))))
        try:
            with open(port_file) as f:
                text = f.read().strip()
            if text:
                return int(text)
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    raise SetupError("%s simulator did not start within 15 s:\n%s" % (
        name, log_tail(os.path.join(run_dir, name + ".log"))))


def ensure_fields(contacts_port, location):
    """Creates the result custom fields (or finds them), returns item -> id."""
    path = "/locations/%s/customFields" % location
    status, doc = request(contacts_port, "GET", path + "?model=contact",
                          headers=api_headers())
    if status != 200:
        raise SetupError("GET %s: %s %s" % (path, status, doc))
    by_key = {f.get("fieldKey"): f["id"] for f in doc.get("customFields", [])}
    ids = {}
    for item, name, key, data_type in FIELDS:
        if key in by_key:
            ids[item] = by_key[key]
            continue
        status, doc = request(contacts_port, "POST", path,
                              body={"name": name, "dataType": data_type,
                                    "fieldKey": key, "model": "contact"},
                              headers=api_headers())
        if status != 201:
            raise SetupError("POST %s (%s): %s %s" % (path, key, status, doc))
        ids[item] = doc["customField"]["id"]
    return ids


def render(template, values, dest):
    with open(template, encoding="utf-8") as f:
        text = f.read()
    for name, value in values.items():
        text = text.replace("@%s@" % name, str(value))
    left = re.search(r"@[A-Z_]+@", text)
    if left:
        raise SetupError("%s: no value for %s" % (template, left.group(0)))
    with open(dest, "w", encoding="utf-8") as f:
        f.write("# generated by sandbox/demo_env.py from sandbox/nginx/%s\n"
                % os.path.basename(template))
        f.write(text)


def nginx_cmd(nginx, run_dir):
    conf = os.path.join(run_dir, "nginx.conf")
    return [nginx, "-p", run_dir + "/", "-e",
            os.path.join(run_dir, "error.log"), "-c", conf]


def start_nginx(cmd, run_dir, values, deadline):
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(run_dir, "tmp", sub), exist_ok=True)
    render(os.path.join(SANDBOX, "nginx", "contacts_locations.conf.in"), {},
           os.path.join(run_dir, "contacts_locations.conf"))
    render(os.path.join(SANDBOX, "nginx", "gateway.conf.in"), values,
           os.path.join(run_dir, "nginx.conf"))

    test = subprocess.run(cmd + ["-t", "-q"], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if test.returncode != 0:
        raise SetupError("nginx -t failed:\n    %s" % test.stdout.decode(
            "utf-8", "replace").strip().replace("\n", "\n    "))
    start = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if start.returncode != 0:
        raise SetupError("nginx did not start:\n    %s" % start.stdout.decode(
            "utf-8", "replace").strip().replace("\n", "\n    "))
    while time.time() < deadline:
        try:
            status, _ = request(values["PORT"], "GET",
                                "/phoneval_status?format=json", timeout=2)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.02)
    raise SetupError("nginx does not answer on port %s:\n%s" % (
        values["PORT"], log_tail(os.path.join(run_dir, "error.log"))))


def write_env(run_dir, env):
    with open(os.path.join(run_dir, "env.json"), "w") as f:
        json.dump(env, f, indent=2)
        f.write("\n")
    with open(os.path.join(run_dir, "env.sh"), "w") as f:
        for key, value in env.items():
            if isinstance(value, dict):
                for k, v in value.items():
                    f.write("PV_CF_%s=%s\n" % (k.upper(), shlex.quote(v)))
            elif isinstance(value, list):
                f.write("PV_%s=%s\n" % (key.upper(), shlex.quote(
                    " ".join(shlex.quote(v) for v in value))))
            else:
                f.write("PV_%s=%s\n" % (key.upper(), shlex.quote(str(value))))


def cmd_up(args):
    """Both simulators; then the gateway unless --no-gateway."""
    run_dir = os.path.abspath(args.run_dir)
    os.makedirs(run_dir, exist_ok=True)
    deadline = time.time() + 15
    module_so = os.path.abspath(args.module)
    if not os.path.isfile(module_so):
        raise SetupError("%s not found: run \"make module\" first"
                         % module_so)
    if not os.access(args.nginx, os.X_OK):
        raise SetupError("%s not found or not executable" % args.nginx)
    n, per = args.byteplant_rate.split("/")
    zone_rate = "%sr/%ss" % (int(n), int(per))

    key_file = os.path.join(run_dir, "byteplant.key")
    with open(key_file, "w") as f:
        f.write(BYTEPLANT_KEY + "\n")
    os.chmod(key_file, 0o600)

    bp, bp_file = start_sim(run_dir, "byteplant",
                            ["--rate", args.byteplant_rate])
    contacts_args = ["--rate", args.contacts_rate,
                     "--location", args.location + ":US"]
    for loc in args.extra_location:
        contacts_args += ["--location", loc]
    if args.seed is not None:
        contacts_args += ["--seed", str(args.seed)]
    ct, ct_file = start_sim(run_dir, "contacts", contacts_args)
    bp_port = wait_port(run_dir, "byteplant", bp, bp_file, deadline)
    ct_port = wait_port(run_dir, "contacts", ct, ct_file, deadline)

    env = {
        "run_dir": run_dir,
        "contacts": "http://127.0.0.1:%d" % ct_port,
        "byteplant": "http://127.0.0.1:%d" % bp_port,
        "byteplant_verify": "http://127.0.0.1:%d/api/v2/verify" % bp_port,
        "token": TOKEN,
        "byteplant_key": BYTEPLANT_KEY,
        "byteplant_key_file": key_file,
        "location": args.location,
        "byteplant_rate": args.byteplant_rate,
        "contacts_rate": args.contacts_rate,
        "zone_rate": zone_rate,
        "workers": args.workers,
        "port": args.port,
        "nginx": args.nginx,
        "module": module_so,
    }
    write_env(run_dir, env)
    if not args.no_gateway:
        start_gateway(run_dir, env)


def cmd_gateway(args):
    """The gateway, for simulators that "up --no-gateway" started."""
    run_dir = os.path.abspath(args.run_dir)
    with open(os.path.join(run_dir, "env.json")) as f:
        env = json.load(f)
    start_gateway(run_dir, env)


def start_gateway(run_dir, env):
    """Finds or creates the result fields, starts nginx, completes env."""
    deadline = time.time() + 15
    ct_port = int(env["contacts"].rsplit(":", 1)[1])
    bp_port = int(env["byteplant"].rsplit(":", 1)[1])
    fields = ensure_fields(ct_port, env["location"])

    for attempt in range(3):
        # a free port may be taken between the check and nginx's bind()
        port = env["port"] or free_port()
        reject_port = free_port()
        while reject_port == port:
            reject_port = free_port()
        try:
            cmd = start_gateway_on(run_dir, env, fields, ct_port, bp_port,
                                   port, reject_port, deadline)
            break
        except SetupError as e:
            if "Address already in use" not in str(e) or attempt == 2 \
                    or env["port"]:
                raise

    env.update({
        "gateway": "http://127.0.0.1:%d" % port,
        "gateway_reject": "http://127.0.0.1:%d" % reject_port,
        "status_url": "http://127.0.0.1:%d/phoneval_status?format=json"
                      % port,
        "fields": fields,
        "nginx_cmd": cmd,
    })
    write_env(run_dir, env)


def start_gateway_on(run_dir, env, fields, ct_port, bp_port, port,
                     reject_port, deadline):
    values = {
        "MODULE_SO": env["module"],
        "USER_LINE": "user root;" if os.geteuid() == 0 else "",
        "WORKERS": env["workers"],
        "RUN_DIR": run_dir,
        "ZONE_RATE": env["zone_rate"],
        "CONTACTS_PORT": ct_port,
        "BYTEPLANT_PORT": bp_port,
        "PORT": port,
        "REJECT_PORT": reject_port,
        "CF_STATUS": fields["status"],
        "CF_LAST_VALIDATED": fields["last_validated"],
        "CF_CONFIDENCE": fields["confidence"],
        "CF_LINE_TYPE": fields["line_type"],
    }
    cmd = nginx_cmd(env["nginx"], run_dir)
    start_nginx(cmd, run_dir, values, deadline)
    return cmd


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie still answers kill(0): look at its state
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    if state == "Z":
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        return False
    return True


def stop_pid(pid, sig=signal.SIGTERM, wait=5.0):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.time() + wait
    while time.time() < deadline:
        if not alive(pid):
            return
        time.sleep(0.02)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def started_here(pid, run_dir):
    """A pid file may be stale: only stop a process whose command line
    names this run directory (nginx keeps its argv in its title)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmdline = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return False
    return run_dir + "/" in cmdline


def cmd_down(args):
    run_dir = os.path.abspath(args.run_dir)
    # nginx first, so no request reaches a stopped simulator
    for name in ("nginx",) + PROCS:
        path = os.path.join(run_dir, name + ".pid")
        pid = read_pid(path)
        if pid and started_here(pid, run_dir):
            stop_pid(pid)
        if pid and name != "nginx":
            os.unlink(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    up = sub.add_parser("up", help="start simulators and gateway")
    up.add_argument("run_dir")
    up.add_argument("--byteplant-rate", default="100/300", metavar="N/S",
                    help="Byteplant simulator window; the gateway's "
                    "phoneval_zone gets the same budget (default 100/300)")
    up.add_argument("--contacts-rate", default="100/10", metavar="N/S",
                    help="Contacts simulator burst limit (default 100/10)")
    up.add_argument("--location", default="loc_SANDBOX")
    up.add_argument("--extra-location", action="append", default=[],
                    metavar="ID[:CC]")
    up.add_argument("--seed", type=int)
    up.add_argument("--workers", type=int, default=2)
    up.add_argument("--port", type=int, default=0,
                    help="gateway port (default: a free one)")
    up.add_argument("--nginx", default=os.environ.get("NGINX_BIN")
                    or "/usr/sbin/nginx")
    up.add_argument("--module", default=os.path.join(
        TOP, "build", "ngx_http_phoneval_module.so"))
    up.add_argument("--no-gateway", action="store_true",
                    help="only the simulators; start the gateway later "
                    "with the gateway command")

    gw = sub.add_parser("gateway", help="start the gateway after "
                        "up --no-gateway (the result fields may exist by "
                        "then)")
    gw.add_argument("run_dir")

    down = sub.add_parser("down", help="stop what up started")
    down.add_argument("run_dir")

    args = ap.parse_args()
    if args.cmd == "down":
        cmd_down(args)
        return 0
    try:
        if args.cmd == "up":
            cmd_up(args)
        else:
            cmd_gateway(args)
    except (SetupError, OSError) as e:
        print("demo_env: %s" % e, file=sys.stderr)
        cmd_down(args)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
