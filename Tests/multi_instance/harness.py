#!/usr/bin/env python3
"""Multi-instance test: three `tiktok-business serve` processes on one PostgreSQL, one emulator, 10,000 connections.

Python 3 standard library only. Usually run through scripts/multi-instance-test.sh (which builds the executable).

Phases (each fails loudly, with a non-zero exit and a clear message):
  setup     its own PostgreSQL cluster (scripts/postgres.sh), the emulator (short access-token lifetime, refresh-token
            rotation on, no grace), three serve instances sharing the database, the public URL and one key file
            (TIKTOK_BUSINESS_KEY_FILE, re-read every 2 s), which the instances, started together, generate;
  create    10,000 tiktok_account connections, each through a shareable link of one instance, a code minted at the
            emulator for a distinct user, and the callback on another instance;
  phase A   three refresh cycles without faults, each connection on its own clock from its creation: by the
            emulator's record of every refresh per open_id, each connection is refreshed once per cycle (each refresh
            at least half a cycle after its previous token, at most a token lifetime after it), none failed and no
            rotated-out refresh token was used;
  keys      under the same refresh load (each run started as many connections fall due) and request load,
            `tiktok-business keys rotate --json` twice in a row: each exits 0, retires the previous key and keeps
            none, leaves exactly the new key in the key file and no token sealed with another key in the database;
            then every instance is restarted, one at a time (SIGTERM, exit 0, start: none refuses its key ring); no
            refresh failed, no rotated-out token was used, no token went unrefreshed past its lifetime, every
            connection is active, and proxied calls on 300 of them work on the restarted instances (which hold only
            the new key);
  chaos     with the emulator's refresh-token grace on, during further refresh cycles one instance at a time is killed
            with SIGKILL (preferably while refreshes are running) and restarted, at least 10 times; then every
            connection is refreshed again, none is lost or needs re-authorization, no refresh failed;
  postgres  the grace is off again; under request load and running refreshes PostgreSQL is stopped and started:
            /v1 requests answer 503 quickly meanwhile, every instance's /readyz is 200 within 5 s of the database
            accepting connections, nothing is lost;
  verify    every connection works: a proxied /business/get/ call for each of the 10,000 succeeds.

The measurements go to $TIKTOK_BUSINESS_TEST_ARTIFACTS/multi-instance/summary.json (default artifacts/), with the
processes' logs beside it (and the key file, and `keys rotate`'s progress in keys-rotate.log). Every process and
the cluster are stopped on any exit.

Environment (all optional): TIKTOK_BUSINESS_BINARY (default: .build/debug/tiktok-business), MI_CONNECTIONS (10000),
MI_ACCESS_TOKEN_LIFETIME (seconds), MI_REFRESH_MARGIN, MI_KILLS (12), MI_THREADS (24).
"""

import atexit
import bisect
import http.client
import json
import os
import random
import secrets
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(os.environ.get("TIKTOK_BUSINESS_TEST_ARTIFACTS", os.path.join(ROOT, "artifacts")),
                         "multi-instance")
BINARY = os.environ.get("TIKTOK_BUSINESS_BINARY", os.path.join(ROOT, ".build", "debug", "tiktok-business"))

CONNECTIONS = int(os.environ.get("MI_CONNECTIONS", "10000"))
INSTANCES = 3
THREADS = int(os.environ.get("MI_THREADS", "24"))
VERIFY_THREADS = 8
# A refresh cycle lasts LIFETIME - MARGIN seconds (a token is refreshed MARGIN seconds before it expires; the service
# caps the margin at half the lifetime). Each connection runs on its own clock from its creation; the three instances
# must keep up with CONNECTIONS / CYCLE refreshes per second (debug builds on 2 cores: about 170/s at the defaults),
# and MARGIN is the slack before a late refresh would let a token lapse.
LIFETIME = int(os.environ.get("MI_ACCESS_TOKEN_LIFETIME", "90"))
MARGIN = int(os.environ.get("MI_REFRESH_MARGIN", str(LIFETIME // 3)))
CYCLE = LIFETIME - MARGIN
# The service's default TikTok timeout (30 s) and the shortest lease it accepts with it (70 s: a refresh with all its
# retries, plus 10 s to store the answer). A short timeout is riskier than it looks on a loaded machine: under
# rotation, a refresh that times out after TikTok acted leaves only a dead refresh token to retry with.
REQUEST_TIMEOUT = 30
LEASE = 70
# In the chaos phase a killed instance's refresh may have been answered by TikTok but not stored; another instance
# refreshes again with the previous refresh token once the lease lapses, which the grace must cover.
GRACE = 300
KILLS = int(os.environ.get("MI_KILLS", "12"))
# How often the instances re-read the key file (TIKTOK_BUSINESS_KEY_RELOAD_SECONDS; `keys rotate` waits for them).
KEY_RELOAD = 2
# After the rotations, a proxied call on this many connections (a random sample; verify later calls every one).
KEY_CHECK_CALLS = 300
APP_ID = "multi-instance-app"
APP_SECRET = "multi-instance-secret"
API_KEY = "mi-" + secrets.token_hex(16)
SCOPES = "user.info.basic,user.info.stats,video.list"


class Failure(Exception):
    pass


def log(message):
    print(f"[multi-instance {time.strftime('%H:%M:%S')}] {message}", flush=True)


def emulator_app_env(emulator_base, app_id, secret):
    """The environment of a `serve` process for the emulator's app: this process's, without any TIKTOK_ variable,
    plus the app's credentials and the emulator's API and authorization URLs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIKTOK_")}
    env.update({
        "TIKTOK_APP_ID": app_id, "TIKTOK_APP_SECRET": secret,
        "TIKTOK_API_BASE_URL": f"{emulator_base}/open_api/v1.3/",
        "TIKTOK_ACCOUNT_AUTH_URL": f"{emulator_base}/v2/auth/authorize/",
        "TIKTOK_ADVERTISER_AUTH_URL": f"{emulator_base}/portal/auth",
    })
    return env


def parse_time(text):
    """An RFC 3339 time of the API (`2026-12-02T09:22:07Z`, fractions allowed) as unix seconds."""
    from datetime import datetime
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def fail(message):
    raise Failure(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# MARK: HTTP

class HTTP:
    """Keep-alive HTTP/1.1 connections, one per thread and host."""

    local = threading.local()

    @classmethod
    def request(cls, method, url, body=None, headers=None, timeout=60):
        parsed = urllib.parse.urlsplit(url)
        path = parsed.path + ("?" + parsed.query if parsed.query else "")
        data = None
        all_headers = {"Connection": "keep-alive"}
        if headers:
            all_headers.update(headers)
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        pool = getattr(cls.local, "pool", None)
        if pool is None:
            pool = cls.local.pool = {}
        key = (parsed.hostname, parsed.port, timeout)
        for attempt in (1, 2):
            connection = pool.get(key)
            reused = connection is not None
            if connection is None:
                connection = pool[key] = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
            try:
                connection.request(method, path, body=data, headers=all_headers)
                response = connection.getresponse()
                payload = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    pool.pop(key, None)
                return response.status, payload
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
                connection.close()
                pool.pop(key, None)
                # A kept-alive connection the server closed meanwhile: send once more on a new one.
                if reused and attempt == 1 and not isinstance(error, ConnectionResetError) or (reused and attempt == 1):
                    continue
                raise
            except Exception:
                connection.close()
                pool.pop(key, None)
                raise
        raise AssertionError("unreachable")

    @classmethod
    def json(cls, method, url, body=None, headers=None, expect=(200,), timeout=60):
        status, payload = cls.request(method, url, body, headers, timeout)
        if status not in expect:
            fail(f"{method} {url} answered {status}: {payload[:300]!r}")
        return json.loads(payload) if payload else None


def auth():
    return {"Authorization": f"Bearer {API_KEY}"}


# MARK: Processes

class Processes:
    """Every process the test starts, stopped on exit (SIGTERM, then SIGKILL)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.live = []
        self.pg_dir = None

    def start(self, name, args, env, log_path):
        handle = open(log_path, "ab")
        handle.write(f"\n==== {time.strftime('%H:%M:%S')} start {name}\n".encode())
        handle.flush()
        process = subprocess.Popen(args, env=env, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        handle.close()
        with self.lock:
            self.live.append(process)
        return process

    def forget(self, process):
        with self.lock:
            if process in self.live:
                self.live.remove(process)

    def cleanup(self):
        with self.lock:
            live, self.live = self.live, []
        for process in live:
            if process.poll() is None:
                process.terminate()
        deadline = time.time() + 5
        for process in live:
            try:
                process.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.pg_dir:
            subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh"), "stop", self.pg_dir],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.pg_dir = None


PROCESSES = Processes()


def wait_until(what, predicate, timeout, interval=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(interval)
    fail(f"timed out after {timeout} s waiting for {what}")


class Instance:
    def __init__(self, index, env):
        self.index = index
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(env, TIKTOK_BUSINESS_PORT=str(self.port))
        self.log_path = os.path.join(ARTIFACTS, f"serve-{index}.log")
        self.process = None
        self.starts = 0

    def start(self):
        self.process = PROCESSES.start(f"serve-{self.index}", [BINARY, "serve"], self.env, self.log_path)
        self.starts += 1

    def wait_ready(self, timeout=60):
        def ready():
            if self.process.poll() is not None:
                fail(f"serve-{self.index} exited with {self.process.returncode}; see {self.log_path}")
            return HTTP.request("GET", self.base + "/readyz", timeout=5)[0] == 200
        wait_until(f"serve-{self.index} to be ready", ready, timeout)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        PROCESSES.forget(self.process)

    def stop(self, timeout=60):
        """SIGTERM, then a clean exit (status 0) within `timeout` seconds."""
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            fail(f"serve-{self.index} did not exit within {timeout} s of SIGTERM; see {self.log_path}")
        PROCESSES.forget(self.process)
        if code != 0:
            fail(f"serve-{self.index} exited with {code} after SIGTERM; see {self.log_path}")


# MARK: The test

class Test:
    def __init__(self):
        self.summary = {"connections": CONNECTIONS, "instances": INSTANCES,
                        "settings": {"access_token_lifetime_s": LIFETIME, "refresh_margin_s": MARGIN,
                                     "cycle_s": CYCLE, "lease_s": LEASE, "request_timeout_s": REQUEST_TIMEOUT,
                                     "grace_in_chaos_s": GRACE}}
        self.started = time.time()
        self.open_ids = {}      # open_id -> connection id
        self.instances = []

    # Emulator

    def emulator(self, method, path, body=None):
        return HTTP.json(method, f"{self.emulator_base}/_emulator{path}", body, timeout=60)

    # Setup

    def setup(self):
        os.makedirs(ARTIFACTS, exist_ok=True)
        for name in os.listdir(ARTIFACTS):
            if name.endswith(".log") or name == "summary.json" or name.startswith("keys"):
                os.remove(os.path.join(ARTIFACTS, name))
        if not os.access(BINARY, os.X_OK):
            fail(f"no executable at {BINARY}; build with `swift build --product tiktok-business`")
        pg_dir = os.path.join(ARTIFACTS, "postgres")
        subprocess.run(["rm", "-rf", pg_dir], check=True)
        PROCESSES.pg_dir = pg_dir
        result = subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh"), "start", pg_dir],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if result.returncode != 0:
            fail(f"PostgreSQL did not start: {result.stderr.strip()}")
        self.database_url = result.stdout.strip()
        self.pg_port = int(urllib.parse.urlsplit(self.database_url).port)
        log(f"PostgreSQL at {self.database_url}")

        emulator_port = free_port()
        self.emulator_base = f"http://127.0.0.1:{emulator_port}"
        ports = [free_port() for _ in range(INSTANCES)]
        # Behind a load balancer every instance has the same public URL (the redirect URI's base): the first one's.
        public_url = f"http://127.0.0.1:{ports[0]}"
        self.redirect_uri = f"{public_url}/oauth/callback/tiktok_account"
        emulator_args = [BINARY, "emulator", "--port", str(emulator_port), "--app-id", APP_ID, "--secret", APP_SECRET,
                         "--redirect-uri", self.redirect_uri, "--access-token-lifetime", str(LIFETIME),
                         "--rotate-refresh-tokens", "--refresh-token-grace", "0", "--seed", "6",
                         "--log-level", "warning"]
        self.emulator_process = PROCESSES.start("emulator", emulator_args, dict(os.environ),
                                                os.path.join(ARTIFACTS, "emulator.log"))
        wait_until("the emulator", lambda: HTTP.request("GET", self.emulator_base + "/_emulator/clock")[0] == 200, 60)

        # One key file for every instance and the CLI (as on a shared volume); it does not exist yet, so the
        # instances, which start together, generate it (one of them wins; the others read its key).
        self.key_file = os.path.join(ARTIFACTS, "keys")
        env = emulator_app_env(self.emulator_base, APP_ID, APP_SECRET)
        env.update({
            "TIKTOK_BUSINESS_DATABASE_URL": self.database_url,
            "TIKTOK_BUSINESS_KEY_FILE": self.key_file,
            "TIKTOK_BUSINESS_KEY_RELOAD_SECONDS": str(KEY_RELOAD),
            "TIKTOK_BUSINESS_API_KEY": API_KEY,
            "TIKTOK_BUSINESS_PUBLIC_URL": public_url,
            "TIKTOK_BUSINESS_HOST": "127.0.0.1",
            "TIKTOK_RATE_LIMIT_QPS": "100000",
            # Thousands of authorizations come from this one address: the per-client limit of the public routes is off.
            "TIKTOK_BUSINESS_RATE_LIMIT_PER_MINUTE": "0",
            "TIKTOK_REQUEST_TIMEOUT_SECONDS": str(REQUEST_TIMEOUT),
            "TIKTOK_BUSINESS_REFRESH_MARGIN_SECONDS": str(MARGIN),
            "TIKTOK_BUSINESS_REFRESH_LEASE_SECONDS": str(LEASE),
            "TIKTOK_BUSINESS_DATABASE_MAX_CONNECTIONS": "20",
            "TIKTOK_BUSINESS_DATABASE_WAIT_TIMEOUT_SECONDS": "1",
            "TIKTOK_BUSINESS_DATABASE_CONNECT_TIMEOUT_SECONDS": "2",
            "LOG_LEVEL": "notice",
        })
        self.env = env      # the instances' environment, for the CLI
        for index, port in enumerate(ports):
            instance = Instance(index, env)
            instance.port = port
            instance.base = f"http://127.0.0.1:{port}"
            instance.env["TIKTOK_BUSINESS_PORT"] = str(port)
            self.instances.append(instance)
        for instance in self.instances:       # all at once: migrations must be safe when instances start together
            instance.start()
        for instance in self.instances:
            instance.wait_ready()
        key_ids = self.key_file_ids()
        if len(key_ids) != 1:
            fail(f"setup: the generated key file {self.key_file} holds keys {key_ids}, not one")
        self.summary["settings"]["initial_key_id"] = key_ids[0]
        log(f"emulator at {self.emulator_base}, instances at {', '.join(i.base for i in self.instances)}, "
            f"key {key_ids[0]} generated in {self.key_file}")

    # Create

    def create(self):
        errors = []
        users = [f"mi-user-{n:05d}" for n in range(CONNECTIONS)]

        def create_one(n):
            issuer = self.instances[n % INSTANCES]
            receiver = self.instances[(n + 1) % INSTANCES]
            link = HTTP.json("POST", issuer.base + "/v1/connect-links", {"kind": "tiktok_account"}, auth(),
                             expect=(201,))
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(link["url"]).query)
            if query["redirect_uri"][0] != self.redirect_uri:
                fail(f"link redirect_uri {query['redirect_uri'][0]} is not {self.redirect_uri}")
            code = self.emulator("POST", "/grants", {"flow": "account", "app_id": APP_ID,
                                                     "redirect_uri": self.redirect_uri, "user": users[n],
                                                     "scopes": query["scope"][0]})["code"]
            callback = (f"{receiver.base}/oauth/callback/tiktok_account?"
                        + urllib.parse.urlencode({"code": code, "state": query["state"][0]}))
            status, body = HTTP.request("GET", callback)
            if status != 200:
                fail(f"callback on serve-{receiver.index} answered {status}: {body[:300]!r}")

        started = self.creation_started = time.time()
        with ThreadPoolExecutor(THREADS) as pool:
            for future in [pool.submit(create_one, n) for n in range(CONNECTIONS)]:
                try:
                    future.result()
                except Exception as error:  # keep the first few for the message
                    errors.append(str(error))
        duration = time.time() - started
        if errors:
            fail(f"{len(errors)} connections could not be created; first: {errors[0]}")
        self.created_at = time.time()
        self.summary["create"] = {"duration_s": round(duration, 2), "per_second": round(CONNECTIONS / duration, 1)}
        log(f"created {CONNECTIONS} connections in {duration:.1f} s ({CONNECTIONS / duration:.0f}/s)")
        connections = self.list_connections()
        if len(connections) != CONNECTIONS:
            fail(f"{len(connections)} connections listed, {CONNECTIONS} created")
        self.open_ids = {c["open_id"]: c["id"] for c in connections}
        self.created = {c["open_id"]: parse_time(c["created_at"]) for c in connections}
        if len(self.open_ids) != CONNECTIONS:
            fail(f"{len(self.open_ids)} distinct open_ids among {CONNECTIONS} connections")

    def list_connections(self, instance=None, status=None):
        instance = instance or random.choice(self.instances)
        connections, cursor = [], None
        while True:
            query = {"kind": "tiktok_account", "limit": "1000"}
            if status:
                query["status"] = status
            if cursor:
                query["cursor"] = cursor
            page = HTTP.json("GET", f"{instance.base}/v1/connections?{urllib.parse.urlencode(query)}", None, auth())
            connections += page["connections"]
            cursor = page.get("next_cursor")
            if not cursor:
                return connections

    # Phase A

    def refresh_times(self):
        """Each connection's refresh times (emulator clock = wall clock here), by open_id."""
        answer = self.emulator("GET", "/refreshes")
        return answer["refresh_times_by_open_id"]

    def phase_a(self):
        """Three refresh cycles of every connection, each connection on its own clock: its token is refreshed when
        its remaining life falls below the margin, so connection i's refreshes fall near created_i + k * CYCLE.
        Exactly one refresh per cycle means: three refreshes, each at least half a cycle after the previous one (a
        double refresh would come seconds apart) and at most a token lifetime after it (the token never lapsed)."""
        started = time.time()
        deadline = self.created_at + 3 * CYCLE + 180
        done_at = {}
        while True:
            counters = self.emulator("GET", "/counters")
            if counters["refresh_failures"]:
                fail(f"phase A: {counters['refresh_failures']} refreshes failed at the emulator")
            if counters["refresh_grace_uses"]:
                fail("phase A: a rotated-out refresh token was used (the grace is off, and nothing was killed)")
            times = self.refresh_times()
            now = time.time()
            behind = 0
            for open_id, created in self.created.items():
                refreshes = times.get(open_id, [])
                previous = created
                for at in refreshes[:3]:
                    if at - previous < CYCLE / 2:
                        fail(f"phase A: {open_id} was refreshed {at - previous:.1f} s after its previous token "
                             f"(cycle {CYCLE} s): a double refresh")
                    previous = at
                if len(refreshes) >= 3:
                    done_at.setdefault(open_id, now)
                else:
                    behind += 1
                    if now - previous > LIFETIME + 5:
                        fail(f"phase A: {open_id}'s token expired {now - previous - LIFETIME:.0f} s ago unrefreshed")
            if behind == 0:
                break
            if now > deadline:
                fail(f"phase A: {behind} connections had fewer than 3 refreshes {now - self.created_at:.0f} s after "
                     f"creation")
            time.sleep(2)
        gaps, lateness = [], []
        for open_id, created in self.created.items():
            refreshes = times[open_id][:3]
            points = [created] + refreshes
            for before, after in zip(points, points[1:]):
                gap = after - before
                gaps.append(gap)
                if gap > LIFETIME:
                    fail(f"phase A: {open_id} went {gap:.1f} s between tokens, longer than their {LIFETIME} s life")
                lateness.append(gap - CYCLE)
        gaps.sort()
        lateness.sort()
        duration = time.time() - started
        self.summary["phase_a"] = {
            "cycles": 3, "refreshes": counters["refreshes"], "refresh_failures": counters["refresh_failures"],
            "grace_uses": counters["refresh_grace_uses"],
            "gap_between_tokens_s": {"min": round(gaps[0], 2), "p50": round(gaps[len(gaps) // 2], 2),
                                     "p99": round(gaps[int(len(gaps) * 0.99)], 2), "max": round(gaps[-1], 2)},
            "refresh_after_due_s": {"p50": round(lateness[len(lateness) // 2], 2),
                                    "p99": round(lateness[int(len(lateness) * 0.99)], 2),
                                    "max": round(lateness[-1], 2)},
            "duration_after_creation_s": round(duration, 1),
            "refreshes_per_second": round(3 * CONNECTIONS / (max(done_at.values()) - self.creation_started), 1),
        }
        log(f"phase A passed: every connection refreshed 3 times, one per cycle (gaps {gaps[0]:.1f}–{gaps[-1]:.1f} s, "
            f"cycle {CYCLE} s, lifetime {LIFETIME} s), {counters['refreshes']} refreshes, none failed")

    # Load

    def start_load(self, name, threads=3):
        """Background requests: one connection's access token or a proxied call, on a random live instance."""
        stats = {"ok": 0, "statuses": {}, "errors": 0, "stop": False, "latencies": [], "server_errors": []}
        lock = threading.Lock()
        ids = list(self.open_ids.items())

        def worker():
            while not stats["stop"]:
                open_id, connection_id = random.choice(ids)
                instance = random.choice(self.instances)
                url = f"{instance.base}/v1/proxy/{connection_id}/business/get/?business_id={open_id}"
                began = time.time()
                try:
                    status, body = HTTP.request("GET", url, headers=auth(), timeout=60)
                except OSError:
                    with lock:
                        stats["errors"] += 1
                    time.sleep(0.05)
                    continue
                with lock:
                    stats["statuses"][status] = stats["statuses"].get(status, 0) + 1
                    stats["latencies"].append(time.time() - began)
                    if status >= 500 and status != 503 and len(stats["server_errors"]) < 5:
                        stats["server_errors"].append(
                            {"at": time.strftime("%H:%M:%S", time.localtime(began)) + f"{began % 1:.3f}"[1:],
                             "instance": instance.index, "connection": connection_id, "status": status,
                             "body": body[:300].decode(errors="replace")})
                time.sleep(0.01)

        workers = [threading.Thread(target=worker, name=f"{name}-{i}", daemon=True) for i in range(threads)]
        for worker_thread in workers:
            worker_thread.start()
        stats["threads"] = workers
        return stats

    @staticmethod
    def stop_load(stats):
        stats["stop"] = True
        for worker_thread in stats["threads"]:
            worker_thread.join(timeout=90)
        latencies = sorted(stats["latencies"])
        summary = {"statuses": {str(k): v for k, v in sorted(stats["statuses"].items())},
                   "connection_errors": stats["errors"],
                   "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
                   "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1) if latencies else None}
        if stats["server_errors"]:
            summary["first_server_errors"] = stats["server_errors"]
        return summary

    @staticmethod
    def first_server_error(load_summary):
        """The first 5xx (other than 503) of a load summary, for a failure message."""
        errors = load_summary.get("first_server_errors")
        if not errors:
            return ""
        first = errors[0]
        return (f"; first at {first['at']} on serve-{first['instance']} for {first['connection']}: "
                f"{first['body']}")

    # Keys

    def sql(self, query):
        """Rows of a query (psql, unaligned), each a list of column texts."""
        result = subprocess.run(["psql", self.database_url, "-Atc", query], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, timeout=60)
        if result.returncode != 0:
            fail(f"psql failed ({result.returncode}) on {query!r}: {result.stderr.strip()}")
        return [line.split("|") for line in result.stdout.splitlines()]

    def key_file_ids(self):
        """The key ids in the key file (`kid:base64key,…`), first (sealing) key first; the file must be 0600."""
        mode = stat.S_IMODE(os.stat(self.key_file).st_mode)
        if mode != 0o600:
            fail(f"the key file {self.key_file} has mode {mode:o}, not 600")
        with open(self.key_file) as handle:
            text = handle.read().strip()
        return [entry.split(":", 1)[0].strip() for entry in text.split(",") if entry.strip()]

    def sealed_counts(self):
        """(key_id, refresh_key_id) -> connections holding tokens sealed with them."""
        return {(key_id, refresh_key_id): int(count) for key_id, refresh_key_id, count in self.sql(
            "SELECT key_id, refresh_key_id, count(*) FROM tiktok_business_connections "
            "WHERE access_token IS NOT NULL GROUP BY 1, 2")}

    def reported_instances(self):
        """The instances that reported in the last few reload intervals: id -> (sealing key id, key ids)."""
        return {instance_id: (sealing, json.loads(key_ids)) for instance_id, sealing, key_ids in self.sql(
            "SELECT id, sealing_key_id, key_ids FROM tiktok_business_instances "
            f"WHERE seen_at > extract(epoch FROM now()) - {3 * KEY_RELOAD + 2}")}

    def rotate_keys(self, number):
        """`tiktok-business keys rotate --json` with the instances' environment: its report, how long it took, and
        when (seconds after its start) it began re-sealing, i.e. when every instance had adopted the new key."""
        log_path = os.path.join(ARTIFACTS, "keys-rotate.log")
        started = time.time()
        # The instances' environment, but a longer wait for a database connection: the instances' 1 s (for quick
        # 503s while PostgreSQL is down) can be shorter than a one-shot process's first connection on a loaded machine.
        env = dict(self.env, TIKTOK_BUSINESS_DATABASE_WAIT_TIMEOUT_SECONDS="15")
        process = subprocess.Popen([BINARY, "keys", "rotate", "--json"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        lines = []

        def read_stderr():
            for line in process.stderr:
                lines.append((time.time() - started, line.rstrip("\n")))

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        try:
            output = process.stdout.read()
            code = process.wait(timeout=300)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            fail(f"keys: rotation {number} did not finish within 300 s; see {log_path}")
        finally:
            reader.join(timeout=10)
            with open(log_path, "a") as handle:
                handle.write(f"==== {time.strftime('%H:%M:%S', time.localtime(started))} rotation {number}: "
                             f"exit {process.returncode}\n")
                handle.writelines(f"[+{at:6.2f} s] {line}\n" for at, line in lines)
                handle.write(f"stdout: {output}\n")
        duration = time.time() - started
        if code != 0:
            last = lines[-1][1] if lines else "(no output)"
            fail(f"keys: rotation {number} exited with {code}: {last} (see {log_path})")
        try:
            report = json.loads(output)
        except ValueError:
            fail(f"keys: rotation {number} printed no JSON report: {output[:300]!r} (see {log_path})")
        resealing = next((at for at, line in lines if line.startswith("Re-encrypting")), None)
        return report, duration, resealing

    def await_refreshes(self, lead=1.5, window=6.0):
        """Waits (at most a cycle) until a rotation started now would re-seal while many connections are due for
        their refresh: `lead` seconds after it starts (when the instances have adopted the new key), and for `window`
        seconds. With few connections, created within seconds of each other, refreshes come in waves; with many they
        never stop and this returns at once. Returns the seconds waited."""
        times = self.refresh_times()
        now = time.time()
        dues = sorted(max([created] + times.get(open_id, [])) + CYCLE for open_id, created in self.created.items())
        starts = [now + step / 2 for step in range(2 * CYCLE)]
        counts = [bisect.bisect_right(dues, s + lead + window) - bisect.bisect_left(dues, s + lead) for s in starts]
        best = max(counts)
        start = next(s for s, count in zip(starts, counts) if count >= 0.8 * best)
        time.sleep(max(0.0, start - time.time()))
        return time.time() - now

    def keys(self):
        """Two key rotations under the refresh load of the three instances, then a restart of every instance, which
        then holds only the newest key."""
        before = self.emulator("GET", "/counters")
        started = time.time()
        load = self.start_load("keys")
        rotations = []
        for number in (1, 2):
            previous = self.key_file_ids()
            if len(previous) != 1:
                fail(f"keys: the key file holds {previous} before rotation {number}, not one key")
            waited = self.await_refreshes()
            refreshes_before = self.emulator("GET", "/counters")["refreshes"]
            report, duration, resealing_after = self.rotate_keys(number)
            refreshes_during = self.emulator("GET", "/counters")["refreshes"] - refreshes_before
            current = report["current_key_id"]
            if current in previous:
                fail(f"keys: rotation {number} reports current key {current}, which the key file already had "
                     f"({previous})")
            if report["kept_keys"]:
                fail(f"keys: rotation {number} kept keys: "
                     + "; ".join(f"{k['id']}: {k['reason']}" for k in report["kept_keys"]))
            if sorted(report["retired_key_ids"]) != sorted(previous):
                fail(f"keys: rotation {number} retired {report['retired_key_ids']}, not the previous key {previous}")
            in_file = self.key_file_ids()
            if in_file != [current]:
                fail(f"keys: after rotation {number} the key file holds {in_file}, not just the new key {current}")
            sealed = self.sealed_counts()
            stale = {f"{k}/{r}": n for (k, r), n in sealed.items() if (k, r) != (current, current)}
            if stale:
                fail(f"keys: after rotation {number} the database holds tokens sealed with other keys than {current} "
                     f"(access key/refresh key: connections): {stale}")
            if sealed.get((current, current), 0) != CONNECTIONS:
                fail(f"keys: after rotation {number}, {sealed.get((current, current), 0)} of {CONNECTIONS} "
                     f"connections hold tokens sealed with {current}")
            not_adopted = {i: k for i, (k, _) in self.reported_instances().items() if k != current}
            if not_adopted:
                fail(f"keys: after rotation {number} instances still seal with other keys: {not_adopted}")
            rotations.append({"key_id": current, "previous_key_ids": previous, "duration_s": round(duration, 2),
                              "instances_adopted_after_s": round(resealing_after, 2) if resealing_after else None,
                              "resealed": report["resealed"], "retired_key_ids": report["retired_key_ids"],
                              "refreshes_during": refreshes_during, "waited_for_refreshes_s": round(waited, 1)})
            log(f"keys: rotation {number} to {current} in {duration:.1f} s (instances sealing with it after "
                f"{resealing_after or 0:.1f} s), {report['resealed']} connections re-sealed, {refreshes_during} "
                f"refreshes meanwhile, retired {', '.join(report['retired_key_ids'])}")
        current = rotations[-1]["key_id"]

        # Restart every instance, one at a time (the others keep refreshing and answering): a fresh start reads only
        # the key file's one key and refuses to start if the database holds a token sealed with another.
        restarts = []
        for instance in self.instances:
            began = time.time()
            pid = instance.process.pid
            instance.stop()
            stopped = time.time()
            # Leases the stopped instance left behind (its id is host-pid-random): their connections wait for the
            # lease to lapse before another instance refreshes them.
            leased = self.sql("SELECT id, round((lease_until - extract(epoch FROM now()))::numeric, 1), "
                              "round((next_action_at - extract(epoch FROM now()))::numeric, 1) "
                              "FROM tiktok_business_connections WHERE lease_until > extract(epoch FROM now()) "
                              f"AND lease_owner LIKE '%-{pid}-%' ORDER BY lease_until")
            left = (len(leased), float(leased[-1][1]) if leased else 0.0)
            instance.start()
            try:
                instance.wait_ready()
            except Failure as failure:
                with open(instance.log_path, errors="replace") as handle:
                    last = [line.strip() for line in handle.readlines()[-20:] if "not in" in line or "error" in line]
                fail(f"keys: serve-{instance.index} did not start again after the rotations: {failure}"
                     + (f" ({last[-1][:400]})" if last else ""))
            restarts.append({"instance": instance.index, "stop_s": round(stopped - began, 2),
                             "start_s": round(time.time() - stopped, 2), "leases_left": left[0],
                             "leases_left_lapse_in_s": round(left[1], 1),
                             "leases_left_first": [{"connection": row[0], "lease_lapses_in_s": float(row[1]),
                                                    "was_due_s_ago": -float(row[2]) if row[2] else None}
                                                   for row in leased[:3]]})
            log(f"keys: restarted serve-{instance.index} (exit 0 after SIGTERM in {stopped - began:.1f} s, ready "
                f"{time.time() - stopped:.1f} s after its start, {left[0]} leases left behind)")
        deadline = time.time() + 3 * KEY_RELOAD + 5
        while True:
            reported = self.reported_instances()
            if len(reported) == INSTANCES and all(v == (current, [current]) for v in reported.values()):
                break
            if time.time() > deadline:
                fail(f"keys: the restarted instances report (sealing key, key ids) {reported}, expected "
                     f"{INSTANCES} instances with only {current}")
            time.sleep(0.5)

        # Access tokens opened by the restarted instances, which know only the newest key.
        sample = random.sample(list(self.open_ids.items()), min(CONNECTIONS, KEY_CHECK_CALLS))
        calls_started = time.time()
        failures, latencies, slow = self.proxied_calls(sample)
        calls_duration = time.time() - calls_started
        load_summary = self.stop_load(load)
        after = self.emulator("GET", "/counters")
        # No token lapsed during the phase: by the emulator's record, every connection got a new token within a
        # token lifetime of the previous one (as in phase A), including across the restarts.
        times = self.refresh_times()
        now = time.time()
        gaps, lapses = [], []
        for open_id, created in self.created.items():
            points = [created] + times.get(open_id, [])
            for before_at, after_at in zip(points, points[1:]):
                if after_at > started:
                    gaps.append(after_at - before_at)
                    if after_at - before_at > LIFETIME:
                        lapses.append((after_at - before_at, open_id, before_at))
            if now - points[-1] > LIFETIME + 5:     # the current token, with 5 s of slack as in phase A
                lapses.append((now - points[-1], open_id, points[-1]))
        lapses.sort(reverse=True)
        sealed = self.sealed_counts()
        self.summary["keys"] = {
            "rotations": rotations, "restarts": restarts,
            "proxied_calls": {"calls": len(sample), "failures": len(failures), "duration_s": round(calls_duration, 1),
                              "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
                              "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1) if latencies else None,
                              "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
                              "slower_than_5_s": slow},
            "longest_gap_between_tokens_s": round(max(gaps), 1) if gaps else None,
            "lapsed_tokens": len(lapses),
            "duration_s": round(time.time() - started, 1),
            "refreshes": after["refreshes"] - before["refreshes"], "refresh_failures": after["refresh_failures"],
            "grace_uses": after["refresh_grace_uses"] - before["refresh_grace_uses"],
            "load": load_summary,
        }
        if failures:
            fail(f"keys: {len(failures)} of {len(sample)} proxied calls failed after the restart; first: {failures[0]}")
        if after["refresh_failures"]:
            fail(f"keys: {after['refresh_failures']} refreshes failed at the emulator")
        if after["refresh_grace_uses"] - before["refresh_grace_uses"]:
            fail("keys: a rotated-out refresh token was used (the grace is off, and nothing was killed)")
        if lapses:
            gap, open_id, since = lapses[0]
            left = {f"serve-{r['instance']}": r["leases_left"] for r in restarts if r["leases_left"]}
            fail(f"keys: {len(lapses)} connections went longer than their {LIFETIME} s token life without a new token "
                 f"(worst: {open_id}, {gap:.1f} s from {time.strftime('%H:%M:%S', time.localtime(since))})"
                 + (f"; the instances stopped with SIGTERM left leases behind ({left}), which hold off every other "
                    f"instance's refresh of those connections for up to {LEASE} s" if left else ""))
        self.check_all_active("keys")
        if list(sealed) != [(current, current)]:
            fail(f"keys: at the end of the phase tokens are sealed with {sealed}, not only with {current}")
        if "500" in load_summary["statuses"]:
            fail(f"keys: the proxy answered 500 {load_summary['statuses']['500']} times"
                 + self.first_server_error(load_summary))
        log(f"keys passed: 2 rotations ({', '.join(str(r['duration_s']) for r in rotations)} s, "
            f"{' + '.join(str(r['resealed']) for r in rotations)} re-sealed), every instance restarted with key "
            f"{current} only, {len(sample)} proxied calls in {calls_duration:.1f} s, "
            f"{self.summary['keys']['refreshes']} refreshes, none failed, no token lapsed")

    # Chaos

    def chaos(self):
        self.emulator("POST", "/config", {"refresh_token_grace": GRACE})
        before = self.emulator("GET", "/counters")
        started = time.time()
        load = self.start_load("chaos")
        kills = []
        last_refreshes = before["refreshes"]
        while len(kills) < KILLS:
            # Kill while refreshes are running, when possible: wait (a little) for the refresh counter to move.
            waited = time.time()
            while time.time() - waited < CYCLE:
                time.sleep(0.3)
                refreshes = self.emulator("GET", "/counters")["refreshes"]
                moving = refreshes > last_refreshes
                last_refreshes = refreshes
                if moving:
                    break
            victim = self.instances[len(kills) % INSTANCES]
            time.sleep(random.uniform(0, 0.5))
            killed_at = time.time()
            victim.kill()
            time.sleep(random.uniform(0.2, 1.0))
            victim.start()
            victim.wait_ready()
            kills.append({"instance": victim.index, "at_s": round(killed_at - started, 1),
                          "during_refreshes": moving, "back_after_s": round(time.time() - killed_at, 2)})
            log(f"chaos: killed serve-{victim.index} with SIGKILL ({len(kills)}/{KILLS}), back after "
                f"{kills[-1]['back_after_s']} s")
            time.sleep(random.uniform(1, 3))
        kills_done = time.time()
        # Every connection's stored tokens must now come from after the last kill: a connection whose refresh a
        # killed instance got from TikTok but never stored is refreshed again (with the previous refresh token,
        # within the grace) once the lease lapses. The database, not the emulator's counters, says what is stored.
        settle_deadline = kills_done + LEASE + 2 * CYCLE + 60
        while True:
            counters = self.emulator("GET", "/counters")
            if counters["refresh_failures"]:
                fail(f"chaos: {counters['refresh_failures']} refreshes failed at the emulator")
            connections = self.list_connections()
            stale = [c["id"] for c in connections
                     if c["status"] != "active" or not c.get("last_refreshed_at")
                     or parse_time(c["last_refreshed_at"]) < killed_at]
            if not stale and len(connections) == CONNECTIONS:
                break
            if time.time() > settle_deadline:
                fail(f"chaos: {len(stale)} connections still hold tokens from before the last kill "
                     f"{settle_deadline - kills_done:.0f} s after it (first: {stale[:3]})")
            time.sleep(5)
        settled_after = time.time() - kills_done
        load_summary = self.stop_load(load)
        self.check_all_active("chaos")
        refreshes = counters["refreshes"] - before["refreshes"]
        self.summary["chaos"] = {
            "kills": len(kills), "kills_during_refreshes": sum(1 for k in kills if k["during_refreshes"]),
            "kill_log": kills, "duration_s": round(time.time() - started, 1),
            "all_tokens_newer_than_last_kill_after_s": round(settled_after, 1),
            "refreshes": refreshes, "refresh_failures": counters["refresh_failures"],
            "grace_uses": counters["refresh_grace_uses"] - before["refresh_grace_uses"],
            "load": load_summary,
        }
        if "500" in load_summary["statuses"]:
            fail(f"chaos: the proxy answered 500 {load_summary['statuses']['500']} times"
                 + self.first_server_error(load_summary))
        log(f"chaos passed: {len(kills)} kills, {refreshes} refreshes, "
            f"{self.summary['chaos']['grace_uses']} grace uses, nothing lost")

    def check_all_active(self, phase):
        connections = self.list_connections()
        if len(connections) != CONNECTIONS:
            fail(f"{phase}: {len(connections)} connections remain of {CONNECTIONS}")
        statuses = {}
        for connection in connections:
            statuses[connection["status"]] = statuses.get(connection["status"], 0) + 1
        if statuses != {"active": CONNECTIONS}:
            fail(f"{phase}: connection statuses {statuses}")

    # PostgreSQL restart

    def postgres_restart(self):
        self.emulator("POST", "/config", {"refresh_token_grace": 0})
        before = self.emulator("GET", "/counters")
        load = self.start_load("postgres")
        time.sleep(3)
        postgres = os.path.join(ROOT, "scripts", "postgres.sh")
        stopped_at = time.time()
        subprocess.run([postgres, "pause", PROCESSES.pg_dir], check=True, stdout=subprocess.DEVNULL)
        down_at = time.time()
        log(f"postgres: stopped (took {down_at - stopped_at:.1f} s)")
        # While it is down: /v1 requests must fail fast with 503, and /readyz must say so.
        probes = []
        ids = list(self.open_ids.values())
        while time.time() - down_at < 5:
            instance = random.choice(self.instances)
            began = time.time()
            status, body = HTTP.request("GET", f"{instance.base}/v1/connections/{random.choice(ids)}",
                                        headers=auth(), timeout=30)
            probes.append((status, time.time() - began))
            ready = HTTP.request("GET", f"{instance.base}/readyz", timeout=30)[0]
            if ready != 503:
                fail(f"postgres: /readyz answered {ready} while the database was down")
        statuses = {}
        for status, _ in probes:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        latencies = sorted(latency for _, latency in probes)
        if any(status != 503 for status, _ in probes):
            fail(f"postgres: /v1 requests answered {statuses} while the database was down (expected only 503)")
        if latencies[-1] > 3:
            fail(f"postgres: a 503 took {latencies[-1]:.1f} s while the database was down")
        subprocess.run([postgres, "resume", PROCESSES.pg_dir], check=True, stdout=subprocess.DEVNULL)
        accepting_at = time.time()
        log(f"postgres: accepting connections again after {accepting_at - down_at:.1f} s down")
        recovered = {}
        while len(recovered) < INSTANCES and time.time() - accepting_at < 30:
            for instance in self.instances:
                if instance.index not in recovered:
                    if HTTP.request("GET", f"{instance.base}/readyz", timeout=10)[0] == 200:
                        recovered[instance.index] = time.time() - accepting_at
            time.sleep(0.05)
        if len(recovered) < INSTANCES:
            fail(f"postgres: instances {sorted(set(range(INSTANCES)) - set(recovered))} not ready 30 s after the "
                 f"database came back")
        worst = max(recovered.values())
        time.sleep(3)
        load_summary = self.stop_load(load)
        after = self.emulator("GET", "/counters")
        self.summary["postgres_restart"] = {
            "down_s": round(accepting_at - down_at, 2),
            "probes_while_down": len(probes), "probe_statuses": statuses,
            "503_latency_ms": {"p50": round(latencies[len(latencies) // 2] * 1000, 1),
                               "max": round(latencies[-1] * 1000, 1)},
            "readyz_recovery_s": {str(k): round(v, 2) for k, v in sorted(recovered.items())},
            "readyz_recovery_max_s": round(worst, 2),
            "refreshes_during_phase": after["refreshes"] - before["refreshes"],
            "refresh_failures": after["refresh_failures"],
            "load": load_summary,
        }
        if worst > 5:
            fail(f"postgres: /readyz took {worst:.1f} s to recover after the database came back (limit 5 s)")
        if after["refresh_failures"]:
            fail(f"postgres: {after['refresh_failures']} refreshes failed at the emulator")
        if "500" in load_summary["statuses"]:
            fail(f"postgres: the proxy answered 500 {load_summary['statuses']['500']} times"
                 + self.first_server_error(load_summary))
        self.check_all_active("postgres")
        log(f"postgres passed: 503s in {latencies[len(latencies) // 2] * 1000:.0f} ms (p50) while down, "
            f"/readyz back within {worst:.2f} s")

    # Diagnosis

    def diagnose(self):
        """On failure: for connections no longer active, their events and the emulator's refresh times, to
        artifacts/multi-instance/diagnosis.json."""
        try:
            result = subprocess.run(
                ["psql", self.database_url, "-Atc",
                 "SELECT id, open_id, status FROM tiktok_business_connections WHERE status <> 'active' LIMIT 20"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
            times = self.refresh_times()
            report = []
            for line in result.stdout.splitlines():
                connection_id, open_id, status = line.split("|")
                report.append({"id": connection_id, "open_id": open_id, "status": status,
                               "emulator_refresh_times": [time.strftime("%H:%M:%S", time.gmtime(t)) + f"{t % 1:.3f}"[1:]
                                                          for t in times.get(open_id, [])],
                               "events": diagnose_connection(self.database_url, connection_id)})
            with open(os.path.join(ARTIFACTS, "diagnosis.json"), "w") as handle:
                json.dump(report, handle, indent=2)
            log(f"diagnosis of {len(report)} connections in {os.path.join(ARTIFACTS, 'diagnosis.json')}")
        except Exception as error:  # the diagnosis must never hide the failure
            log(f"no diagnosis: {error!r}")

    # Verify

    def proxied_calls(self, items):
        """A proxied /business/get/ call for each (open_id, connection_id) of `items`, spread over the instances;
        returns the failures (messages), the latencies (seconds, sorted) and the calls slower than 5 s (slowest
        first, at most 5)."""
        failures = []
        lock = threading.Lock()
        latencies = []
        slow = []

        def call(index):
            open_id, connection_id = items[index]
            instance = self.instances[index % INSTANCES]
            began = time.time()
            try:
                status, body = HTTP.request(
                    "GET", f"{instance.base}/v1/proxy/{connection_id}/business/get/?business_id={open_id}",
                    headers=auth(), timeout=180)
            except OSError as error:
                with lock:
                    failures.append(f"{connection_id} on serve-{instance.index}: no answer ({error!r})")
                return
            took = time.time() - began
            with lock:
                latencies.append(took)
                if took > 5:
                    slow.append({"connection": connection_id, "instance": instance.index, "seconds": round(took, 1),
                                 "at": time.strftime("%H:%M:%S", time.localtime(began))})
            ok = status == 200 and json.loads(body).get("code") == 0
            if not ok:
                with lock:
                    failures.append(f"{connection_id}: {status} {body[:200]!r}")

        # A few callers at a time: the check is that every connection works, not how much load the instances take.
        with ThreadPoolExecutor(VERIFY_THREADS) as pool:
            list(pool.map(call, range(len(items))))
        latencies.sort()
        slow.sort(key=lambda call: -call["seconds"])
        return failures, latencies, slow[:5]

    def verify(self):
        started = time.time()
        items = list(self.open_ids.items())
        failures, latencies, _ = self.proxied_calls(items)
        duration = time.time() - started
        counters = self.emulator("GET", "/counters")
        self.summary["verify"] = {"calls": len(items), "failures": len(failures), "duration_s": round(duration, 1),
                                  "per_second": round(len(items) / duration, 1),
                                  "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
                                  "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
                                  "max_ms": round(latencies[-1] * 1000, 1)}
        if failures:
            fail(f"verify: {len(failures)} of {len(items)} proxied calls failed; first: {failures[0]}")
        self.check_all_active("verify")
        self.summary["totals"] = {"refreshes": counters["refreshes"], "refresh_failures": counters["refresh_failures"],
                                  "grace_uses": counters["refresh_grace_uses"],
                                  "serve_starts": sum(i.starts for i in self.instances)}
        if counters["refresh_failures"]:
            fail(f"verify: {counters['refresh_failures']} refreshes failed at the emulator")
        log(f"verify passed: {len(items)} proxied calls in {duration:.1f} s")

    def run(self):
        steps = [("setup", self.setup), ("create", self.create), ("phase_a", self.phase_a), ("keys", self.keys),
                 ("chaos", self.chaos),
                 ("postgres_restart", self.postgres_restart), ("verify", self.verify)]
        try:
            for name, step in steps:
                began = time.time()
                step()
                self.summary.setdefault("step_durations_s", {})[name] = round(time.time() - began, 1)
            self.summary["result"] = "passed"
        except BaseException as error:
            self.summary["result"] = "failed"
            self.summary["failure"] = str(error) if isinstance(error, Failure) else repr(error)
            self.diagnose()
            raise
        finally:
            self.summary["duration_s"] = round(time.time() - self.started, 1)
            os.makedirs(ARTIFACTS, exist_ok=True)
            with open(os.path.join(ARTIFACTS, "summary.json"), "w") as handle:
                json.dump(self.summary, handle, indent=2)
            print(json.dumps(self.summary, indent=2), flush=True)


def diagnose_connection(database_url, connection_id):
    """A failed connection's event log, straight from the database (psql), for the artifacts."""
    result = subprocess.run(
        ["psql", database_url, "-Atc",
         "SELECT sequence, type, to_timestamp(occurred_at), data FROM tiktok_business_events "
         f"WHERE connection_id = '{connection_id}' ORDER BY sequence"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
    return result.stdout.splitlines()


def main():
    atexit.register(PROCESSES.cleanup)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda number, frame: sys.exit(128 + number))
    try:
        Test().run()
    except Failure as failure:
        log(f"FAILED: {failure}")
        log(f"logs and summary in {ARTIFACTS}")
        sys.exit(1)
    log(f"passed; summary in {os.path.join(ARTIFACTS, 'summary.json')}")


if __name__ == "__main__":
    main()
