"""The benchmarks of scripts/bench/: each prints a table, and writes it as JSON to $BENCH_RESULTS (default
artifacts/bench/<name>.json). Python 3 standard library only; wrk from Debian's packages for HTTP load.

  proxy      GET /campaign/get/ and a ~1 MB /report/integrated/get/ page: the emulator direct, a bare relay hop
             (Benchmarks/Sources/relay) and our proxy, side by side in rounds (wrk -t1 -c32 -d8s).
  sdk        the same 3,000 calls (authorizedAdvertisers, advertiserInfo, first page of campaigns) at concurrency 32
             through our SDK (Benchmarks/Sources/sdk-load) and TikTok's official Python SDK, in rounds.
  callbacks  completed authorizations per second: links and codes made beforehand, then wrk walks the callbacks.
  sweep      N account connections due at once, refreshed by `serve`: SQLite; PostgreSQL with one and three instances.
  memory     serve's resident memory idle, after proxy load, and sampled across a long proxy load.

Run through the shell scripts beside this file, which build the release binaries first. Environment:
BENCH_BIN (folder of the release binaries), BENCH_ROUNDS (3), BENCH_DURATION (8, seconds per wrk run),
BENCH_CALLBACKS (20000), BENCH_SWEEP_CONNECTIONS (100000), BENCH_SWEEP_TIMEOUT (600), BENCH_MEMORY_SECONDS (600),
BENCH_SWEEP_STORES (sqlite,postgres-1,postgres-3).
"""

import atexit
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("BENCH_BIN", os.path.join(ROOT, "Benchmarks", ".build", "release"))
RESULTS = os.environ.get("BENCH_RESULTS", os.path.join(ROOT, "artifacts", "bench"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
DURATION = int(os.environ.get("BENCH_DURATION", "8"))
APP_ID, APP_SECRET, API_KEY = "bench-app", "bench-secret-0123456789", "bench-api-key-0123456789abcdef"
LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "callbacks.lua")


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def fail(message):
    log(f"FAILED: {message}")
    sys.exit(1)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Processes


class Processes:
    """Every process started here, stopped on exit."""

    def __init__(self):
        self.running = []
        self.workdir = tempfile.mkdtemp(prefix="tiktok-business-bench.")
        os.chmod(self.workdir, 0o711)  # PostgreSQL's cluster, run as postgres, lives below it
        self.postgres = []
        atexit.register(self.cleanup)

    def start(self, name, args, env=None):
        log_path = os.path.join(self.workdir, f"{name}.log")
        process = subprocess.Popen(args, env=env or dict(os.environ), stdout=open(log_path, "ab"),
                                   stderr=subprocess.STDOUT, start_new_session=True)
        process.name, process.log_path = name, log_path
        self.running.append(process)
        return process

    def stop(self, process, sig=signal.SIGTERM):
        if process.poll() is None:
            os.killpg(process.pid, sig)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if process in self.running:
            self.running.remove(process)

    def cleanup(self):
        for process in list(self.running):
            try:
                self.stop(process, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for directory in self.postgres:
            subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh"), "stop", directory],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def start_postgres(self):
        directory = os.path.join(self.workdir, f"postgres-{len(self.postgres)}")
        result = subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh"), "start", directory],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if result.returncode != 0:
            fail(f"PostgreSQL did not start: {result.stderr.strip()}")
        self.postgres.append(directory)
        return result.stdout.strip()


PROCESSES = Processes()


def binary(name):
    path = os.path.join(BIN, name)
    if not os.access(path, os.X_OK):
        fail(f"no executable {path}; run the scripts in scripts/bench/, which build it")
    return path


def rss_mb(process):
    with open(f"/proc/{process.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


# HTTP


class HTTP:
    """Keep-alive HTTP per thread (http.client)."""

    local = threading.local()

    @classmethod
    def request(cls, method, url, body=None, headers=None, timeout=60):
        parts = urllib.parse.urlsplit(url)
        key = (parts.hostname, parts.port)
        connections = getattr(cls.local, "connections", None)
        if connections is None:
            connections = cls.local.connections = {}
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json"} if data is not None else {}
        all_headers.update(headers or {})
        target = parts.path + (("?" + parts.query) if parts.query else "")
        for attempt in range(2):
            connection = connections.get(key)
            if connection is None:
                connection = connections[key] = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
            try:
                connection.request(method, target, body=data, headers=all_headers)
                response = connection.getresponse()
                return response.status, response.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                connection.close()
                connections.pop(key, None)
                if attempt == 1:
                    raise

    @classmethod
    def json(cls, method, url, body=None, headers=None, expect=(200,)):
        status, data = cls.request(method, url, body, headers)
        if status not in expect:
            fail(f"{method} {url.split('?')[0]} answered {status}: {data[:300]!r}")
        return json.loads(data) if data else None


def wait_http(what, url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if HTTP.request("GET", url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    fail(f"{what} did not answer {url} within {timeout} s")


AUTH = {"Authorization": f"Bearer {API_KEY}"}


# The emulator and serve


class Emulator:
    def __init__(self, public_port, extra=()):
        """An emulator that accepts the callback URIs of every kind on `public_port`."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.api = self.base + "/open_api/v1.3/"
        redirects = []
        for kind in ("advertiser", "tiktok_account"):
            redirects += ["--redirect-uri", f"http://127.0.0.1:{public_port}/oauth/callback/{kind}"]
        self.process = PROCESSES.start("emulator", [
            binary("tiktok-business"), "emulator", "--port", str(self.port), "--app-id", APP_ID, "--secret",
            APP_SECRET, *redirects, "--log-level", "warning", *extra])
        wait_http("the emulator", self.base + "/_emulator/clock")

    def grant(self, flow, redirect_uri, user, scopes=""):
        return HTTP.json("POST", self.base + "/_emulator/grants", {
            "flow": flow, "app_id": APP_ID, "redirect_uri": redirect_uri, "user": user, "scopes": scopes})["code"]


class Serve:
    def __init__(self, emulator, database_url, public_port=None, port=None, name="serve", extra_env=None):
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.public_url = f"http://127.0.0.1:{public_port or self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("TIKTOK_")}
        env.update({
            "TIKTOK_APP_ID": APP_ID, "TIKTOK_APP_SECRET": APP_SECRET,
            "TIKTOK_API_BASE_URL": emulator.api,
            "TIKTOK_ACCOUNT_AUTH_URL": emulator.base + "/v2/auth/authorize/",
            "TIKTOK_ADVERTISER_AUTH_URL": emulator.base + "/portal/auth",
            "TIKTOK_BUSINESS_DATABASE_URL": database_url,
            "TIKTOK_BUSINESS_KEY_FILE": os.path.join(PROCESSES.workdir, "keys"),
            "TIKTOK_BUSINESS_API_KEY": API_KEY,
            "TIKTOK_BUSINESS_PUBLIC_URL": self.public_url,
            "TIKTOK_BUSINESS_HOST": "127.0.0.1",
            "TIKTOK_BUSINESS_PORT": str(self.port),
            "TIKTOK_RATE_LIMIT_QPS": "1000000",
            # Thousands of authorizations come from this one address: the per-client limit of the public routes is off.
            "TIKTOK_BUSINESS_RATE_LIMIT_PER_MINUTE": "0",
            "LOG_LEVEL": "warning",
        })
        env.update(extra_env or {})
        self.env = env
        self.name = name
        self.process = PROCESSES.start(name, [binary("tiktok-business"), "serve"], env)
        wait_http(name, self.base + "/readyz")

    def link(self, kind):
        link = HTTP.json("POST", self.base + "/v1/connect-links", {"kind": kind}, AUTH, expect=(201,))
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(link["url"]).query)
        return query["state"][0], query.get("scope", [""])[0]

    def connect(self, emulator, kind, user):
        """One connection through the whole flow: link, a code minted at the emulator, the callback."""
        flow = "advertiser" if kind in ("advertiser", "tcm_account") else "account"
        redirect_uri = f"{self.public_url}/oauth/callback/{kind}"
        state, scopes = self.link(kind)
        code = emulator.grant(flow, redirect_uri, user, scopes)
        param = "auth_code" if flow == "advertiser" else "code"
        status, body = HTTP.request("GET", f"{self.base}/oauth/callback/{kind}?"
                                    + urllib.parse.urlencode({param: code, "state": state}))
        if status != 200:
            fail(f"callback answered {status}: {body[:300]!r}")

    def connections(self, kind=None):
        found, cursor = [], None
        while True:
            query = {"limit": "1000"}
            if cursor:
                query["cursor"] = cursor
            if kind:
                query["kind"] = kind
            page = HTTP.json("GET", self.base + "/v1/connections?" + urllib.parse.urlencode(query), headers=AUTH)
            found += page["connections"]
            cursor = page.get("next_cursor")
            if not cursor:
                return found

    def stop(self):
        PROCESSES.stop(self.process)


# wrk


def wrk(url, headers=(), duration=DURATION, connections=32, script=None, env=None):
    args = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for header in headers:
        args += ["-H", header]
    if script:
        args += ["-s", script]
    result = subprocess.run(args + [url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, **(env or {})))
    out = result.stdout
    if result.returncode != 0:
        fail(f"wrk failed: {out}")

    def latency(label):
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            return None
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {"rps": rps, "p50_ms": latency("50"), "p99_ms": latency("99"),
            "non_2xx": int(non2xx.group(1)) if non2xx else 0, "socket_errors": errors.group(0) if errors else None,
            "requests": int(re.search(r"(\d+) requests in", out).group(1)), "output": out}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def table(title, header, rows):
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    line = "| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths)) + " |"
    print(f"\n{title}\n")
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths)) + " |")
    print(flush=True)


def save(name, result):
    os.makedirs(RESULTS, exist_ok=True)
    result["machine"] = {"cores": os.cpu_count(), "uname": " ".join(os.uname())}
    with open(os.path.join(RESULTS, f"{name}.json"), "w") as out:
        json.dump(result, out, indent=2)
    log(f"results in {os.path.join(RESULTS, name + '.json')}")


def fmt(value, digits=0):
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


# Setup shared by proxy, sdk and memory: a sandboxed serve on SQLite with one advertiser connection.


def advertiser_setup():
    port = free_port()
    emulator = Emulator(port)
    serve = Serve(emulator, f"sqlite://{PROCESSES.workdir}/connections.sqlite", port=port)
    serve.connect(emulator, "advertiser", "bench-advertiser")
    connection = serve.connections("advertiser")[0]
    token = HTTP.json("GET", f"{serve.base}/v1/connections/{connection['id']}/access-token", headers=AUTH)
    token = token["access_token"]
    advertiser_id = connection["advertiser_ids"][0]
    return emulator, serve, connection["id"], token, advertiser_id


def report_query(advertiser_id, page_size):
    """An ad-by-day report page of the 30 days TikTok allows, every numeric metric and the ad's names."""
    metrics = ["spend", "impressions", "clicks", "ctr", "cpc", "cpm", "reach", "frequency", "cost_per_1000_reached",
               "conversion", "cost_per_conversion", "conversion_rate", "video_play_actions", "video_watched_2s",
               "video_watched_6s", "likes", "comments", "shares", "follows", "profile_visits", "ad_name",
               "adgroup_name", "campaign_name"]
    return urllib.parse.urlencode({
        "advertiser_id": advertiser_id, "report_type": "BASIC", "data_level": "AUCTION_AD",
        "dimensions": json.dumps(["ad_id", "stat_time_day"]), "metrics": json.dumps(metrics),
        "start_date": "2026-11-01", "end_date": "2026-11-30", "page": "1", "page_size": str(page_size)})


def proxy():
    emulator, serve, connection_id, token, advertiser_id = advertiser_setup()
    relay_port = free_port()
    relay = PROCESSES.start("relay", [binary("relay"), str(relay_port), emulator.base])
    wait_http("the relay", f"http://127.0.0.1:{relay_port}/open_api/v1.3/campaign/get/?advertiser_id={advertiser_id}")
    small = f"campaign/get/?advertiser_id={advertiser_id}"
    large = "report/integrated/get/?" + report_query(advertiser_id, 1000)
    status, body = HTTP.request("GET", emulator.api + large, headers={"Access-Token": token})
    envelope = json.loads(body)
    if status != 200 or envelope.get("code") != 0:
        fail(f"the report page answered {status} {body[:300]!r}")
    sizes = {"small": len(HTTP.request("GET", emulator.api + small, headers={"Access-Token": token})[1]),
             "large": len(body)}
    # The drop-in endpoint: TikTok's own paths with a connection-scoped proxy token as Access-Token.
    status, minted = HTTP.request(
        "POST", f"{serve.base}/v1/connections/{connection_id}/proxy-tokens", body={},
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})
    if status != 201:
        fail(f"minting a proxy token answered {status} {minted[:300]!r}")
    proxy_token = json.loads(minted)["token"]
    targets = {
        "direct": (lambda path: emulator.api + path, [f"Access-Token: {token}"]),
        "relay": (lambda path: f"http://127.0.0.1:{relay_port}/open_api/v1.3/" + path, [f"Access-Token: {token}"]),
        "proxy": (lambda path: f"{serve.base}/v1/proxy/{connection_id}/" + path,
                  [f"Authorization: Bearer {API_KEY}"]),
        "drop-in": (lambda path: f"{serve.base}/open_api/v1.3/" + path, [f"Access-Token: {proxy_token}"]),
    }
    runs = {(size, name): [] for size in ("small", "large") for name in targets}
    for round_number in range(ROUNDS):
        for size, path in (("small", small), ("large", large)):
            for name, (url, headers) in targets.items():
                result = wrk(url(path), headers)
                if result["non_2xx"] or result["socket_errors"]:
                    fail(f"{name} {size}: {result['non_2xx']} non-2xx answers, {result['socket_errors']}")
                result.pop("output")
                runs[(size, name)].append(result)
                log(f"round {round_number + 1} {size} {name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']} ms")
    rows, summary = [], {}
    for size in ("small", "large"):
        relay_rps = median([r["rps"] for r in runs[(size, "relay")]])
        relay_p50 = median([r["p50_ms"] for r in runs[(size, "relay")]])
        for name in targets:
            rps = median([r["rps"] for r in runs[(size, name)]])
            p50 = median([r["p50_ms"] for r in runs[(size, name)]])
            p99 = median([r["p99_ms"] for r in runs[(size, name)]])
            summary[f"{size}.{name}"] = {"rps": rps, "p50_ms": p50, "p99_ms": p99, "vs_relay": rps / relay_rps,
                                         "p50_minus_relay_ms": p50 - relay_p50, "runs": runs[(size, name)]}
            rows.append([f"{size} ({sizes[size]:,} B)", name, fmt(rps), fmt(p50, 2), fmt(p99, 2),
                         f"{rps / relay_rps:.2f}×", f"{p50 - relay_p50:+.2f}"])
    table(f"Proxy vs bare relay vs direct — wrk -t1 -c32 -d{DURATION}s, median of {ROUNDS} interleaved rounds",
          ["response", "path", "req/s", "p50 ms", "p99 ms", "vs relay", "p50 − relay (ms)"], rows)
    save("proxy", {"sizes": sizes, "summary": summary, "proxy_rss_mb": rss_mb(serve.process)})


def sdk():
    emulator, serve, _, token, advertiser_id = advertiser_setup()
    calls, concurrency = int(os.environ.get("BENCH_SDK_CALLS", "3000")), 32
    venv = os.path.join(PROCESSES.workdir, "venv")
    log("installing tiktok-business-api-sdk-official 1.1.3 in a throwaway virtual environment")
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", "tiktok-business-api-sdk-official==1.1.3"],
                   check=True)
    drivers = {
        "our SDK": [binary("sdk-load"), emulator.api, APP_ID, APP_SECRET, token, advertiser_id, str(calls),
                    str(concurrency)],
        "official Python SDK": [os.path.join(venv, "bin", "python"),
                                os.path.join(os.path.dirname(os.path.abspath(__file__)), "official_sdk_load.py"),
                                emulator.base, APP_ID, APP_SECRET, token, advertiser_id, str(calls), str(concurrency)],
    }
    runs = {name: [] for name in drivers}
    for round_number in range(ROUNDS):
        for name, args in drivers.items():
            result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if result.returncode != 0:
                fail(f"{name} failed: {result.stderr[-2000:]}")
            measured = json.loads(result.stdout.strip().splitlines()[-1])
            measured["calls_per_s"] = measured["calls"] / measured["seconds"]
            measured["cpu_ms_per_call"] = measured["cpu_seconds"] * 1000 / measured["calls"]
            runs[name].append(measured)
            log(f"round {round_number + 1} {name}: {measured['calls_per_s']:.0f} calls/s, "
                f"{measured['cpu_ms_per_call']:.3f} ms CPU per call")
    ours, theirs = runs["our SDK"], runs["official Python SDK"]
    summary = {name: {"calls_per_s": median([r["calls_per_s"] for r in rs]),
                      "cpu_ms_per_call": median([r["cpu_ms_per_call"] for r in rs]), "runs": rs}
               for name, rs in runs.items()}
    base = summary["official Python SDK"]
    rows = [[name, fmt(s["calls_per_s"]), fmt(s["cpu_ms_per_call"], 3),
             f"{s['calls_per_s'] / base['calls_per_s']:.2f}×", f"{s['cpu_ms_per_call'] / base['cpu_ms_per_call']:.2f}×"]
            for name, s in summary.items()]
    table(f"SDK vs TikTok's official Python SDK — {calls:,} calls at concurrency {concurrency}, median of {ROUNDS}"
          " interleaved rounds", ["client", "calls/s", "client CPU ms/call", "calls/s vs Python", "CPU vs Python"],
          rows)
    save("sdk", {"calls": calls, "concurrency": concurrency, "summary": summary})


def make_callbacks(serve, emulator, kind, count, prefix):
    """`count` callback URLs, each for a fresh link and a code minted at the emulator for a distinct user."""
    flow = "advertiser" if kind in ("advertiser", "tcm_account") else "account"
    redirect_uri = f"{serve.public_url}/oauth/callback/{kind}"
    param = "auth_code" if flow == "advertiser" else "code"

    def one(n):
        state, scopes = serve.link(kind)
        code = emulator.grant(flow, redirect_uri, f"{prefix}-{n:07d}", scopes)
        return f"/oauth/callback/{kind}?" + urllib.parse.urlencode({param: code, "state": state})

    started = time.time()
    with ThreadPoolExecutor(16) as pool:
        paths = list(pool.map(one, range(count), chunksize=64))
    log(f"made {count:,} links and codes in {time.time() - started:.1f} s")
    return paths


def walk_callbacks(serve, paths):
    """wrk walks `paths` once (callbacks.lua); returns (completed, seconds from the first connection stored to the
    last, by the store's own timestamps, and wrk's result). wrk itself always runs its whole duration."""
    listing = os.path.join(PROCESSES.workdir, "callbacks.txt")
    with open(listing, "w") as out:
        # wrk builds one request before it starts sending, and never sends it: a /healthz first soaks that up.
        out.write("\n".join(["/healthz"] + paths) + "\n")
    database_url = serve.env["TIKTOK_BUSINESS_DATABASE_URL"]
    started = time.time()
    result = wrk(serve.base + "/", duration=10 + len(paths) // 500, connections=32, script=LUA,
                 env={"BENCH_CALLBACKS_FILE": listing})
    match = re.search(r"completed (\d+) in ([\d.]+) s, (\d+) failed", result["output"])
    if not match:
        fail(f"wrk did not report the walk: {result['output']}")
    completed, failed = int(match.group(1)), int(match.group(3))
    if failed or completed != len(paths):
        fail(f"{failed} callbacks failed, {completed} of {len(paths)} completed (under 500 per second?)")
    first, last = sql(database_url, f"SELECT min(created_at), max(created_at) FROM "
                                    f"{connections_table(database_url)} WHERE created_at >= {started}")[0]
    return completed, max(float(last) - float(first), 0.001), result


def callbacks():
    count = int(os.environ.get("BENCH_CALLBACKS", "20000"))
    port = free_port()
    emulator = Emulator(port)
    serve = Serve(emulator, f"sqlite://{PROCESSES.workdir}/connections.sqlite", port=port)
    rows, summary = [], {}
    for kind in ("tiktok_account", "advertiser"):
        paths = make_callbacks(serve, emulator, kind, count, f"cb-{kind}")
        completed, seconds, result = walk_callbacks(serve, paths)
        summary[kind] = {"completed": completed, "seconds": seconds, "per_second": completed / seconds,
                         "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"]}
        rows.append([kind, fmt(completed), fmt(seconds, 1), fmt(completed / seconds), fmt(result["p50_ms"], 2),
                     fmt(result["p99_ms"], 2)])
    table("Completed authorizations (state check, code exchange, sealed insert, event) — SQLite, 32 at once",
          ["kind", "callbacks", "seconds", "per second", "p50 ms", "p99 ms"], rows)
    save("callbacks", {"summary": summary, "serve_rss_mb": rss_mb(serve.process)})


# Sweep


def sql(database_url, statement):
    if database_url.startswith("sqlite://"):
        with sqlite3.connect(database_url[len("sqlite://"):], timeout=30) as db:
            return db.execute(statement).fetchall()
    result = subprocess.run(["psql", "-XAtq", database_url, "-c", statement], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        fail(f"psql: {result.stderr.strip()}")
    return [tuple(line.split("|")) for line in result.stdout.strip().splitlines()]


def connections_table(database_url):
    return "connections" if database_url.startswith("sqlite://") else "tiktok_business_connections"


def arm(database_url):
    """Makes every account connection due now: its access token expires within the refresh margin."""
    now = time.time()
    table_name = connections_table(database_url)
    sql(database_url, f"UPDATE {table_name} SET access_token_expires_at = {now + 60}, next_action_at = {now - 1}, "
                      f"lease_owner = NULL, lease_until = NULL WHERE kind = 'tiktok_account'")
    return now


def sweep():
    count = int(os.environ.get("BENCH_SWEEP_CONNECTIONS", "100000"))
    stores = os.environ.get("BENCH_SWEEP_STORES", "sqlite,postgres-1,postgres-3").split(",")
    # Every instance shares the public URL of the first; the emulator accepts that redirect URI.
    public_port = free_port()
    emulator = Emulator(public_port, ["--access-token-lifetime", "86400", "--rotate-refresh-tokens"])
    results, rows = {}, []
    postgres_url = None
    for store in stores:
        if store == "sqlite":
            database_url = f"sqlite://{PROCESSES.workdir}/sweep.sqlite"
        else:
            if postgres_url is None:
                postgres_url = PROCESSES.start_postgres()
            database_url = postgres_url
        existing = 0
        try:
            existing = int(sql(database_url, f"SELECT count(*) FROM {connections_table(database_url)}")[0][0])
        except (sqlite3.OperationalError, SystemExit):
            existing = 0
        if existing < count:
            log(f"{store}: seeding {count:,} account connections through links, codes and callbacks")
            seed(emulator, database_url, count - existing, store, public_port)
        instances = int(store.split("-")[1]) if "-" in store else 1
        log(f"{store}: {count:,} connections due at once, {instances} instance(s)")
        result = sweep_once(emulator, database_url, instances, count, store, public_port)
        results[store] = result
        save("sweep", {"results": results})  # after each store, so that a later failure keeps what was measured
        rows.append([store, instances, fmt(count), fmt(result["start_to_all_refreshed_s"], 1),
                     fmt(result["first_to_last_refresh_s"], 1), fmt(result["refreshes_per_s"]),
                     ", ".join(f"{r:.0f}" for r in result["rss_mb_after"])])
    table(f"Refresh sweep — {count:,} account connections due at once, emulator in another process (rotation on)",
          ["store", "instances", "connections", "start → all refreshed (s)", "first → last refresh (s)",
           "refreshes/s", "serve RSS after (MB)"], rows)
    save("sweep", {"results": results})


def seed(emulator, database_url, count, label, public_port):
    serve = Serve(emulator, database_url, port=public_port, name=f"{label}-seed")
    done, batch = 0, 20_000
    while done < count:
        n = min(batch, count - done)
        paths = make_callbacks(serve, emulator, "tiktok_account", n, f"{label}-{done}")
        completed, seconds, _ = walk_callbacks(serve, paths)
        done += completed
        log(f"{label}: {done:,} of {count:,} connections ({completed / seconds:.0f} callbacks/s)")
    serve.stop()


def sweep_once(emulator, database_url, instances, count, label, public_port):
    timeout = int(os.environ.get("BENCH_SWEEP_TIMEOUT", "600"))
    table_name = connections_table(database_url)
    armed = arm(database_url)
    ports = [public_port] + [free_port() for _ in range(instances - 1)]
    started = time.time()
    serves = []
    for index, port in enumerate(ports):
        serves.append(Serve(emulator, database_url, public_port=public_port, port=port, name=f"{label}-{index}"))
    ready = time.time()
    done, samples = 0, []
    while time.time() - started < timeout:
        done = int(sql(database_url, f"SELECT count(*) FROM {table_name} WHERE kind = 'tiktok_account' "
                                     f"AND last_refreshed_at >= {armed}")[0][0])
        samples.append((round(time.time() - started, 1), done, round(sum(rss_mb(s.process) for s in serves), 1)))
        if done >= count:
            break
        time.sleep(0.5)
    finished = time.time()
    first, last = sql(database_url, f"SELECT min(last_refreshed_at), max(last_refreshed_at) FROM {table_name} "
                                    f"WHERE kind = 'tiktok_account' AND last_refreshed_at >= {armed}")[0]
    statuses = {s: int(n) for s, n in sql(database_url, f"SELECT status, count(*) FROM {table_name} GROUP BY status")}
    rss = [round(rss_mb(s.process), 1) for s in serves]
    for serve in serves:
        serve.stop()
    if done < count:
        fail(f"{label}: {done:,} of {count:,} refreshed within {timeout} s")
    if statuses.get("active", 0) != count:
        fail(f"{label}: statuses after the sweep: {statuses}")
    refresh_seconds = float(last) - float(first)
    return {"instances": instances, "connections": count, "start_to_ready_s": round(ready - started, 2),
            "start_to_all_refreshed_s": round(finished - started, 1),
            "first_to_last_refresh_s": round(refresh_seconds, 1),
            "refreshes_per_s": round(count / max(refresh_seconds, 0.001)), "rss_mb_after": rss, "samples": samples}


def memory():
    seconds = int(os.environ.get("BENCH_MEMORY_SECONDS", "600"))
    emulator, serve, connection_id, _, advertiser_id = advertiser_setup()
    time.sleep(5)
    idle = rss_mb(serve.process)
    log(f"idle: {idle:.1f} MB")
    url = f"{serve.base}/v1/proxy/{connection_id}/campaign/get/?advertiser_id={advertiser_id}"
    samples = []
    stop = threading.Event()

    def sample():
        started = time.time()
        while not stop.wait(5):
            samples.append((round(time.time() - started), round(rss_mb(serve.process), 1)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = wrk(url, [f"Authorization: Bearer {API_KEY}"], duration=seconds)
    stop.set()
    sampler.join()
    after = rss_mb(serve.process)
    time.sleep(5)
    settled = rss_mb(serve.process)
    first_minute = [mb for t, mb in samples if t <= 60]
    last_minute = [mb for t, mb in samples if t >= seconds - 60]
    rows = [["idle (5 s after start, one connection)", fmt(idle, 1)],
            [f"after {seconds} s of proxy load ({result['requests']:,} calls)", fmt(after, 1)],
            ["5 s after the load", fmt(settled, 1)],
            ["load, first minute: max", fmt(max(first_minute) if first_minute else None, 1)],
            ["load, last minute: max", fmt(max(last_minute) if last_minute else None, 1)]]
    table("serve resident memory (MB)", ["when", "RSS MB"], rows)
    save("memory", {"idle_mb": idle, "after_mb": after, "settled_mb": settled, "samples": samples,
                    "requests": result["requests"], "rps": result["rps"]})


if __name__ == "__main__":
    commands = {"proxy": proxy, "sdk": sdk, "callbacks": callbacks, "sweep": sweep, "memory": memory}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        fail(f"usage: bench.py {'|'.join(commands)}")
    if shutil.which("wrk") is None:
        fail("wrk is not installed (apt-get install -y wrk)")
    commands[sys.argv[1]]()
