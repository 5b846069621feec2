#!/usr/bin/env python3
"""The soak with faults (issue 13, section 6): `tiktok-business serve` under steady refresh and proxy load for
SOAK_SECONDS (default 600) while the emulator injects 10% mixed faults. Outside CI; the results go to SECURITY.md.

Python 3 standard library only. Usually run through scripts/soak.sh (which builds the executable).

Steps (any failed check ends with a non-zero exit and says which):
  setup    the emulator (access tokens of SOAK_LIFETIME s, refresh-token rotation on, no grace by default) and one
           serve on SQLite (or, with --postgres, on a throwaway PostgreSQL cluster from scripts/postgres.sh), whose
           refresh margin is SOAK_MARGIN s: the sweeper refreshes each account connection every LIFETIME - MARGIN s;
  seed     SOAK_ACCOUNTS tiktok_account and SOAK_ADVERTISERS advertiser connections, each through a link of serve, a
           code minted at the emulator and the callback, with no faults; paced over one refresh cycle, so that the
           refreshes that follow are spread evenly in time (a steady load, not waves);
  soak     the emulator injects SOAK_FAULT_RATE (10%) of faults on every /open_api call, spread evenly over HTTP 500,
           a non-JSON 504 page, code 50002, code 40100, latency (SOAK_LATENCY_MS + up to SOAK_LATENCY_JITTER_MS) and
           dropped connections (closed before an answer); meanwhile SOAK_PROXY_WORKERS callers make SOAK_PROXY_RPS
           proxied GETs per second in all over random connections, and serve's resident memory is sampled every
           SOAK_SAMPLE_SECONDS;
  settle   faults off, load stopped; wait until every due refresh is done (every account token has more than the
           margin left, i.e. none is due or in a failure backoff);
  verify   a proxied call on every connection succeeds; every connection is active; no reauthorization_required
           event; by the emulator's record of every refresh, no account token outlived its lifetime unreplaced, and no
           expired token was ever presented (40102); the refreshes the emulator made are the ones serve stored;
           serve's RSS at the end of the load is within SOAK_RSS_TOLERANCE (10%) of its RSS after the warm-up (the
           first SOAK_WARMUP s of load). Reported, not checked: serve's CPU share during the load, the per-minute
           RSS curve, the anonymous and file-backed parts of RSS, and glibc's heap statistics (SOAK_MALLOC_STATS).

Results: artifacts/soak/summary.json (or $TIKTOK_BUSINESS_TEST_ARTIFACTS/soak/), with both processes' logs beside it.

Environment (all optional): TIKTOK_BUSINESS_BINARY (default .build/debug/tiktok-business), SOAK_SECONDS (600),
SOAK_ACCOUNTS (500), SOAK_ADVERTISERS (50), SOAK_LIFETIME (120), SOAK_MARGIN (60), SOAK_GRACE (0),
SOAK_FAULT_RATE (0.10), SOAK_LATENCY_MS (2000), SOAK_LATENCY_JITTER_MS (3000), SOAK_PROXY_RPS (8),
SOAK_PROXY_WORKERS (4), SOAK_WARMUP (90), SOAK_SAMPLE_SECONDS (5), SOAK_RSS_TOLERANCE (0.10), SOAK_QPS (200, serve's
TIKTOK_RATE_LIMIT_QPS), SOAK_SEED (13), SOAK_SERVE_ENV (extra serve environment, `A=1,B=2`, e.g. MALLOC_ARENA_MAX=2),
SOAK_MALLOC_STATS (1: when gdb is installed, glibc's malloc_stats() of serve after the warm-up and at the end, to tell
the heap in use from what malloc keeps; 0: never attach), SOAK_HEAPTRACK (0; 1: attach heaptrack to serve after the
warm-up, and list in heaptrack-leaks.txt the allocations made after it and still live when serve exits).
"""

import argparse
import atexit
import http.client
import importlib.util
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(os.environ.get("TIKTOK_BUSINESS_TEST_ARTIFACTS", os.path.join(ROOT, "artifacts")), "soak")
BINARY = os.environ.get("TIKTOK_BUSINESS_BINARY", os.path.join(ROOT, ".build", "debug", "tiktok-business"))

# The keep-alive HTTP client and the failure type are the multi-instance test's (one copy of each for both scripts).
_spec = importlib.util.spec_from_file_location(
    "multi_instance_test", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tests", "multi_instance", "harness.py"))
_multi_instance = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_multi_instance)
Failure, fail, HTTP = _multi_instance.Failure, _multi_instance.fail, _multi_instance.HTTP


def env_number(name, default, kind=int):
    return kind(os.environ.get(name, str(default)))


SECONDS = env_number("SOAK_SECONDS", 600)
ACCOUNTS = env_number("SOAK_ACCOUNTS", 500)
ADVERTISERS = env_number("SOAK_ADVERTISERS", 50)
LIFETIME = env_number("SOAK_LIFETIME", 120)
MARGIN = env_number("SOAK_MARGIN", 60)
CYCLE = LIFETIME - MARGIN
GRACE = env_number("SOAK_GRACE", 0)
FAULT_RATE = env_number("SOAK_FAULT_RATE", 0.10, float)
LATENCY_MS = env_number("SOAK_LATENCY_MS", 2000)
LATENCY_JITTER_MS = env_number("SOAK_LATENCY_JITTER_MS", 3000)
PROXY_RPS = env_number("SOAK_PROXY_RPS", 8, float)
PROXY_WORKERS = env_number("SOAK_PROXY_WORKERS", 4)
WARMUP = env_number("SOAK_WARMUP", 90)
SAMPLE_SECONDS = env_number("SOAK_SAMPLE_SECONDS", 5, float)
RSS_TOLERANCE = env_number("SOAK_RSS_TOLERANCE", 0.10, float)
QPS = env_number("SOAK_QPS", 200)
SEED = env_number("SOAK_SEED", 13)
MALLOC_STATS = os.environ.get("SOAK_MALLOC_STATS", "1") == "1" and bool(shutil.which("gdb"))
HEAPTRACK = os.environ.get("SOAK_HEAPTRACK", "0") == "1"
SERVE_ENV = dict(item.split("=", 1) for item in os.environ.get("SOAK_SERVE_ENV", "").split(",") if "=" in item)
# The RSS "after the warm-up" and "at the end": medians of the samples in this many seconds after the warm-up and
# before the end of the load (one sample is at the mercy of a burst; a median of several is not).
RSS_WINDOW = 30
# How long the settle step may take: the longest failure backoff after several consecutive transient failures.
SETTLE_TIMEOUT = max(300, 3 * LIFETIME)

APP_ID = "soak-app"
APP_SECRET = "soak-secret-" + secrets.token_hex(8)
API_KEY = "soak-" + secrets.token_hex(16)
SCOPES = "user.info.basic,user.info.stats,video.list"
# The six kinds of the mix, each a sixth of the fault rate.
FAULT_KINDS = ["http_500", "non_json_504", "code_50002", "code_40100", "latency", "drop_connection"]






def log(message):
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse_time(text):
    """An RFC 3339 time of the API (`2026-12-02T09:22:07Z`, fractions allowed) as unix seconds."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def quantiles(values):
    values = sorted(values)
    if not values:
        return {"min": None, "median": None, "max": None}
    return {"min": round(values[0], 1), "median": round(statistics.median(values), 1), "max": round(values[-1], 1)}




AUTH = {"Authorization": f"Bearer {API_KEY}"}


def wait_until(what, predicate, timeout, interval=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(interval)
    fail(f"timed out after {timeout} s waiting for {what}")


# MARK: Processes

class Processes:
    """Every process the soak starts, stopped on exit (SIGTERM, then SIGKILL), and the PostgreSQL cluster."""

    def __init__(self):
        self.live = []
        self.pg_dir = None

    def start(self, name, args, env):
        log_path = os.path.join(ARTIFACTS, f"{name}.log")
        handle = open(log_path, "ab")
        process = subprocess.Popen(args, env=env, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        handle.close()
        process.log_path = log_path
        self.live.append(process)
        return process

    def stop(self, process, timeout=30):
        """SIGTERM, then SIGKILL after `timeout` seconds; returns the exit status."""
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process in self.live:
            self.live.remove(process)
        return process.returncode

    def cleanup(self):
        for process in list(self.live):
            self.stop(process, timeout=5)
        if self.pg_dir:
            subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh"), "stop", self.pg_dir],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.pg_dir = None


PROCESSES = Processes()


def memory_status(pid):
    """A process's resident memory from /proc/PID/status, in MB: `rss` (VmRSS) = `anon` (RssAnon: the heap and every
    other private allocation) + `file` (RssFile: the executable's and libraries' pages touched so far) + shmem; and
    its thread count. Empty once the process is gone."""
    fields = {"VmRSS:": "rss", "RssAnon:": "anon", "RssFile:": "file"}
    found = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key = line.split(None, 1)[0] if line.strip() else ""
                if key in fields:
                    found[fields[key]] = round(int(line.split()[1]) / 1024, 1)
                elif key == "Threads:":
                    found["threads"] = int(line.split()[1])
    except OSError:
        return {}
    return found


def rss_mb(pid):
    """VmRSS of a process in MB, or None once it is gone."""
    return memory_status(pid).get("rss")


def cpu_seconds(pid):
    """User + system CPU time of a process, in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks
    except (OSError, IndexError, ValueError):
        return None


# MARK: The soak

class Soak:
    def __init__(self, store):
        self.store = store
        self.started = time.time()
        self.checks = []            # (name, passed, detail)
        self.summary = {
            "settings": {
                "seconds": SECONDS, "accounts": ACCOUNTS, "advertisers": ADVERTISERS, "store": store,
                "access_token_lifetime_s": LIFETIME, "refresh_margin_s": MARGIN, "refresh_cycle_s": CYCLE,
                "refresh_token_rotation": True, "refresh_token_grace_s": GRACE, "fault_rate": FAULT_RATE,
                "fault_kinds": FAULT_KINDS, "latency_ms": [LATENCY_MS, LATENCY_MS + LATENCY_JITTER_MS],
                "proxy_rps": PROXY_RPS, "proxy_workers": PROXY_WORKERS, "warmup_s": WARMUP,
                "rss_tolerance": RSS_TOLERANCE, "serve_qps_limit": QPS, "binary": BINARY,
                "build": "debug" if "/debug/" in BINARY else "other", "serve_extra_env": SERVE_ENV,
            },
            "machine": {"cores": os.cpu_count(), "uname": " ".join(os.uname())},
        }
        self.connections = []       # {"id", "kind", "open_id" | "advertiser_id"}
        self.heaptrack = None

    # Setup

    def emulator(self, method, path, body=None):
        return HTTP.json(method, f"{self.emulator_base}/_emulator{path}", body, timeout=60)

    def setup(self):
        os.makedirs(ARTIFACTS, exist_ok=True)
        for name in os.listdir(ARTIFACTS):
            if name.endswith(".log") or name in ("summary.json", "keys") or name.endswith(".sqlite") \
                    or name.endswith(".sqlite-wal") or name.endswith(".sqlite-shm"):
                os.remove(os.path.join(ARTIFACTS, name))
        if not os.access(BINARY, os.X_OK):
            fail(f"no executable at {BINARY}; build with `swift build --product tiktok-business`")
        if self.store == "postgres":
            pg_dir = os.path.join(ARTIFACTS, "postgres")
            subprocess.run(["rm", "-rf", pg_dir], check=True)
            PROCESSES.pg_dir = pg_dir
            result = subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh"), "start", pg_dir],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if result.returncode != 0:
                fail(f"PostgreSQL did not start: {result.stderr.strip()}")
            database_url = result.stdout.strip()
        else:
            database_url = f"sqlite://{os.path.join(ARTIFACTS, 'connections.sqlite')}"

        emulator_port, serve_port = free_port(), free_port()
        self.emulator_base = f"http://127.0.0.1:{emulator_port}"
        self.base = f"http://127.0.0.1:{serve_port}"
        redirects = []
        for kind in ("tiktok_account", "advertiser"):
            redirects += ["--redirect-uri", f"{self.base}/oauth/callback/{kind}"]
        self.emulator_process = PROCESSES.start("emulator", [
            BINARY, "emulator", "--port", str(emulator_port), "--app-id", APP_ID, "--secret", APP_SECRET, *redirects,
            "--access-token-lifetime", str(LIFETIME), "--rotate-refresh-tokens", "--refresh-token-grace", str(GRACE),
            "--seed", str(SEED), "--log-level", "warning"], dict(os.environ))
        wait_until("the emulator", lambda: HTTP.request("GET", self.emulator_base + "/_emulator/clock")[0] == 200, 60)

        env = _multi_instance.emulator_app_env(self.emulator_base, APP_ID, APP_SECRET)
        env.update({
            "TIKTOK_ACCOUNT_SCOPES": SCOPES,
            "TIKTOK_BUSINESS_DATABASE_URL": database_url,
            "TIKTOK_BUSINESS_KEY_FILE": os.path.join(ARTIFACTS, "keys"),
            "TIKTOK_BUSINESS_API_KEY": API_KEY,
            "TIKTOK_BUSINESS_PUBLIC_URL": self.base,
            "TIKTOK_BUSINESS_HOST": "127.0.0.1",
            "TIKTOK_BUSINESS_PORT": str(serve_port),
            "TIKTOK_RATE_LIMIT_QPS": str(QPS),
            # Hundreds of authorizations come from this one address: the per-client limit of the public routes is off.
            "TIKTOK_BUSINESS_RATE_LIMIT_PER_MINUTE": "0",
            "TIKTOK_BUSINESS_REFRESH_MARGIN_SECONDS": str(MARGIN),
            "LOG_LEVEL": "notice",
        })
        env.update(SERVE_ENV)
        self.serve_process = PROCESSES.start("serve", [BINARY, "serve"], env)

        def ready():
            if self.serve_process.poll() is not None:
                fail(f"serve exited with {self.serve_process.returncode}; see {self.serve_process.log_path}")
            return HTTP.request("GET", self.base + "/readyz", timeout=5)[0] == 200
        wait_until("serve to be ready", ready, 60)
        log(f"emulator at {self.emulator_base}, serve at {self.base} on {self.store} (pid {self.serve_process.pid}), "
            f"binary {BINARY}")

    # Seed

    def connect(self, kind, user):
        """One connection through the whole flow: a link of serve, a code minted at the emulator, the callback."""
        link = HTTP.json("POST", self.base + "/v1/connect-links", {"kind": kind}, AUTH, expect=(201,))
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(link["url"]).query)
        flow = "advertiser" if kind == "advertiser" else "account"
        redirect_uri = f"{self.base}/oauth/callback/{kind}"
        code = self.emulator("POST", "/grants", {"flow": flow, "app_id": APP_ID, "redirect_uri": redirect_uri,
                                                 "user": user, "scopes": query.get("scope", [""])[0]})["code"]
        param = "auth_code" if flow == "advertiser" else "code"
        status, body = HTTP.request("GET", f"{self.base}/oauth/callback/{kind}?"
                                    + urllib.parse.urlencode({param: code, "state": query["state"][0]}))
        if status != 200:
            fail(f"the callback of {user} answered {status}: {body[:300]!r}")

    def seed(self):
        """Paced over one refresh cycle, so that the account connections fall due evenly from then on."""
        jobs = [("tiktok_account", f"soak-account-{n:05d}") for n in range(ACCOUNTS)]
        jobs += [("advertiser", f"soak-advertiser-{n:04d}") for n in range(ADVERTISERS)]
        random.Random(SEED).shuffle(jobs)
        started = time.time()
        spacing = CYCLE / max(1, len(jobs))

        def one(index):
            delay = started + index * spacing - time.time()
            if delay > 0:
                time.sleep(delay)
            self.connect(*jobs[index])

        with ThreadPoolExecutor(8) as pool:
            for future in [pool.submit(one, n) for n in range(len(jobs))]:
                future.result()
        listed = self.list_connections()
        if len(listed) != len(jobs):
            fail(f"{len(listed)} connections listed after seeding {len(jobs)}")
        for connection in listed:
            entry = {"id": connection["id"], "kind": connection["kind"], "created_at": parse_time(
                connection["created_at"])}
            if connection["kind"] == "tiktok_account":
                entry["open_id"] = connection["open_id"]
            else:
                entry["advertiser_id"] = connection["advertiser_ids"][0]
            self.connections.append(entry)
        duration = time.time() - started
        self.summary["seed"] = {"connections": len(jobs), "duration_s": round(duration, 1)}
        log(f"seeded {ACCOUNTS} tiktok_account and {ADVERTISERS} advertiser connections in {duration:.1f} s "
            f"(paced over the {CYCLE} s refresh cycle)")

    def list_connections(self):
        found, cursor = [], None
        while True:
            query = {"limit": "1000"}
            if cursor:
                query["cursor"] = cursor
            page = HTTP.json("GET", self.base + "/v1/connections?" + urllib.parse.urlencode(query), headers=AUTH)
            found += page["connections"]
            cursor = page.get("next_cursor")
            if not cursor:
                return found

    def events(self):
        found, after = [], 0
        while True:
            page = HTTP.json("GET", f"{self.base}/v1/events?after={after}&limit=1000", headers=AUTH)
            found += page["events"]
            if not page["events"]:
                return found
            after = page["next_cursor"]

    # Load

    def proxied_path(self, connection):
        if connection["kind"] == "tiktok_account":
            return f"business/get/?business_id={connection['open_id']}"
        return f"campaign/get/?advertiser_id={connection['advertiser_id']}"

    def proxied_call(self, connection, timeout=180):
        """One proxied GET: (outcome, latency s, body excerpt) where outcome is `ok`, `tiktok <code>` (HTTP 200 with
        an error envelope), `http <status> <error code>` or `no answer`."""
        began = time.time()
        try:
            status, body = HTTP.request("GET", f"{self.base}/v1/proxy/{connection['id']}/"
                                        + self.proxied_path(connection), headers=AUTH, timeout=timeout)
        except (OSError, http.client.HTTPException) as error:
            return "no answer", time.time() - began, repr(error)
        took = time.time() - began
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if status == 200 and isinstance(payload, dict) and payload.get("code") == 0:
            return "ok", took, None
        if status == 200 and isinstance(payload, dict):
            return f"tiktok {payload.get('code')}", took, body[:300].decode(errors="replace")
        code = payload.get("error", {}).get("code") if isinstance(payload, dict) and isinstance(
            payload.get("error"), dict) else None
        return f"http {status}" + (f" {code}" if code else ""), took, body[:300].decode(errors="replace")

    def start_load(self):
        stats = {"outcomes": {}, "latencies": [], "examples": {}, "stop": threading.Event()}
        lock = threading.Lock()
        interval = PROXY_WORKERS / PROXY_RPS

        def worker(index):
            rng = random.Random(SEED * 1000 + index)
            next_at = time.time() + rng.uniform(0, interval)
            while not stats["stop"].is_set():
                pause = next_at - time.time()
                if pause > 0 and stats["stop"].wait(pause):
                    break
                next_at = max(next_at + interval, time.time() - interval)
                outcome, took, excerpt = self.proxied_call(rng.choice(self.connections))
                with lock:
                    stats["outcomes"][outcome] = stats["outcomes"].get(outcome, 0) + 1
                    stats["latencies"].append(took)
                    if outcome != "ok" and outcome not in stats["examples"]:
                        stats["examples"][outcome] = excerpt

        stats["threads"] = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(PROXY_WORKERS)]
        for thread in stats["threads"]:
            thread.start()
        return stats

    @staticmethod
    def stop_load(stats):
        stats["stop"].set()
        for thread in stats["threads"]:
            thread.join(timeout=200)
        latencies = sorted(stats["latencies"])
        calls = len(latencies)
        return {"calls": calls, "outcomes": dict(sorted(stats["outcomes"].items(), key=lambda item: -item[1])),
                "examples": stats["examples"],
                "p50_ms": round(latencies[calls // 2] * 1000, 1) if calls else None,
                "p99_ms": round(latencies[int(calls * 0.99)] * 1000, 1) if calls else None,
                "max_ms": round(latencies[-1] * 1000, 1) if calls else None}

    # Memory

    def database_bytes(self):
        """The SQLite database's size (with its WAL), or None on PostgreSQL."""
        if self.store != "sqlite":
            return None
        path = os.path.join(ARTIFACTS, "connections.sqlite")
        return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))

    def malloc_stats(self, at):
        """glibc's malloc_stats() in serve, called through gdb (serve pauses for a moment; it prints to its stderr,
        i.e. serve.log): per arena and in total, the bytes malloc holds from the system and the bytes in use."""
        log_path = self.serve_process.log_path
        offset = os.path.getsize(log_path)
        result = subprocess.run(["gdb", "-p", str(self.serve_process.pid), "-batch", "-ex",
                                 "call (void) malloc_stats()"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, timeout=60)
        time.sleep(0.5)
        with open(log_path, errors="replace") as handle:
            handle.seek(offset)
            text = handle.read()
        arenas, total, current = [], None, None
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("Arena "):
                current = {"arena": int(line.split()[1].rstrip(":"))}
                arenas.append(current)
            elif line.startswith("Total (incl. mmap)"):
                current = total = {}
            elif current is not None and "=" in line:
                key, value = (part.strip() for part in line.split("=", 1))
                current[key.replace(" ", "_")] = int(value)
        if total is None:
            log(f"malloc_stats at {at} s: no output (gdb exited {result.returncode}: {result.stdout[-300:]!r})")
            return None
        mb = 1024 * 1024
        log(f"malloc_stats at {at:.0f} s: {len(arenas)} arenas, {total['system_bytes'] / mb:.1f} MB from the system, "
            f"{total['in_use_bytes'] / mb:.1f} MB in use")
        threads = {}
        for task in os.listdir(f"/proc/{self.serve_process.pid}/task"):
            try:
                with open(f"/proc/{self.serve_process.pid}/task/{task}/comm") as handle:
                    name = handle.read().strip()
            except OSError:
                continue
            name = name.rstrip("0123456789")     # NIO-ELT-0-#1 → NIO-ELT-0-#
            threads[name] = threads.get(name, 0) + 1
        return {"at_s": at, "threads": threads, "arenas": len(arenas), "system_mb": round(total["system_bytes"] / mb, 2),
                "in_use_mb": round(total["in_use_bytes"] / mb, 2),
                "mmap_regions_max": total.get("max_mmap_regions"),
                "per_arena": [{"arena": a["arena"], "system_mb": round(a.get("system_bytes", 0) / mb, 2),
                               "in_use_mb": round(a.get("in_use_bytes", 0) / mb, 2)} for a in arenas]}

    def start_heaptrack(self):
        log_path = os.path.join(ARTIFACTS, "heaptrack.log")
        with open(log_path, "ab") as handle:
            self.heaptrack = subprocess.Popen(
                ["heaptrack", "-o", os.path.join(ARTIFACTS, "heaptrack.serve"), "-p", str(self.serve_process.pid)],
                stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log(f"heaptrack attached to serve (pid {self.heaptrack.pid}); it records until serve exits")

    def finish_heaptrack(self):
        """After serve exited: waits for heaptrack to write its file, then prints the allocations still live."""
        try:
            self.heaptrack.wait(timeout=300)
        except subprocess.TimeoutExpired:
            log("heaptrack did not finish within 300 s of serve's exit")
            return
        files = sorted(name for name in os.listdir(ARTIFACTS) if name.startswith("heaptrack.serve."))
        if not files:
            log("heaptrack wrote no file; see heaptrack.log")
            return
        data = os.path.join(ARTIFACTS, files[-1])
        output = os.path.join(ARTIFACTS, "heaptrack-leaks.txt")
        with open(output, "w") as handle:
            subprocess.run(["heaptrack_print", "-f", data, "-l", "1", "-p", "1", "-a", "0", "-T", "0", "-n", "15"],
                           stdout=handle, stderr=subprocess.STDOUT, timeout=900)
        with open(output, errors="replace") as handle:
            tail = [line.strip() for line in handle.readlines()[-12:] if ":" in line]
        self.summary["heaptrack"] = {"file": data, "report": output, "totals": tail}
        log(f"heaptrack: {'; '.join(tail)} (details in {output})")

    # Soak

    def fault_settings(self):
        share = FAULT_RATE / len(FAULT_KINDS)
        return {"http_500_rate": share, "non_json_504_rate": share, "code_50002_rate": share,
                "code_40100_rate": share, "drop_connection_rate": share, "latency_rate": share,
                "latency_ms": LATENCY_MS, "latency_jitter_ms": LATENCY_JITTER_MS}

    def soak(self):
        self.counters_before = self.emulator("GET", "/counters")
        faults = self.emulator("POST", "/faults", self.fault_settings())
        self.summary["faults"] = faults
        self.faults_on_at = time.time()
        log(f"faults on: {json.dumps(self.fault_settings())}")
        load = self.start_load()
        pid = self.serve_process.pid
        samples = []        # {t: seconds since faults on, serve rss/anon/file MB and threads, emulator MB, ...}
        malloc_points = {"after_warmup": WARMUP, "end": SECONDS - SAMPLE_SECONDS} if MALLOC_STATS else {}
        end = self.faults_on_at + SECONDS
        next_sample = self.faults_on_at
        next_report = self.faults_on_at + 60
        while time.time() < end:
            if self.serve_process.poll() is not None:
                fail(f"serve exited with {self.serve_process.returncode} during the soak; see "
                     f"{self.serve_process.log_path}")
            now = time.time()
            if now >= next_sample:
                sample = {"t": round(now - self.faults_on_at, 1), **memory_status(pid),
                          "emulator_rss": rss_mb(self.emulator_process.pid), "cpu_s": cpu_seconds(pid),
                          "database_bytes": self.database_bytes()}
                samples.append(sample)
                for label, at in list(malloc_points.items()):
                    if sample["t"] >= at:
                        self.summary.setdefault("malloc_stats", {})[label] = self.malloc_stats(sample["t"])
                        del malloc_points[label]
                if HEAPTRACK and self.heaptrack is None and sample["t"] >= WARMUP:
                    self.start_heaptrack()
                next_sample += SAMPLE_SECONDS
            if now >= next_report:
                counters = self.emulator("GET", "/counters")
                log(f"{now - self.faults_on_at:4.0f} s: serve RSS {samples[-1].get('rss')} MB "
                    f"(anon {samples[-1].get('anon')}, file {samples[-1].get('file')}), "
                    f"{counters['refreshes']} refreshes, {counters['faults_injected']} faults "
                    f"{counters['faults_by_kind']}, {sum(load['outcomes'].values())} proxied calls "
                    f"{dict(sorted(load['outcomes'].items()))}")
                next_report += 60
            time.sleep(max(0.05, min(next_sample, end) - time.time()))
        self.faults_off_at = time.time()
        self.emulator("DELETE", "/faults")
        self.counters_at_faults_off = self.emulator("GET", "/counters")
        log("faults off; stopping the load")
        self.summary["proxy_load"] = self.stop_load(load)
        self.samples = samples
        self.summary["samples"] = samples

    # Settle

    def settle(self):
        """Waits until no account connection is due: every token has more than the margin left (minus a little,
        for the sweeper's own pace), so every refresh that fell due has been done."""
        started = time.time()
        slack = min(10, MARGIN / 4)
        while True:
            connections = self.list_connections()
            now = time.time()
            due = [c for c in connections if c["kind"] == "tiktok_account"
                   and (c["status"] != "active" or not c.get("access_token_expires_at")
                        or parse_time(c["access_token_expires_at"]) - now < MARGIN - slack)]
            if not due:
                break
            if now - started > SETTLE_TIMEOUT:
                fail(f"settle: {len(due)} account connections still due {SETTLE_TIMEOUT} s after the faults stopped "
                     f"(first: {[c['id'] for c in due[:3]]})")
            time.sleep(2)
        self.settled_at = time.time()
        self.summary["settle_s"] = round(self.settled_at - self.faults_off_at, 1)
        log(f"every due refresh done {self.settled_at - self.faults_off_at:.1f} s after the faults stopped")

    # Verify

    def check(self, name, passed, detail):
        self.checks.append((name, passed, detail))
        log(f"{'PASS' if passed else 'FAIL'}  {name}: {detail}")

    def verify(self):
        # Every connection works: a proxied call on each, faults off.
        failures = []
        with ThreadPoolExecutor(8) as pool:
            for connection, (outcome, _, excerpt) in zip(self.connections, pool.map(
                    lambda c: self.proxied_call(c, timeout=120), self.connections)):
                if outcome != "ok":
                    failures.append(f"{connection['id']} ({connection['kind']}): {outcome} {excerpt}")
        self.check("every connection answers a proxied call after the faults",
                   not failures, f"{len(self.connections) - len(failures)} of {len(self.connections)} ok"
                   + (f"; first failure: {failures[0]}" if failures else ""))

        # No connection wrongly marked.
        connections = self.list_connections()
        statuses = {}
        for connection in connections:
            statuses[connection["status"]] = statuses.get(connection["status"], 0) + 1
        self.check("no connection wrongly marked: all active", statuses == {"active": len(self.connections)},
                   f"statuses {statuses}")
        # The sweeper goes on refreshing meanwhile: the emulator's count before and after the event log bounds it.
        counters_before_events = self.emulator("GET", "/counters")
        events = self.events()
        counters = self.emulator("GET", "/counters")
        by_type = {}
        for event in events:
            by_type[event["type"]] = by_type.get(event["type"], 0) + 1
        reauthorizations = [e for e in events if e["type"] == "reauthorization_required"]
        self.check("no reauthorization_required event", not reauthorizations,
                   f"{len(reauthorizations)} events" + (f"; first: {reauthorizations[0]}" if reauthorizations else ""))

        # Every refresh done, none lapsed: by the emulator's record of every refresh (its clock is the wall clock
        # here), each account connection got a new token within its lifetime of the previous one, and its current
        # token is valid now.
        times = self.emulator("GET", "/refreshes")
        emulator_now = times["now"]
        lapses = []
        gaps = []
        for connection in self.connections:
            if connection["kind"] != "tiktok_account":
                continue
            points = [connection["created_at"]] + times["refresh_times_by_open_id"].get(connection["open_id"], [])
            for before, after in zip(points, points[1:]):
                gaps.append(after - before)
                if after - before > LIFETIME:
                    lapses.append({"connection": connection["id"], "token_from": before,
                                   "replaced_after_s": round(after - before, 1)})
            if emulator_now - points[-1] > LIFETIME:
                lapses.append({"connection": connection["id"], "token_from": points[-1],
                               "replaced_after_s": None, "expired_s_ago": round(emulator_now - points[-1] - LIFETIME)})
        gaps.sort()
        expired_answers = counters["error_codes"].get("40102", 0)
        self.check("no access token lapsed during the run", not lapses and not expired_answers,
                   f"{len(lapses)} tokens outlived their {LIFETIME} s unreplaced, {expired_answers} expired-token "
                   f"(40102) answers; longest gap between tokens {gaps[-1]:.1f} s" if gaps else "no refreshes")
        serve_refreshes = by_type.get("token.refreshed", 0)
        low, high = counters_before_events["refreshes"], counters["refreshes"]
        self.check("every refresh TikTok made was stored (none lost to a fault)", low <= serve_refreshes <= high,
                   f"emulator {low}–{high} refreshes, serve {serve_refreshes} token.refreshed events")

        # Memory flat.
        after_warmup = [x["rss"] for x in self.samples if WARMUP <= x["t"] < WARMUP + RSS_WINDOW and x.get("rss")]
        at_end = [x["rss"] for x in self.samples if x["t"] >= SECONDS - RSS_WINDOW and x.get("rss")]
        if after_warmup and at_end:
            base, last = statistics.median(after_warmup), statistics.median(at_end)
            growth = last / base - 1
            self.check("memory flat: RSS at the end within "
                       f"{RSS_TOLERANCE:.0%} of after the warm-up", abs(growth) <= RSS_TOLERANCE,
                       f"{base:.1f} MB after {WARMUP} s, {last:.1f} MB at the end ({growth:+.1%})")
            self.summary["rss"] = {"after_warmup_mb": round(base, 1), "end_mb": round(last, 1),
                                   "growth": round(growth, 4)}
            for part in ("anon", "file"):
                early = [x[part] for x in self.samples if WARMUP <= x["t"] < WARMUP + RSS_WINDOW and x.get(part)]
                late = [x[part] for x in self.samples if x["t"] >= SECONDS - RSS_WINDOW and x.get(part)]
                if early and late:
                    self.summary["rss"][f"{part}_after_warmup_mb"] = round(statistics.median(early), 1)
                    self.summary["rss"][f"{part}_end_mb"] = round(statistics.median(late), 1)
        else:
            self.check("memory flat", False, f"not enough samples (soak of {SECONDS} s, warm-up {WARMUP} s)")
        minutes = {}
        for x in self.samples:
            if x.get("rss"):
                minutes.setdefault(int(x["t"] // 60), []).append(x["rss"])
        self.summary["rss_per_minute_mb"] = {str(m): quantiles(v) for m, v in sorted(minutes.items())}
        self.summary["rss_final_mb"] = round(rss_mb(self.serve_process.pid) or 0, 1)

        # Counts: what happened between the faults on and off (the emulator's counters are cumulative).
        before, after = self.counters_before, self.counters_at_faults_off
        during = {"faults_injected": after["faults_injected"] - before["faults_injected"],
                  "faults_by_kind": {k: v - before["faults_by_kind"].get(k, 0)
                                     for k, v in after["faults_by_kind"].items()},
                  "delayed_calls": after["delayed_calls"] - before["delayed_calls"],
                  "calls": {k: v - before["calls"].get(k, 0) for k, v in after["calls"].items()
                            if v != before["calls"].get(k, 0)},
                  "refreshes": after["refreshes"] - before["refreshes"]}
        refresh_failures = [e for e in events if e["type"] == "refresh.failed"]
        failure_reasons = {}
        for event in refresh_failures:
            data = event.get("data") or {}
            key = f"{data.get('reason', '?')}" + (f" {data['tiktok_code']}" if data.get("tiktok_code") else "")
            failure_reasons[key] = failure_reasons.get(key, 0) + 1
        self.summary["counts"] = {
            "faults_injected": during["faults_injected"], "faults_by_kind": during["faults_by_kind"],
            "delayed_calls": during["delayed_calls"],
            "api_calls_during_faults": sum(during["calls"].values()), "calls_by_path": during["calls"],
            "refreshes_during_faults": during["refreshes"], "refreshes_total": counters["refreshes"],
            "emulator_refresh_failures": counters["refresh_failures"],
            "emulator_error_codes": counters["error_codes"],
            "serve_events": by_type, "serve_refresh_failures_by_reason": failure_reasons,
            "token_gap_s": {"min": round(gaps[0], 1), "median": round(statistics.median(gaps), 1),
                            "max": round(gaps[-1], 1)} if gaps else None,
            "lapses": lapses[:20],
        }
        self.summary["checks"] = [{"name": n, "passed": p, "detail": d} for n, p, d in self.checks]

    # Report

    def report(self):
        s = self.summary
        counts = s.get("counts", {})
        load = s.get("proxy_load", {})
        rows = [("duration of faults and load", f"{SECONDS} s ({s['settings']['store']}, debug build)"
                 if s["settings"]["build"] == "debug" else f"{SECONDS} s ({s['settings']['store']})"),
                ("connections", f"{ACCOUNTS} tiktok_account + {ADVERTISERS} advertiser"),
                ("token lifetime / margin / cycle", f"{LIFETIME} s / {MARGIN} s / {CYCLE} s")]
        if counts:
            calls = counts["api_calls_during_faults"]
            refresh_calls = counts["calls_by_path"].get("/tt_user/oauth2/refresh_token/", 0)
            rows += [("TikTok calls during faults", f"{calls} ({refresh_calls} refreshes, {calls - refresh_calls} "
                                                    f"proxied data calls)"),
                     ("faults injected", f"{counts['faults_injected']} + {counts['delayed_calls']} delayed "
                      f"({(counts['faults_injected'] + counts['delayed_calls']) / max(1, calls):.1%})"),
                     ("  by kind", ", ".join(f"{k} {v}" for k, v in sorted(counts["faults_by_kind"].items()))
                      + f", latency {counts['delayed_calls']}"),
                     ("refreshes done (during faults / in all)",
                      f"{counts['refreshes_during_faults']} / {counts['refreshes_total']}; "
                      f"{refresh_calls - counts['refreshes_during_faults']} refresh calls faulted and retried"),
                     ("refreshes that failed after every retry",
                      f"{sum(counts['serve_refresh_failures_by_reason'].values())} "
                      f"{counts['serve_refresh_failures_by_reason']}"),
                     ("gap between an account's tokens",
                      "min {min} s, median {median} s, max {max} s".format(**counts["token_gap_s"])
                      if counts["token_gap_s"] else "-")]
        if load:
            rows += [("proxied calls", f"{load['calls']}: " + ", ".join(f"{k} {v}" for k, v in
                                                                      load["outcomes"].items())),
                     ("proxied call latency", f"p50 {load['p50_ms']} ms, p99 {load['p99_ms']} ms, "
                                              f"max {load['max_ms']} ms")]
        if "rss" in s:
            r = s["rss"]
            rows.append(("serve RSS after warm-up → end", f"{r['after_warmup_mb']} → {r['end_mb']} MB "
                                                          f"({r['growth']:+.1%})"))
            if "anon_end_mb" in r:
                rows.append(("  of which anonymous / file-backed", f"{r['anon_after_warmup_mb']} → {r['anon_end_mb']} "
                                                                   f"MB / {r['file_after_warmup_mb']} → "
                                                                   f"{r['file_end_mb']} MB"))
        for label, stats in (s.get("malloc_stats") or {}).items():
            if stats:
                rows.append((f"  malloc {label} ({stats['at_s']:.0f} s)",
                             f"{stats['arenas']} arenas, {stats['system_mb']} MB held, {stats['in_use_mb']} MB in use"))
        cpu = [(x["t"], x["cpu_s"]) for x in s.get("samples", []) if x.get("cpu_s") is not None]
        if len(cpu) >= 2 and cpu[-1][0] > cpu[0][0]:
            share = (cpu[-1][1] - cpu[0][1]) / (cpu[-1][0] - cpu[0][0])
            s["serve_cpu_share"] = round(share, 3)
            rows.append(("serve CPU during the load", f"{cpu[-1][1] - cpu[0][1]:.0f} s in {cpu[-1][0] - cpu[0][0]:.0f} s "
                                                      f"({share:.0%} of one core)"))
        sizes = [x.get("database_bytes") for x in s.get("samples", []) if x.get("database_bytes")]
        if sizes:
            rows.append(("SQLite database with its WAL", f"{sizes[0] / 1e6:.1f} → {sizes[-1] / 1e6:.1f} MB"))
        if "rss_per_minute_mb" in s:
            rows.append(("serve RSS per minute (min/median/max MB)",
                         "  ".join(f"{m}: {v['min']}/{v['median']}/{v['max']}"
                                   for m, v in s["rss_per_minute_mb"].items())))
        for name, passed, detail in self.checks:
            rows.append((f"{'PASS' if passed else 'FAIL'} {name}", detail))
        width = max(len(r[0]) for r in rows)
        print()
        for label, value in rows:
            print(f"  {label.ljust(width)}  {value}")
        print(flush=True)

    def run(self):
        steps = [("setup", self.setup), ("seed", self.seed), ("soak", self.soak), ("settle", self.settle),
                 ("verify", self.verify)]
        try:
            for name, step in steps:
                began = time.time()
                step()
                self.summary.setdefault("step_durations_s", {})[name] = round(time.time() - began, 1)
            passed = all(p for _, p, _ in self.checks)
            self.summary["result"] = "passed" if passed else "failed"
        except BaseException as error:
            self.summary["result"] = "failed"
            self.summary["failure"] = str(error) if isinstance(error, Failure) else repr(error)
            raise
        finally:
            self.summary["duration_s"] = round(time.time() - self.started, 1)
            if getattr(self, "serve_process", None) is not None and self.serve_process.poll() is None:
                code = PROCESSES.stop(self.serve_process)
                self.summary["serve_exit_after_sigterm"] = code
            if self.heaptrack is not None:
                self.finish_heaptrack()
            self.report()
            os.makedirs(ARTIFACTS, exist_ok=True)
            with open(os.path.join(ARTIFACTS, "summary.json"), "w") as handle:
                json.dump(self.summary, handle, indent=2)
        return self.summary["result"] == "passed"


def main():
    parser = argparse.ArgumentParser(description="The soak with faults; see the module documentation.")
    parser.add_argument("--postgres", action="store_true", help="run serve on a throwaway PostgreSQL cluster")
    arguments = parser.parse_args()
    atexit.register(PROCESSES.cleanup)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda number, frame: sys.exit(128 + number))
    try:
        passed = Soak("postgres" if arguments.postgres else "sqlite").run()
    except Failure as failure:
        log(f"FAILED: {failure}")
        log(f"logs and summary in {ARTIFACTS}")
        sys.exit(1)
    if not passed:
        log(f"FAILED: see the checks above; logs and summary in {ARTIFACTS}")
        sys.exit(1)
    log(f"passed; summary in {os.path.join(ARTIFACTS, 'summary.json')}")


if __name__ == "__main__":
    main()
