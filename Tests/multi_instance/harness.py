#!/usr/bin/env python3
"""The multi-instance test's harness: settings, HTTP, processes, serve instances, and the helpers every phase
uses (class Base). scripts/peers/*.py, scripts/qps-budget-test.py and scripts/soak.py load this file on its own
(importlib) for free_port, HTTP, PROCESSES and the rest: it imports nothing of the package."""

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
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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


class Base:
    """What several phases use: the emulator's control API, listings, load, SQL, diagnosis, proxied calls."""

    def emulator(self, method, path, body=None):
        return HTTP.json(method, f"{self.emulator_base}/_emulator{path}", body, timeout=60)

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

    def refresh_times(self):
        """Each connection's refresh times (emulator clock = wall clock here), by open_id."""
        answer = self.emulator("GET", "/refreshes")
        return answer["refresh_times_by_open_id"]

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

    def check_all_active(self, phase):
        connections = self.list_connections()
        if len(connections) != CONNECTIONS:
            fail(f"{phase}: {len(connections)} connections remain of {CONNECTIONS}")
        statuses = {}
        for connection in connections:
            statuses[connection["status"]] = statuses.get(connection["status"], 0) + 1
        if statuses != {"active": CONNECTIONS}:
            fail(f"{phase}: connection statuses {statuses}")

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


def diagnose_connection(database_url, connection_id):
    """A failed connection's event log, straight from the database (psql), for the artifacts."""
    result = subprocess.run(
        ["psql", database_url, "-Atc",
         "SELECT sequence, type, to_timestamp(occurred_at), data FROM tiktok_business_events "
         f"WHERE connection_id = '{connection_id}' ORDER BY sequence"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
    return result.stdout.splitlines()
