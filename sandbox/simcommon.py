"""Plumbing shared by the sandbox simulators (byteplant, contacts).

Standard library only. Each simulator is a ThreadingHTTPServer speaking
HTTP/1.1 with keep-alive, so a gateway under test can hold many pooled
connections open at once, the way it would against the real services.
"""

import datetime
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Request bodies larger than this are refused (413) rather than buffered: the
# simulators are test tools and must not be knocked over by a runaway client.
MAX_BODY = 16 * 1024 * 1024
# Entries kept in memory for GET /_sim/log; the log file (if any) keeps all.
MAX_LOG_ENTRIES = 100_000


class BodyError(Exception):
    """The request body could not be read (bad framing or too large)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class SimServer(ThreadingHTTPServer):
    """Threaded server tuned for load tests: a deep listen backlog and
    daemon threads, so a burst of connections is queued, not refused, and
    idle keep-alive threads never block shutdown."""

    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True


class SimHandler(BaseHTTPRequestHandler):
    """Base handler: HTTP/1.1 keep-alive, body reading (length or chunked),
    JSON replies that always carry Content-Length."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the
    # second waits for the client's delayed ACK, 40 ms on every keep-alive
    # request after the first.
    disable_nagle_algorithm = True
    # An idle keep-alive connection is dropped after this many seconds so
    # abandoned client connections do not pin threads forever.
    timeout = 75
    quiet = True

    def log_message(self, fmt, *args):  # noqa: N802 (stdlib name)
        if not self.quiet:
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    # ---- request side -------------------------------------------------
    def read_body(self):
        """Return the raw request body as bytes ('' when there is none)."""
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            n = int(length)
        except ValueError:
            raise BodyError(400, "bad Content-Length")
        if n < 0:
            raise BodyError(400, "bad Content-Length")
        if n > MAX_BODY:
            raise BodyError(413, "request body too large")
        return self.rfile.read(n)

    def _read_chunked(self):
        parts, total = [], 0
        while True:
            line = self.rfile.readline(65537)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise BodyError(400, "bad chunk size")
            if size == 0:
                # Drain optional trailers up to the blank line.
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise BodyError(413, "request body too large")
            parts.append(self.rfile.read(size))
            self.rfile.readline(65537)  # CRLF after each chunk

    def header_dict(self):
        return {k: v for k, v in self.headers.items()}

    # ---- response side ------------------------------------------------
    def send_raw(self, status, body, content_type="application/json",
                 headers=None):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def send_json(self, status, obj, headers=None):
        body = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        self.send_raw(status, body, "application/json; charset=utf-8",
                      headers)


class RequestLog:
    """Thread-safe request journal: kept in memory for /_sim/log and, when
    a path is given, appended to a JSON-lines file as it happens."""

    def __init__(self, path=None):
        self._lock = threading.Lock()
        self._entries = []
        self._file = open(path, "a", encoding="utf-8") if path else None

    def append(self, entry):
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self._entries.append(entry)
            if len(self._entries) > MAX_LOG_ENTRIES:
                del self._entries[: len(self._entries) - MAX_LOG_ENTRIES]
            if self._file:
                self._file.write(line + "\n")
                self._file.flush()

    def entries(self):
        with self._lock:
            return list(self._entries)

    def clear(self):
        with self._lock:
            self._entries.clear()


def mask_secret(value, keep=4):
    """Mask all but the last `keep` characters, so logs can tell keys apart
    without ever holding a usable secret."""
    if value is None:
        return None
    value = str(value)
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


def mask_authorization(value):
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    if token:
        return scheme + " " + mask_secret(token)
    return mask_secret(value)


def iso_now_ms(ts=None):
    """UTC time as ISO 8601 with milliseconds and a Z, the way HighLevel
    writes dateAdded/dateUpdated."""
    if ts is None:
        ts = datetime.datetime.now(datetime.timezone.utc)
    elif not isinstance(ts, datetime.datetime):
        ts = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ts.microsecond // 1000)


def parse_rate(text):
    """'100/300' -> (100, 300.0). Raises ValueError on nonsense."""
    count, _, seconds = str(text).partition("/")
    limit, window = int(count), float(seconds or 1)
    if limit < 0 or window <= 0:
        raise ValueError("rate must be N/SECONDS with N >= 0, SECONDS > 0")
    return limit, window


def serve(server, name, port_file=None, on_exit=None):
    """Announce the bound address, then serve until SIGINT/SIGTERM.

    The first stdout line is always 'NAME listening on http://HOST:PORT' so
    scripts that started the simulator with --port 0 can read the port."""
    host, port = server.server_address[:2]
    print("%s listening on http://%s:%d" % (name, host, port), flush=True)
    if port_file:
        with open(port_file, "w", encoding="utf-8") as fh:
            fh.write("%d\n" % port)

    def stop(signum, frame):
        # shutdown() blocks until serve_forever returns, so call it from
        # another thread, never from the serving thread itself.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        if on_exit:
            on_exit()
