#!/usr/bin/env python3
"""Seeds a sandbox service with a few hundred connections in every kind and state, through the real flows.

Python 3 standard library only. Point it at a `tiktok-business serve` in sandbox mode (no TIKTOK_APP_ID) and at its
built-in emulator (the service port + 1 unless TIKTOK_BUSINESS_SANDBOX_PORT says otherwise):

    scripts/seed-sandbox.py --url http://127.0.0.1:8080 --api-key "$(cat .tiktok-business/api-key)" \\
        --emulator-url http://127.0.0.1:8081 [--count 300]

Start `serve` so that a few hundred authorizations from one address in a minute are allowed, TikTok's QPS budget does
not pace them, and "degraded" comes within seconds:

    TIKTOK_BUSINESS_RATE_LIMIT_PER_MINUTE=0 TIKTOK_RATE_LIMIT_QPS=1000 TIKTOK_BUSINESS_DEGRADED_AFTER_SECONDS=5 \\
        tiktok-business serve

What it makes (`--count N`, 300 by default; kinds mixed about 35% advertiser, 30% tiktok_account, 20% creator, 15%
tcm_account), each through a shareable link (`POST /v1/connect-links` with `end_user_id` `customer-0042`), an
authorization code the emulator mints for a distinct user (`maya-chen-0042`, so every display name differs) and the
service's own callback:
  - revoked (~10%, every kind): `DELETE /v1/connections/{id}`;
  - reauthorization_required (~10%, account kinds): the emulator revokes the user's grant (as a user removing the
    app does), then `POST /v1/connections/{id}/refresh` gets TikTok's definitive refusal. Advertiser and TTCM
    connections have no on-demand check (their liveness check runs daily), so none of them is in this state;
  - degraded (~5%, account kinds): the emulator answers every refresh call with HTTP 500 (`/_emulator/faults` on the
    refresh path only); each is refreshed, then again after the degraded threshold (`--degraded-after`, which must
    match the service's TIKTOK_BUSINESS_DEGRADED_AFTER_SECONDS), then a few more times so that the service's
    background retry backs off for several minutes; then the fault is removed (they recover at that retry, with a
    `connection.recovered` event);
  - lapsing (~10% of the account kinds): connected while the emulator's refresh-token lifetime is 4 to 26 days, so
    their refresh tokens lapse within 30 days;
  - the rest active; some account connections refreshed on demand, and token reads (`/access-token`) and proxied
    calls on a sample of the active ones, for the audit trail and the usage counts; when the service has named API
    keys, a `tokens` key named `seed-reader` reads some of the tokens too.

It prints a summary (kind × status, degraded, lapsing, the service's own filter counts, timings), optionally writes it
as JSON (`--json PATH`, with the ids of each group) and exits 1 on any failure. The emulator's faults and settings are
put back as they were, even on failure. A second run adds more connections (numbering continues after the existing
ones).
"""

import argparse
import http.client
import importlib.util
import os
import json
import random
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

ACCOUNT_KINDS = ("tiktok_account", "creator")
ADVERTISER_FLOW_KINDS = ("advertiser", "tcm_account")
# Twenty slots, shuffled per run: 7 advertiser, 6 tiktok_account, 4 creator, 3 tcm_account.
KIND_PATTERN = ["advertiser"] * 7 + ["tiktok_account"] * 6 + ["creator"] * 4 + ["tcm_account"] * 3
# Refresh-token lifetimes (days) of the lapsing connections, one batch each.
LAPSING_DAYS = (4, 9, 16, 23, 26)
# The emulator's refresh path, where the degraded connections' refreshes fail.
REFRESH_PATH = "/tt_user/oauth2/refresh_token/"
# Forced refreshes of a degraded connection while the fault is on: the first, one after the threshold, and more so that
# the service's background retry (30 s doubling per failure, ±20%) comes no sooner than 0.8 × 480 s after the last.
DEGRADED_REFRESHES = 6

FIRST_NAMES = ["maya", "liam", "sofia", "noah", "amara", "kenji", "lucia", "omar", "priya", "jonas", "elena", "tariq",
               "hana", "mateo", "zoe", "arjun", "ines", "felix", "nadia", "ravi", "clara", "diego", "yara", "oscar",
               "mei", "hugo", "leila", "tomas", "aisha", "emil"]
LAST_NAMES = ["chen", "okafor", "garcia", "novak", "silva", "tanaka", "haddad", "berg", "kowalski", "mensah", "rossi",
              "kim", "dubois", "patel", "ivanova", "morales", "lindqvist", "osei", "nakamura", "fischer", "costa",
              "ahmed", "walsh", "moreau", "santos", "yilmaz", "larsen", "reyes", "brennan", "sato"]


class Failure(Exception):
    pass


def log(message):
    print(f"[seed {time.strftime('%H:%M:%S')}] {message}", flush=True)


def iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# Keep-alive HTTP/1.1 connections, one per thread and host: the multi-instance test's client.
_spec = importlib.util.spec_from_file_location(
    "multi_instance_harness",
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tests", "multi_instance", "harness.py"))
_harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_harness)
HTTP = _harness.HTTP


class Seeder:
    def __init__(self, args):
        self.url = args.url.rstrip("/")
        self.emulator_url = args.emulator_url.rstrip("/")
        self.api_key = args.api_key
        self.count = args.count
        self.threads = args.threads
        self.degraded_after = args.degraded_after
        self.random = random.Random(args.seed)
        self.json_path = args.json
        self.started = time.time()
        self.timings = {}
        self.notes = []                 # what the service did not support (features not there)
        self.problems = []              # connections not as seeded (reported after the summary)
        self.audit = {"token_reads": 0, "proxied_calls": 0, "named_key_token_reads": 0, "forced_refreshes": 0}
        self.original_settings = None
        self.named_key = None

    # MARK: HTTP helpers

    def auth(self, key=None):
        return {"Authorization": f"Bearer {key or self.api_key}"}

    def api(self, method, path, body=None, expect=(200,), key=None):
        status, payload = HTTP.request(method, self.url + path, body, self.auth(key))
        if status not in expect:
            raise Failure(f"{method} {path} answered {status}: {payload[:300].decode(errors='replace')}")
        return json.loads(payload) if payload else None

    def emulator(self, method, path, body=None):
        status, payload = HTTP.request(method, f"{self.emulator_url}/_emulator{path}", body)
        if status != 200:
            raise Failure(f"emulator {method} {path} answered {status}: {payload[:300].decode(errors='replace')}")
        return json.loads(payload)

    def parallel(self, what, function, items):
        """Runs `function` on every item with the thread pool; fails with the first error (and how many failed)."""
        errors = []
        results = []
        with ThreadPoolExecutor(self.threads) as pool:
            futures = [pool.submit(function, item) for item in items]
            for future in futures:
                try:
                    results.append(future.result())
                except Exception as error:
                    errors.append(error if isinstance(error, Failure) else Failure(repr(error)))
        if errors:
            raise Failure(f"{what}: {len(errors)} of {len(items)} failed; first: {errors[0]}")
        return results

    def list_connections(self, **query):
        connections, cursor = [], None
        while True:
            params = dict(query, limit="1000")
            if cursor:
                params["cursor"] = cursor
            page = self.api("GET", "/v1/connections?" + urllib.parse.urlencode(params))
            connections += page["connections"]
            cursor = page.get("next_cursor")
            if not cursor:
                return connections

    def step(self, name, function):
        began = time.time()
        function()
        self.timings[name] = round(time.time() - began, 1)

    # MARK: Plan

    def plan(self):
        existing = len(self.list_connections())
        self.first_number = existing + 1
        kinds = []
        while len(kinds) < self.count:
            block = list(KIND_PATTERN)
            self.random.shuffle(block)
            kinds += block
        self.specs = []
        for offset, kind in enumerate(kinds[:self.count]):
            number = self.first_number + offset
            first, last = self.random.choice(FIRST_NAMES), self.random.choice(LAST_NAMES)
            self.specs.append({"number": number, "kind": kind, "end_user_id": f"customer-{number:04d}",
                               "user": f"{first}-{last}-{number:04d}", "role": "active", "id": None})
        account = [s for s in self.specs if s["kind"] in ACCOUNT_KINDS]
        self.random.shuffle(account)
        n_reauth = round(0.10 * self.count)
        n_degraded = max(1, round(0.05 * self.count))
        n_lapsing = max(1, round(0.10 * len(account)))
        if n_reauth + n_degraded + n_lapsing > len(account):
            raise Failure(f"--count {self.count} is too small for the mix ({len(account)} account connections)")
        for spec in account[:n_reauth]:
            spec["role"] = "reauth"
        for spec in account[n_reauth:n_reauth + n_degraded]:
            spec["role"] = "degraded"
        for index, spec in enumerate(account[n_reauth + n_degraded:n_reauth + n_degraded + n_lapsing]):
            spec["role"] = "lapsing"
            spec["lapse_days"] = LAPSING_DAYS[index % len(LAPSING_DAYS)]
        rest = [s for s in self.specs if s["role"] == "active"]
        self.random.shuffle(rest)
        for spec in rest[:round(0.10 * self.count)]:
            spec["role"] = "revoked"
        log(f"plan: {self.count} connections from customer-{self.first_number:04d} "
            f"({existing} already there): " + ", ".join(f"{role} {n}" for role, n in self.role_counts().items()))

    def role_counts(self):
        counts = {}
        for spec in self.specs:
            counts[spec["role"]] = counts.get(spec["role"], 0) + 1
        return dict(sorted(counts.items()))

    def group(self, role):
        return [s for s in self.specs if s["role"] == role]

    # MARK: Preflight

    def preflight(self):
        status, payload = HTTP.request("GET", self.url + "/v1/connections?limit=1", None, self.auth())
        if status == 401:
            raise Failure(f"{self.url} refused the API key (401)")
        if status != 200:
            raise Failure(f"GET {self.url}/v1/connections answered {status}: {payload[:200]!r}")
        try:
            self.original_settings = self.emulator("GET", "/config")
        except (OSError, Failure) as error:
            raise Failure(f"no emulator control API at {self.emulator_url}/_emulator/ ({error}); in sandbox mode it is "
                          f"the service port + 1 (TIKTOK_BUSINESS_SANDBOX_PORT)")
        faults = self.emulator("GET", "/faults")
        if any(v for k, v in faults.items() if k.endswith("_rate") and k != "latency_rate"):
            log(f"the emulator had faults injected ({faults}); clearing them")
        self.emulator("DELETE", "/faults")

    # MARK: Connect

    def connect(self, spec):
        link = self.api("POST", "/v1/connect-links", {"kind": spec["kind"], "end_user_id": spec["end_user_id"]},
                        expect=(201, 200))
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(link["url"]).query)
        advertiser_flow = spec["kind"] in ADVERTISER_FLOW_KINDS
        app_id = (query.get("app_id") or query.get("client_key"))[0]
        redirect_uri = query["redirect_uri"][0]
        scopes = query.get("scope", [""])[0]
        code = self.emulator("POST", "/grants", {"flow": "advertiser" if advertiser_flow else "account",
                                                  "app_id": app_id, "redirect_uri": redirect_uri,
                                                  "user": spec["user"], "scopes": scopes})["code"]
        params = {"state": query["state"][0]}
        if advertiser_flow:
            params.update(auth_code=code, code=code)
        else:
            params.update(code=code, scopes=scopes)
        status, body = HTTP.request("GET", redirect_uri + "?" + urllib.parse.urlencode(params))
        if status == 429:
            raise Failure("the callback answered 429: start serve with TIKTOK_BUSINESS_RATE_LIMIT_PER_MINUTE=0 (the "
                          "seed sends hundreds of authorizations from one address)")
        if status != 200:
            raise Failure(f"callback for {spec['end_user_id']} ({spec['kind']}) answered {status}: "
                          f"{body[:300].decode(errors='replace')}")

    def connect_all(self):
        normal = [s for s in self.specs if s["role"] != "lapsing"]
        began = time.time()
        self.parallel("connect", self.connect, normal)
        took = time.time() - began
        log(f"connected {len(normal)} in {took:.1f} s ({len(normal) / max(took, 0.001):.0f}/s)")
        if took > 0.5 * len(normal):
            log("warning: slow; is serve's TIKTOK_RATE_LIMIT_QPS low? (set it to 1000 for seeding)")
        lapsing = self.group("lapsing")
        try:
            for days in LAPSING_DAYS:
                batch = [s for s in lapsing if s["lapse_days"] == days]
                if not batch:
                    continue
                # The lifetime applies to grants made from now on: one batch per lifetime.
                self.emulator("POST", "/config", {"refresh_token_lifetime": days * 86_400})
                self.parallel(f"connect (refresh tokens of {days} days)", self.connect, batch)
        finally:
            self.emulator("POST", "/config",
                          {"refresh_token_lifetime": self.original_settings["refresh_token_lifetime"]})
        log(f"connected {len(lapsing)} with refresh tokens lapsing in {', '.join(map(str, LAPSING_DAYS))} days")
        by_user = {c.get("end_user_id"): c for c in self.list_connections()}
        for spec in self.specs:
            connection = by_user.get(spec["end_user_id"])
            if connection is None:
                raise Failure(f"no connection for {spec['end_user_id']} after its callback")
            if connection["kind"] != spec["kind"] or connection["status"] != "active":
                raise Failure(f"{spec['end_user_id']}: {connection['kind']} {connection['status']}, expected an "
                              f"active {spec['kind']}")
            spec["id"] = connection["id"]

    # MARK: States

    def revoke_all(self):
        def revoke(spec):
            self.api("DELETE", f"/v1/connections/{spec['id']}", expect=(200, 204))
        self.parallel("revoke", revoke, self.group("revoked"))
        log(f"revoked {len(self.group('revoked'))}")

    def reauth_all(self):
        def reauth(spec):
            revoked = self.emulator("POST", "/tokens/revoke", {"user": spec["user"]})["revoked"]
            if revoked < 1:
                raise Failure(f"the emulator revoked no grant of {spec['user']}")
            status, body = HTTP.request("POST", f"{self.url}/v1/connections/{spec['id']}/refresh", {}, self.auth())
            connection = self.api("GET", f"/v1/connections/{spec['id']}")
            if connection["status"] != "reauthorization_required":
                raise Failure(f"{spec['id']} is {connection['status']} after a refresh with a revoked grant "
                              f"(refresh answered {status}: {body[:200].decode(errors='replace')})")
        self.parallel("reauthorization", reauth, self.group("reauth"))
        log(f"{len(self.group('reauth'))} need re-authorization (grant revoked at TikTok, then refreshed)")

    def activity(self):
        active = [s for s in self.specs if s["role"] in ("active", "lapsing")]
        sample = self.random.sample(active, min(len(active), max(8, self.count // 10)))
        refreshable = [s for s in active if s["kind"] in ACCOUNT_KINDS]
        refreshed = self.random.sample(refreshable, min(len(refreshable), max(4, self.count // 15)))
        lock = threading.Lock()

        def count(name):
            with lock:
                self.audit[name] += 1

        def refresh(spec):
            self.api("POST", f"/v1/connections/{spec['id']}/refresh", {})
            count("forced_refreshes")

        def use(spec):
            answer = self.api("GET", f"/v1/connections/{spec['id']}/access-token")
            if not answer.get("access_token"):
                raise Failure(f"no access_token for {spec['id']}: {answer}")
            count("token_reads")
            connection = self.api("GET", f"/v1/connections/{spec['id']}")
            if spec["kind"] == "advertiser":
                path = f"campaign/get/?advertiser_id={connection['advertiser_ids'][0]}&page_size=5"
            elif spec["kind"] == "tcm_account":
                path = f"tto/oauth2/info/?tto_tcm_account_id={connection['tto_tcm_account_ids'][0]}"
            else:
                path = f"business/get/?business_id={connection['open_id']}"
            for _ in range(1 + spec["number"] % 3):
                status, body = HTTP.request("GET", f"{self.url}/v1/proxy/{spec['id']}/{path}", None, self.auth())
                if status != 200 or json.loads(body).get("code") != 0:
                    raise Failure(f"proxied {path} for {spec['id']} answered {status}: "
                                  f"{body[:200].decode(errors='replace')}")
                count("proxied_calls")
            if self.named_key:
                self.api("GET", f"/v1/connections/{spec['id']}/access-token", key=self.named_key["key"])
                count("named_key_token_reads")

        status, body = HTTP.request("POST", self.url + "/v1/api-keys", {"name": "seed-reader", "scope": "tokens"},
                                    self.auth())
        if status == 201:
            self.named_key = json.loads(body)
            log(f"created API key {self.named_key['id']} (seed-reader, tokens)")
        elif status == 404:
            self.notes.append("POST /v1/api-keys answered 404: no named API keys; token reads only with the main key")
        else:
            raise Failure(f"POST /v1/api-keys answered {status}: {body[:300].decode(errors='replace')}")
        self.parallel("refresh", refresh, refreshed)
        self.parallel("token reads and proxied calls", use, sample)
        log(f"{self.audit['forced_refreshes']} refreshes on demand, {self.audit['token_reads']} token reads "
            f"(+{self.audit['named_key_token_reads']} with seed-reader), {self.audit['proxied_calls']} proxied calls")

    def degrade_all(self):
        degraded = self.group("degraded")
        outcomes = {}
        lock = threading.Lock()

        def fail_refresh(spec):
            status, body = HTTP.request("POST", f"{self.url}/v1/connections/{spec['id']}/refresh", {}, self.auth())
            if status == 200:
                raise Failure(f"a refresh of {spec['id']} succeeded while the emulator fails every refresh")
            with lock:
                outcomes[status] = outcomes.get(status, 0) + 1

        self.emulator("POST", "/faults", {"http_500_rate": 1, "paths": [REFRESH_PATH]})
        try:
            began = time.time()
            self.parallel("failing refresh", fail_refresh, degraded)
            wait = began + self.degraded_after + 1 - time.time()
            if wait > 0:
                log(f"waiting {wait:.1f} s, past the degraded threshold ({self.degraded_after} s)")
                time.sleep(wait)
            for _ in range(DEGRADED_REFRESHES - 1):
                self.parallel("failing refresh", fail_refresh, degraded)
        finally:
            self.emulator("DELETE", "/faults")
        for spec in degraded:
            connection = self.api("GET", f"/v1/connections/{spec['id']}")
            if connection["status"] != "active":
                raise Failure(f"{spec['id']} became {connection['status']} after transient refresh failures")
            if "health" not in connection:
                continue
            if connection["health"] != "degraded" or not connection.get("failing_since"):
                self.problems.append(
                    f"{spec['id']} has health {connection['health']!r} (failing since "
                    f"{connection.get('failing_since')}) after failing refreshes for {time.time() - began:.0f} s; "
                    f"is serve's TIKTOK_BUSINESS_DEGRADED_AFTER_SECONDS at most --degraded-after "
                    f"({self.degraded_after})?")
        if not any("health" in self.api("GET", f"/v1/connections/{s['id']}") for s in degraded[:1]):
            self.notes.append("connections have no `health` field: degraded state not checked")
        log(f"{len(degraded)} degraded: {DEGRADED_REFRESHES} failed refreshes each (answers "
            f"{dict(sorted(outcomes.items()))}), fault removed")

    # MARK: Summary

    def summarize(self):
        mine = {s["id"]: s for s in self.specs}
        connections = [c for c in self.list_connections() if c["id"] in mine]
        now = datetime.now(timezone.utc)
        horizon = now + timedelta(days=30)
        table = {}
        degraded_ids, lapsing_ids = set(), set()
        problems = self.problems
        for connection in connections:
            spec = mine[connection["id"]]
            row = table.setdefault(connection["kind"], {})
            row[connection["status"]] = row.get(connection["status"], 0) + 1
            if connection.get("health") == "degraded":
                degraded_ids.add(connection["id"])
            lapse = connection.get("refresh_token_expires_at")
            if connection["status"] == "active" and lapse and parse_time(lapse) < horizon:
                lapsing_ids.add(connection["id"])
            expected = {"revoked": "revoked", "reauth": "reauthorization_required"}.get(spec["role"], "active")
            if connection["status"] != expected:
                problems.append(f"{connection['id']} ({spec['role']}) is {connection['status']}")
            if spec["role"] == "lapsing" and connection["id"] not in lapsing_ids:
                problems.append(f"{connection['id']}'s refresh token lapses at {lapse}, not within 30 days")
            if "display_name" in connection and not connection["display_name"]:
                problems.append(f"{connection['id']} ({spec['kind']}, {connection['status']}) has no display_name")
        if len(connections) != len(self.specs):
            problems.append(f"{len(connections)} of the {len(self.specs)} seeded connections are listed")
        if connections and "display_name" not in connections[0]:
            self.notes.append("connections have no `display_name` field")
        has_health = bool(connections) and "health" in connections[0]
        if has_health and degraded_ids != {s["id"] for s in self.group("degraded")} and not self.problems:
            problems.append(f"degraded: {len(degraded_ids)} connections, expected {len(self.group('degraded'))}")

        # The service's own filters (whole database, not only this run's connections).
        filters = {}
        for name, query in [("health=degraded", {"health": "degraded"}),
                            ("refresh_token_expires_before=+30d", {"refresh_token_expires_before": iso(horizon),
                                                                   "status": "active"}),
                            ("needs_attention=true", {"needs_attention": "true"}),
                            ("status=reauthorization_required", {"status": "reauthorization_required"}),
                            ("status=revoked", {"status": "revoked"})]:
            status, body = HTTP.request("GET", f"{self.url}/v1/connections?"
                                        + urllib.parse.urlencode(dict(query, limit="1000")), None, self.auth())
            filters[name] = len(json.loads(body)["connections"]) if status == 200 else f"HTTP {status}"
        status, body = HTTP.request("GET", f"{self.url}/v1/audit?limit=1", None, self.auth())
        audit_supported = status == 200
        if not audit_supported:
            self.notes.append(f"GET /v1/audit answered {status}")

        self.summary = {
            "connections": len(connections), "first_end_user_id": f"customer-{self.first_number:04d}",
            "by_kind_and_status": table,
            "planned": self.role_counts(),
            "degraded": len(degraded_ids) if has_health else None,
            "lapsing_within_30_days": len(lapsing_ids),
            "service_filters": filters,
            "activity": self.audit,
            "named_api_key": self.named_key and {k: self.named_key[k] for k in ("id", "name", "scope")},
            "timings_s": self.timings,
            "duration_s": round(time.time() - self.started, 1),
            "notes": self.notes,
            "ids": {role: [s["id"] for s in self.group(role)] for role in self.role_counts()},
            "users": {s["id"]: s["user"] for s in self.specs},
        }
        statuses = ["active", "reauthorization_required", "revoked"]
        print(f"\n{'kind':16}" + "".join(f"{s:>26}" for s in statuses) + f"{'total':>8}")
        for kind in ("advertiser", "tiktok_account", "tcm_account", "creator"):
            row = table.get(kind, {})
            print(f"{kind:16}" + "".join(f"{row.get(s, 0):>26}" for s in statuses) + f"{sum(row.values()):>8}")
        print(f"\ndegraded (health): {self.summary['degraded'] if has_health else 'not reported by the service'}; "
              f"refresh tokens lapsing within 30 days: {len(lapsing_ids)}")
        print("service filters (whole database): " + ", ".join(f"{k}: {v}" for k, v in filters.items()))
        print(f"activity: {self.audit}")
        print(f"timings (s): {self.timings}; total {self.summary['duration_s']} s")
        for note in self.notes:
            print(f"note: {note}")
        if self.json_path:
            with open(self.json_path, "w") as handle:
                json.dump(self.summary, handle, indent=2)
        if problems:
            raise Failure(f"{len(problems)} problems; first: {'; '.join(problems[:3])}")

    def run(self):
        self.step("preflight", self.preflight)
        try:
            self.step("plan", self.plan)
            self.step("connect", self.connect_all)
            self.step("revoke", self.revoke_all)
            self.step("reauthorization", self.reauth_all)
            self.step("activity", self.activity)
            self.step("degraded", self.degrade_all)
        finally:
            try:
                self.emulator("DELETE", "/faults")
                if self.original_settings:
                    self.emulator("POST", "/config", {
                        "refresh_token_lifetime": self.original_settings["refresh_token_lifetime"]})
            except Exception as error:  # never hide the first failure
                log(f"could not restore the emulator: {error!r}")
        self.step("summary", self.summarize)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="the service (default %(default)s)")
    parser.add_argument("--api-key", required=True, help="the service's API key (admin scope)")
    parser.add_argument("--emulator-url", help="the sandbox emulator (default: the service port + 1)")
    parser.add_argument("--count", type=int, default=300, help="connections to make (default %(default)s)")
    parser.add_argument("--threads", type=int, default=8, help="parallel requests (default %(default)s)")
    parser.add_argument("--degraded-after", type=float, default=5,
                        help="the service's TIKTOK_BUSINESS_DEGRADED_AFTER_SECONDS (default %(default)s)")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the mix (default %(default)s)")
    parser.add_argument("--json", help="also write the summary (with each group's ids) to this file")
    args = parser.parse_args()
    if args.emulator_url is None:
        parsed = urllib.parse.urlsplit(args.url)
        args.emulator_url = f"{parsed.scheme}://{parsed.hostname}:{(parsed.port or 80) + 1}"
    if args.count < 20:
        parser.error("--count must be at least 20")
    try:
        Seeder(args).run()
    except Failure as failure:
        log(f"FAILED: {failure}")
        sys.exit(1)
    except (OSError, http.client.HTTPException) as error:
        log(f"FAILED: {error!r}")
        sys.exit(1)
    log("done")


if __name__ == "__main__":
    main()
