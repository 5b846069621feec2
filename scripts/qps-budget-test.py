#!/usr/bin/env python3
"""Shared QPS budget test: one app's TikTok budget holds across several `tiktok-business serve` instances.

Python 3 standard library only; run through scripts/qps-budget-test.sh (which builds the executable).

Set-up: its own PostgreSQL cluster, the emulator with `--qps-limit 10` (fixed one-second windows, 40100 past the
limit) and account tokens that live QPS_LIFETIME seconds, QPS_ACCOUNTS tiktok_account connections, and three
instances with TIKTOK_RATE_LIMIT_QPS=10 on one database.

Phases, each QPS_SECONDS long (default 60), with proxied calls offered at 30 per second spread over the live
instances while the connections' refreshes run:
  steady     three instances throughout;
  churn      a fourth instance joins a third of the way in, and one of the first three leaves (SIGTERM) at two thirds.
Checks, per phase, from the emulator's counters: the 40100 answers are at most 1% of the calls it received; the
calls it accepted average at least 85% of the budget; no refresh failed, and every connection was refreshed in the
phase and is still active. A proxied call the budget cannot take is answered 429 with Retry-After (counted).

Measurements: $TIKTOK_BUSINESS_TEST_ARTIFACTS/qps-budget/summary.json, with the processes' logs beside it.
Environment (optional): TIKTOK_BUSINESS_BINARY, QPS_SECONDS (60), QPS_ACCOUNTS (6), QPS_LIFETIME (24).
"""

import base64
import importlib.util
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "multi_instance_test", os.path.join(os.path.dirname(HERE), "Tests", "multi_instance", "harness.py"))
mi = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mi)

ROOT = mi.ROOT
ARTIFACTS = os.path.join(os.environ.get("TIKTOK_BUSINESS_TEST_ARTIFACTS", os.path.join(ROOT, "artifacts")),
                         "qps-budget")
mi.ARTIFACTS = ARTIFACTS     # the instances' logs go here
SECONDS = int(os.environ.get("QPS_SECONDS", "60"))
ACCOUNTS = int(os.environ.get("QPS_ACCOUNTS", "6"))
LIFETIME = int(os.environ.get("QPS_LIFETIME", "24"))
MARGIN = LIFETIME // 3
BUDGET = 10
OFFERED = 30
APP_ID, APP_SECRET = "qps-app", "qps-secret"
fail, HTTP, wait_until = mi.fail, mi.HTTP, mi.wait_until


def log(message):
    print(f"[qps-budget {time.strftime('%H:%M:%S')}] {message}", flush=True)


class BudgetTest:
    def __init__(self):
        self.summary = {"budget_qps": BUDGET, "offered_qps": OFFERED, "seconds": SECONDS, "accounts": ACCOUNTS}
        self.instances = []
        self.next_index = 0

    def emulator(self, method, path, body=None):
        return HTTP.json(method, f"{self.emulator_base}/_emulator{path}", body)

    def setup(self):
        os.makedirs(ARTIFACTS, exist_ok=True)
        pg_dir = os.path.join(ARTIFACTS, "postgres")
        subprocess.run(["rm", "-rf", pg_dir], check=True)
        mi.PROCESSES.pg_dir = pg_dir
        result = subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh"), "start", pg_dir],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if result.returncode != 0:
            fail(f"PostgreSQL did not start: {result.stderr.strip()}")
        port = mi.free_port()
        self.emulator_base = f"http://127.0.0.1:{port}"
        public_port = mi.free_port()
        public_url = f"http://127.0.0.1:{public_port}"
        self.redirect_uri = f"{public_url}/oauth/callback/tiktok_account"
        mi.PROCESSES.start("emulator", [
            mi.BINARY, "emulator", "--port", str(port), "--app-id", APP_ID, "--secret", APP_SECRET,
            "--redirect-uri", self.redirect_uri, "--access-token-lifetime", str(LIFETIME),
            "--rotate-refresh-tokens", "--refresh-token-grace", "0", "--qps-limit", str(BUDGET),
            "--log-level", "warning"], dict(os.environ), os.path.join(ARTIFACTS, "emulator.log"))
        wait_until("the emulator", lambda: HTTP.request("GET", self.emulator_base + "/_emulator/clock")[0] == 200, 60)
        self.api_key = "qps-" + secrets.token_hex(16)
        env = mi.emulator_app_env(self.emulator_base, APP_ID, APP_SECRET)
        env.update({
            "TIKTOK_BUSINESS_DATABASE_URL": result.stdout.strip(),
            "TIKTOK_BUSINESS_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            "TIKTOK_BUSINESS_API_KEY": self.api_key,
            "TIKTOK_BUSINESS_PUBLIC_URL": public_url,
            "TIKTOK_BUSINESS_HOST": "127.0.0.1",
            "TIKTOK_RATE_LIMIT_QPS": str(BUDGET),
            "TIKTOK_BUSINESS_RATE_LIMIT_PER_MINUTE": "0",
            "TIKTOK_BUSINESS_REFRESH_MARGIN_SECONDS": str(MARGIN),
            "LOG_LEVEL": "notice",
        })
        self.env = env
        for port in [public_port, None, None]:
            self.start_instance(port)
        for instance in self.instances:
            instance.wait_ready()

    def start_instance(self, port=None):
        instance = mi.Instance(self.next_index, self.env)
        self.next_index += 1
        if port:
            instance.port = port
            instance.base = f"http://127.0.0.1:{port}"
            instance.env["TIKTOK_BUSINESS_PORT"] = str(port)
        instance.start()
        self.instances.append(instance)
        return instance

    def headers(self):
        return {"Authorization": f"Bearer {self.api_key}"}

    def create(self):
        self.connections = []
        for n in range(ACCOUNTS):
            instance = self.instances[n % len(self.instances)]
            link = HTTP.json("POST", instance.base + "/v1/connect-links", {"kind": "tiktok_account"}, self.headers(),
                             expect=(201,))
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(link["url"]).query)
            code = self.emulator("POST", "/grants", {"flow": "account", "app_id": APP_ID,
                                                     "redirect_uri": self.redirect_uri, "user": f"qps-user-{n}",
                                                     "scopes": query["scope"][0]})["code"]
            status, body = HTTP.request("GET", f"{instance.base}/oauth/callback/tiktok_account?"
                                        + urllib.parse.urlencode({"code": code, "state": query["state"][0]}))
            if status != 200:
                fail(f"callback answered {status}: {body[:300]!r}")
        page = HTTP.json("GET", self.instances[0].base + "/v1/connections?kind=tiktok_account", None, self.headers())
        self.connections = [(c["id"], c["open_id"]) for c in page["connections"]]
        if len(self.connections) != ACCOUNTS:
            fail(f"{len(self.connections)} connections listed, {ACCOUNTS} created")

    def phase(self, name, churn=False):
        """Offers OFFERED proxied calls per second for SECONDS over the live instances; checks the emulator's count."""
        live = list(self.instances)
        self.emulator("POST", "/counters/reset")
        statuses, lock = {}, threading.Lock()

        def call(number):
            connection_id, open_id = self.connections[number % len(self.connections)]
            instance = live[number % len(live)]
            try:
                status, _ = HTTP.request(
                    "GET", f"{instance.base}/v1/proxy/{connection_id}/business/get/?business_id={open_id}",
                    headers=self.headers(), timeout=60)
            except OSError:
                status = "no answer"
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

        events = []
        started = time.time()
        with ThreadPoolExecutor(OFFERED * 8) as pool:
            number = 0
            while time.time() - started < SECONDS:
                elapsed = time.time() - started
                if churn and not events and elapsed >= SECONDS / 3:
                    joined = self.start_instance()
                    events.append(f"serve-{joined.index} started at {elapsed:.1f} s")
                    threading.Thread(target=lambda: (joined.wait_ready(), live.append(joined)), daemon=True).start()
                if churn and len(events) == 1 and elapsed >= 2 * SECONDS / 3:
                    leaving = self.instances[0]
                    live.remove(leaving)
                    leaving.stop()
                    self.instances.remove(leaving)
                    events.append(f"serve-{leaving.index} stopped at {time.time() - started:.1f} s")
                pool.submit(call, number)
                number += 1
                time.sleep(max(0, started + number / OFFERED - time.time()))
        duration = time.time() - started
        counters = self.emulator("GET", "/counters")
        received = sum(counters["calls"].values())
        refused = counters["rate_limited"]
        accepted = received - refused
        refreshed = counters["refreshes_by_open_id"]
        result = {"offered": number, "duration_s": round(duration, 1), "proxy_statuses": {str(k): v for k, v in
                                                                                        statuses.items()},
                  "tiktok_calls": received, "tiktok_40100": refused,
                  "accepted_per_second": round(accepted / duration, 2), "refreshes": counters["refreshes"],
                  "refresh_failures": counters["refresh_failures"], "connections_refreshed": len(refreshed),
                  "events": events}
        self.summary[name] = result
        log(f"{name}: {json.dumps(result)}")
        if refused > received * 0.01:
            fail(f"{name}: {refused} of {received} calls to TikTok were answered 40100 (more than 1%)")
        if accepted / duration < 0.85 * BUDGET:
            fail(f"{name}: TikTok accepted {accepted / duration:.2f} calls/s, under 85% of the {BUDGET}/s budget")
        if counters["refresh_failures"]:
            fail(f"{name}: {counters['refresh_failures']} refreshes failed")
        if len(refreshed) != ACCOUNTS:
            fail(f"{name}: only {len(refreshed)} of {ACCOUNTS} connections were refreshed in {duration:.0f} s")
        if statuses.get(429, 0) == 0:
            fail(f"{name}: no proxied call was answered 429 though {OFFERED}/s were offered for {BUDGET}/s")
        other = {k: v for k, v in statuses.items() if k not in (200, 429)}
        if other:
            fail(f"{name}: proxied calls answered other than 200 or 429: {other}")
        page = HTTP.json("GET", self.instances[-1].base + "/v1/connections?kind=tiktok_account", None, self.headers())
        inactive = [c["id"] for c in page["connections"] if c["status"] != "active"]
        if inactive:
            fail(f"{name}: connections not active: {inactive}")

    def run(self):
        try:
            self.setup()
            self.create()
            time.sleep(2)
            self.phase("steady")
            self.phase("churn", churn=True)
            for instance in list(self.instances):
                instance.stop()
        finally:
            with open(os.path.join(ARTIFACTS, "summary.json"), "w") as file:
                json.dump(self.summary, file, indent=2)


def main():
    try:
        BudgetTest().run()
    except mi.Failure as failure:
        print(f"qps-budget-test: FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        mi.PROCESSES.cleanup()
    log("qps-budget-test: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
