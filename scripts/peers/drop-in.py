#!/usr/bin/env python3
"""The drop-in TikTok endpoint with TikTok's own clients, changed only in their host and access token.

Run by scripts/peers/drop-in.sh with the Python of a virtual environment holding TikTok's official SDK (PyPI
tiktok-business-api-sdk-official), and --airbyte-venv naming one holding Airbyte's TikTok Marketing source (PyPI
airbyte-source-tiktok-marketing). Process plumbing (free ports, process clean-up) is Tests/multi_instance/harness.py's;
the Airbyte protocol parser is scripts/peers/airbyte.py's.

Steps (each check printed as it passes or fails):
  serve      `tiktok-business serve` in sandbox mode (no TIKTOK_APP_ID) on free ports, its own data directory, a known
             API key, its log to a file; waits for /readyz.
  connect    an advertiser connection through the connect flow: POST /v1/connect-links, a code the built-in emulator
             mints (POST /_emulator/grants on the sandbox port), the service's own callback. The connection's real
             access token is read once (GET /v1/connections/{id}/access-token) and the sandbox app's secret taken from
             VaultEnvironment.swift and confirmed against the emulator directly, both only to look for them later.
  mint       POST /v1/connections/{id}/proxy-tokens: a token for the clients, and one expiring in 60 s; the list
             (GET …/proxy-tokens) shows both without their secrets.
  sdk        the official SDK with only `configuration.host` (the service) and `access_token` (the proxy token)
             changed: oauth2_advertiser_get with placeholder app_id and secret (the vault fills in the app's), the
             advertisers compared with the connection's; advertiser_info and every page of campaign_get (page_size
             DROP_IN_PAGE_SIZE, at least 2 pages) compared with the same calls through /v1/proxy/{id}/.
  airbyte    the source with only the `url_base` of its manifest changed (to the service's /open_api/v1.3/) and the
             proxy token as its access_token (app_id and secret placeholders): check (SUCCEEDED), discover, and read of
             `advertisers` and `campaigns`: no error trace or log, record counts equal to the connection's advertisers
             and their campaigns. The source's HTTP goes through a recording forward proxy (HTTP_PROXY; the URLs it
             calls are the service's) so that every answer it got is scanned too.
  refusals   the token revoked (DELETE /v1/proxy-tokens/{id}): the SDK's next call gets 40105; a token with
             allowed_paths ["/advertiser/info/"]: campaign_get gets 40001 naming the path, advertiser_info works; the
             authorization endpoints (oauth2/access_token, oauth2/revoke_token, tt_user/oauth2/…) are refused
             pointing to the connect flow; no Access-Token: 40104; a token not issued by the vault: 40105; the 60-s
             token once expired: 40105; a token of a revoked connection: 40105. Every refusal: HTTP 200 and TikTok's
             envelope {code, message, request_id, data: {}}.
  leaks      every HTTP answer captured (status, headers, body: this script's calls, the SDK's, the source's), the
             SDK's results and errors, the source's output and stderr, and the service's log: none may hold the real
             access token, the app secret or the API key (as is, or URL-encoded).

Artifacts in $TIKTOK_BUSINESS_TEST_ARTIFACTS/drop-in/ (default artifacts/drop-in/), with the real token, the app
secret, the API key and the proxy tokens replaced by <placeholders>: transcript.jsonl (every HTTP exchange), sdk.json,
airbyte-*.jsonl (+ .stderr.log), airbyte-config.json, manifest.diff, serve.log, summary.json.

Environment (optional): TIKTOK_BUSINESS_BINARY, DROP_IN_PAGE_SIZE (10), DROP_IN_LOG_LEVEL (debug: the service's
log level, the more it logs the more the leak scan sees), AIRBYTE_TIMEOUT (seconds per command, 300),
DROP_IN_EXPIRY (1; 0 skips the expired-token check, which waits out the shortest lifetime, 60 s: most of a run).
"""

import argparse
import atexit
import datetime
import difflib
import fcntl
import glob
import gzip
import http.client
import http.server
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import business_api_client
from business_api_client.api.account_management_api import AccountManagementApi
from business_api_client.api.authentication_api import AuthenticationApi
from business_api_client.api.campaign_creation_api import CampaignCreationApi
from business_api_client.tiktok_business.tiktok_exceptions import TiktokSDKError

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mi = _load("multi_instance_test", os.path.join(ROOT, "Tests", "multi_instance", "harness.py"))
airbyte_peer = _load("airbyte_peer", os.path.join(HERE, "airbyte.py"))
fail, Failure, wait_until = mi.fail, mi.Failure, mi.wait_until

ARTIFACTS = os.path.join(os.environ.get("TIKTOK_BUSINESS_TEST_ARTIFACTS", os.path.join(ROOT, "artifacts")), "drop-in")
BINARY = os.environ.get("TIKTOK_BUSINESS_BINARY", os.path.join(ROOT, ".build", "debug", "tiktok-business"))
PAGE_SIZE = int(os.environ.get("DROP_IN_PAGE_SIZE", "10"))
LOG_LEVEL = os.environ.get("DROP_IN_LOG_LEVEL", "debug")
AIRBYTE_TIMEOUT = int(os.environ.get("AIRBYTE_TIMEOUT", "300"))
CHECK_EXPIRY = os.environ.get("DROP_IN_EXPIRY", "1") not in ("", "0", "false")
API_KEY = "drop-in-" + secrets.token_hex(16)
# What a caller holds instead of the app's credentials: the vault must fill in the real ones.
APP_ID_PLACEHOLDER = "app-id-placeholder"
SECRET_PLACEHOLDER = "placeholder"
AIRBYTE_STREAMS = ("advertisers", "campaigns")
AIRBYTE_START_DATE = "2016-09-01"       # the spec's default; the emulator's objects were last modified in 2022-2024
SHORT_LIFETIME = 60                     # the shortest expires_in the service accepts
STARTED = time.time()


def log(message):
    print(f"[drop-in {time.strftime('%H:%M:%S')}] {scrub(str(message))}", flush=True)


def shorten(text, limit=300):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# MARK: Secrets, scrubbing and the leak scan

# (value, placeholder): what artifacts and printed lines never show. The real access token, the app secret and the API
# key must never reach a caller (LEAK_TARGETS); proxy tokens are the caller's own but are not kept in artifacts either.
SECRETS = []
LEAK_TARGETS = {}   # label -> value


def forms(value):
    return {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value),
            json.dumps(value)[1:-1]}


def add_secret(value, label, leak_target=False):
    if value and all(value != known for known, _ in SECRETS):
        SECRETS.append((value, label))
        SECRETS.sort(key=lambda item: -len(item[0]))
    if leak_target:
        LEAK_TARGETS[label] = value


def scrub(text):
    for value, label in SECRETS:
        for form in forms(value):
            text = text.replace(form, label)
    return text


def find_leaks(where, text):
    """Each leak target found in `text` (as is or URL/JSON-encoded): (where, label, scrubbed context)."""
    found = []
    for label, value in LEAK_TARGETS.items():
        for form in forms(value):
            index = text.find(form)
            if index >= 0:
                context = scrub(text[max(0, index - 120):index + len(form) + 120])
                found.append((where, label, shorten(context, 400)))
                break
    return found


# MARK: HTTP, recorded

class Transcript:
    """Every HTTP exchange of the run. `visible`: the answer is something a caller of the service sees (not this
    script's one deliberate token read, nor its direct calls to the emulator)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = []

    def add(self, source, method, url, request_headers, status, response_headers, body, visible=True, error=None):
        if isinstance(body, bytes):
            body = body.decode("utf-8", errors="replace")
        entry = {"n": len(self.entries) + 1, "source": source, "visible": visible, "method": method, "url": url,
                 "request_headers": [[k, v] for k, v in (request_headers or [])], "status": status,
                 "response_headers": [[k, v] for k, v in (response_headers or [])], "body": body}
        if error:
            entry["error"] = error
        with self.lock:
            entry["n"] = len(self.entries) + 1
            self.entries.append(entry)
        return entry

    def of(self, source):
        with self.lock:
            return [e for e in self.entries if e["source"] == source]


TRANSCRIPT = Transcript()


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            fail(f"not JSON (HTTP {self.status}): {shorten(self.body.decode(errors='replace'))}")

    def header(self, name):
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def request(method, url, body=None, headers=None, source="api", visible=True, timeout=60, raw_body=None):
    parsed = urllib.parse.urlsplit(url)
    path = parsed.path + ("?" + parsed.query if parsed.query else "")
    all_headers = dict(headers or {})
    data = raw_body
    if body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        connection.request(method, path, body=data, headers=all_headers)
        response = connection.getresponse()
        payload = response.read()
        reply = Reply(response.status, response.getheaders(), payload)
    finally:
        connection.close()
    TRANSCRIPT.add(source, method, url, all_headers.items(), reply.status, reply.headers, payload, visible)
    return reply


# MARK: A recording forward proxy for the Airbyte source

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
              "trailer", "trailers", "transfer-encoding", "upgrade"}


class RecordingProxy:
    """A forward HTTP proxy (the source's HTTP_PROXY) relaying, unchanged, to the one origin it may reach (the
    service), recording every exchange. The source still calls the service's URLs: this only lets the run see every
    answer the source got."""

    def __init__(self, origin):
        allowed = urllib.parse.urlsplit(origin).netloc

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def relay(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                target = urllib.parse.urlsplit(self.path)
                request_headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]
                if target.scheme != "http" or target.netloc != allowed:
                    payload = f"drop-in recorder: only {allowed} is reachable, not {self.path}".encode()
                    TRANSCRIPT.add("airbyte", self.command, self.path, request_headers, 502, [], payload,
                                   error="refused by the recorder")
                    self.answer(502, "Bad Gateway", [("Content-Type", "text/plain")], payload)
                    return
                path = target.path + ("?" + target.query if target.query else "")
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
                try:
                    connection.request(self.command, path, body=body, headers=dict(request_headers))
                    response = connection.getresponse()
                    payload = response.read()
                    status, reason, response_headers = response.status, response.reason, response.getheaders()
                except OSError as error:
                    payload = f"drop-in recorder: {error}".encode()
                    TRANSCRIPT.add("airbyte", self.command, self.path, request_headers, 502, [], payload,
                                   error=str(error))
                    self.answer(502, "Bad Gateway", [("Content-Type", "text/plain")], payload)
                    return
                finally:
                    connection.close()
                seen = payload
                if any(k.lower() == "content-encoding" and v.lower() == "gzip" for k, v in response_headers):
                    try:
                        seen = gzip.decompress(payload)
                    except OSError:
                        pass
                TRANSCRIPT.add("airbyte", self.command, self.path, request_headers, status, response_headers, seen)
                self.answer(status, reason, [(k, v) for k, v in response_headers
                                             if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"],
                            payload)

            def answer(self, status, reason, headers, payload):
                self.send_response_only(status, reason)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = relay

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# MARK: Checks

class Checks:
    def __init__(self):
        self.results = []

    def ok(self, name, detail=""):
        self.results.append({"check": name, "ok": True, "detail": scrub(detail)})
        log(f"ok    {name}" + (f": {shorten(detail, 200)}" if detail else ""))

    def bad(self, name, detail):
        self.results.append({"check": name, "ok": False, "detail": scrub(detail)})
        log(f"FAIL  {name}: {shorten(detail, 600)}")

    def expect(self, condition, name, detail_ok="", detail_bad=""):
        (self.ok if condition else self.bad)(name, detail_ok if condition else (detail_bad or detail_ok))
        return condition

    def failures(self):
        return [r for r in self.results if not r["ok"]]


# MARK: The run

class Run:
    def __init__(self, airbyte_venv):
        self.airbyte_venv = os.path.abspath(airbyte_venv)
        self.checks = Checks()
        self.tmp = tempfile.mkdtemp(prefix="drop-in-")
        self.serve_log = os.path.join(self.tmp, "serve.log")
        self.sdk_log = []            # what the SDK returned or raised, per call
        self.airbyte_outputs = {}    # command -> (stdout text, stderr text)
        self.summary = {"binary": BINARY}
        self.proxy_tokens = []

    # Service

    def api(self, method, path, body=None, expect=(200,), visible=True):
        reply = request(method, self.base + path, body, {"Authorization": f"Bearer {API_KEY}"}, visible=visible)
        if reply.status not in expect:
            fail(f"{method} {path} answered {reply.status}: {shorten(reply.body.decode(errors='replace'))}")
        return reply.json() if reply.body else None

    def start_serve(self):
        wait_until(f"an executable at {BINARY} (build with `swift build --product tiktok-business`)",
                   lambda: os.access(BINARY, os.X_OK), 60, interval=1)
        port = mi.free_port()
        sandbox_port = mi.free_port()
        while sandbox_port == port:
            sandbox_port = mi.free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.emulator = f"http://127.0.0.1:{sandbox_port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TIKTOK_", "OTEL_"))}
        env.update({
            "TIKTOK_BUSINESS_HOST": "127.0.0.1",
            "TIKTOK_BUSINESS_PORT": str(port),
            "TIKTOK_BUSINESS_SANDBOX_PORT": str(sandbox_port),
            "TIKTOK_BUSINESS_PUBLIC_URL": self.base,
            "TIKTOK_BUSINESS_DATABASE_URL": f"sqlite://{self.tmp}/connections.sqlite",
            "TIKTOK_BUSINESS_API_KEY": API_KEY,
            # The clients' calls are a few dozen; the default budget (10/s) would only pace them.
            "TIKTOK_RATE_LIMIT_QPS": "100",
            "LOG_LEVEL": LOG_LEVEL,
        })
        process = mi.PROCESSES.start("serve", [BINARY, "serve"], env, self.serve_log)
        self.serve_process = process

        def ready():
            if process.poll() is not None:
                with open(self.serve_log, errors="replace") as handle:
                    tail = [line.strip() for line in handle if line.strip() and not line.startswith("====")][-3:]
                fail(f"serve exited with {process.returncode} at start ({shorten(' | '.join(tail))})")
            return request("GET", self.base + "/readyz", source="plumbing", timeout=5).status == 200
        wait_until("serve's /readyz", ready, 60)
        self.checks.ok("serve", f"sandbox mode at {self.base}, emulator at {self.emulator}")

    def connect(self):
        link = self.api("POST", "/v1/connect-links", {"kind": "advertiser", "end_user_id": "drop-in"}, expect=(201, 200))
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(link["url"]).query)
        self.app_id = query["app_id"][0]
        redirect_uri = query["redirect_uri"][0]
        code = request("POST", self.emulator + "/_emulator/grants",
                       {"flow": "advertiser", "app_id": self.app_id, "redirect_uri": redirect_uri,
                        "user": "drop-in-user"}, source="plumbing", visible=False).json().get("code")
        if not code:
            fail("the emulator minted no authorization code (POST /_emulator/grants)")
        callback = request("GET", redirect_uri + "?" + urllib.parse.urlencode(
            {"state": query["state"][0], "auth_code": code, "code": code}), source="connect")
        if callback.status != 200:
            fail(f"the callback answered {callback.status}: {shorten(callback.body.decode(errors='replace'))}")
        connections = [c for c in self.api("GET", "/v1/connections")["connections"] if c.get("end_user_id") == "drop-in"]
        if len(connections) != 1 or connections[0]["status"] != "active" or not connections[0].get("advertiser_ids"):
            fail(f"expected one active advertiser connection after the callback, found {connections}")
        self.connection = connections[0]
        self.connection_id = self.connection["id"]
        self.advertiser_ids = self.connection["advertiser_ids"]
        # The one deliberate read of the real token: only to look for it everywhere else.
        token = self.api("GET", f"/v1/connections/{self.connection_id}/access-token", visible=False)["access_token"]
        add_secret(token, "<REAL-ACCESS-TOKEN>", leak_target=True)
        self.real_token = token
        add_secret(API_KEY, "<API-KEY>", leak_target=True)
        self.checks.ok("connect", f"{self.connection_id}: advertisers {', '.join(self.advertiser_ids)} "
                                  f"(the real access token read once, to look for it)")
        self.app_secret()

    def app_secret(self):
        """The sandbox app's secret (VaultEnvironment.sandboxSecret), confirmed against the emulator directly: the real
        secret is accepted by oauth2/advertiser/get and a placeholder is not (so the vault must fill it in)."""
        source = os.path.join(ROOT, "Sources", "TikTokBusinessService", "Environment", "VaultEnvironment.swift")
        secret = "sandbox-secret"
        try:
            with open(source) as handle:
                match = re.search(r'sandboxSecret\s*=\s*"([^"]+)"', handle.read())
            if match:
                secret = match.group(1)
        except OSError:
            pass
        add_secret(secret, "<APP-SECRET>", leak_target=True)

        def direct(secret_value):
            url = (self.emulator + "/open_api/v1.3/oauth2/advertiser/get/?"
                   + urllib.parse.urlencode({"app_id": self.app_id, "secret": secret_value}))
            return request("GET", url, headers={"Access-Token": self.real_token}, source="plumbing",
                           visible=False).json().get("code")
        real, placeholder = direct(secret), direct(SECRET_PLACEHOLDER)
        if real != 0:
            fail(f"the emulator refused the sandbox app's secret from {source} (code {real}); cannot look for it")
        self.checks.expect(placeholder != 0, "app secret",
                           f"the sandbox app's secret confirmed at the emulator; a placeholder gets {placeholder} there",
                           "the emulator accepts a placeholder secret: the substitution cannot be checked")

    def mint(self, body, name):
        answer = self.api("POST", f"/v1/connections/{self.connection_id}/proxy-tokens", body, expect=(201,))
        token = answer.get("token") or ""
        add_secret(token, f"<proxy-token-{len(self.proxy_tokens) + 1}>")
        self.proxy_tokens.append(answer)
        problems = []
        if not str(answer.get("id", "")).startswith("ptk_"):
            problems.append(f"id {answer.get('id')!r} is not ptk_…")
        if not token.startswith("tbp_"):
            problems.append("token is not tbp_…")
        if answer.get("connection_id") != self.connection_id:
            problems.append(f"connection_id {answer.get('connection_id')!r}")
        if "expires_at" not in answer:
            problems.append("no expires_at")
        if answer.get("allowed_paths") != body.get("allowed_paths"):
            problems.append(f"allowed_paths {answer.get('allowed_paths')!r}, asked {body.get('allowed_paths')!r}")
        self.checks.expect(not problems, f"mint {name}", f"{answer.get('id')} (expires_at {answer.get('expires_at')})",
                           f"POST /v1/connections/{{id}}/proxy-tokens {json.dumps(body)} → {'; '.join(problems)}")
        return answer

    def mint_all(self):
        self.token = self.mint({"expires_in": 3600}, "the clients' token")
        self.short = self.mint({"expires_in": SHORT_LIFETIME}, f"a token expiring in {SHORT_LIFETIME} s")
        self.short_minted = time.time()
        listed = self.api("GET", f"/v1/connections/{self.connection_id}/proxy-tokens")
        items = listed.get("proxy_tokens", [])
        ids = {item.get("id") for item in items}
        raw = json.dumps(listed)
        secrets_shown = [t["id"] for t in (self.token, self.short) if t["token"] in raw] + \
            [item.get("id") for item in items if "token" in item]
        self.checks.expect({self.token["id"], self.short["id"]} <= ids and not secrets_shown, "list proxy tokens",
                           f"{len(items)} listed, without secrets",
                           f"listed {sorted(ids)}; secrets shown for {secrets_shown}")

    # The official SDK

    def sdk_client(self):
        configuration = business_api_client.Configuration()
        configuration.host = self.base          # the one change besides the token
        client = business_api_client.ApiClient(configuration)
        original = client.request

        def recording(method, url, query_params=None, headers=None, post_params=None, body=None,
                      _preload_content=True, _request_timeout=None):
            full = url + ("?" + urllib.parse.urlencode(query_params) if query_params else "")
            try:
                response = original(method, url, query_params=query_params, headers=headers, post_params=post_params,
                                    body=body, _preload_content=_preload_content, _request_timeout=_request_timeout)
            except Exception as error:
                TRANSCRIPT.add("sdk", method, full, (headers or {}).items(), getattr(error, "status", None),
                               list((getattr(error, "headers", None) or {}).items()),
                               getattr(error, "body", None) or "", error=f"{type(error).__name__}: {error}")
                raise
            TRANSCRIPT.add("sdk", method, full, (headers or {}).items(), response.status,
                           list(response.getheaders().items()), response.data)
            return response
        client.request = recording
        return client

    def sdk(self, name, call):
        """One SDK call: ("ok", data) or ("error", code, message, text); both kept for the scan and artifacts."""
        try:
            answer = call()
        except TiktokSDKError as error:
            text = str(error)
            match = re.match(r"Error Code: (-?\d+), message: (.*), request_id: ", text, re.S)
            code = int(match.group(1)) if match else None
            message = match.group(2) if match else text
            self.sdk_log.append({"call": name, "error": text})
            return ("error", code, message, text)
        except Exception as error:      # an SDK failure other than TikTok's envelope (HTTP error, bad JSON)
            text = f"{type(error).__name__}: {error}"
            self.sdk_log.append({"call": name, "error": text})
            return ("error", None, text, text)
        self.sdk_log.append({"call": name, "result": answer})
        return ("ok", answer.get("data") if isinstance(answer, dict) else answer)

    def via_proxy(self, path, params):
        """The same call through the existing /v1/proxy/{id}/ (the reference the SDK's answers are compared with)."""
        url = f"/v1/proxy/{self.connection_id}{path}?" + urllib.parse.urlencode(params)
        answer = self.api("GET", url)
        if answer.get("code") != 0:
            fail(f"GET {url} answered code {answer.get('code')}: {answer.get('message')}")
        return answer["data"]

    def run_sdk(self):
        client = self.sdk_client()
        token = self.token["token"]
        auth, accounts, campaigns = AuthenticationApi(client), AccountManagementApi(client), CampaignCreationApi(client)

        result = self.sdk("oauth2_advertiser_get", lambda: auth.oauth2_advertiser_get(
            app_id=APP_ID_PLACEHOLDER, secret=SECRET_PLACEHOLDER, access_token=token))
        if result[0] != "ok":
            self.checks.bad("sdk oauth2_advertiser_get", f"code {result[1]}: {result[2]}")
        else:
            got = {a["advertiser_id"]: a.get("advertiser_name") for a in result[1]["list"]}
            want = dict(self.connection.get("names") or {})
            want = {advertiser: want.get(advertiser) for advertiser in self.advertiser_ids}
            self.checks.expect(got == want, "sdk oauth2_advertiser_get",
                               f"{len(got)} advertisers with placeholder app_id/secret, as the connection lists them",
                               f"advertisers {got}, the connection has {want}")

        result = self.sdk("advertiser_info", lambda: accounts.advertiser_info(
            advertiser_ids=self.advertiser_ids, access_token=token))
        if result[0] != "ok":
            self.checks.bad("sdk advertiser_info", f"code {result[1]}: {result[2]}")
        else:
            reference = self.via_proxy("/advertiser/info/", {"advertiser_ids": json.dumps(self.advertiser_ids)})
            self.checks.expect(result[1]["list"] == reference["list"], "sdk advertiser_info",
                               f"{len(result[1]['list'])} advertisers, equal to /v1/proxy's",
                               f"differs from /v1/proxy's: {shorten(json.dumps(result[1]['list']))} vs "
                               f"{shorten(json.dumps(reference['list']))}")

        # Every page of one advertiser's campaigns, each compared with /v1/proxy's same page; together, the whole list.
        advertiser = self.advertiser_ids[0]
        everything = self.via_proxy("/campaign/get/", {"advertiser_id": advertiser, "page_size": 1000})
        all_ids = [c["campaign_id"] for c in everything["list"]]
        self.campaign_totals = {advertiser: everything["page_info"]["total_number"]}
        seen, pages, problems, page, total_page = [], 0, [], 1, None
        while total_page is None or page <= total_page:
            result = self.sdk(f"campaign_get page {page}", lambda: campaigns.campaign_get(
                advertiser_id=advertiser, access_token=token, page=page, page_size=PAGE_SIZE))
            if result[0] != "ok":
                problems.append(f"page {page}: code {result[1]}: {result[2]}")
                break
            data = result[1]
            reference = self.via_proxy("/campaign/get/", {"advertiser_id": advertiser, "page": page,
                                                          "page_size": PAGE_SIZE})
            if data != reference:
                problems.append(f"page {page} differs from /v1/proxy's")
            total_page = data["page_info"]["total_page"]
            seen += [c["campaign_id"] for c in data["list"]]
            pages += 1
            page += 1
            if page > 100:
                problems.append("more than 100 pages")
                break
        if pages < 2:
            problems.append(f"only {pages} page(s) of {PAGE_SIZE}: {len(all_ids)} campaigns (set DROP_IN_PAGE_SIZE)")
        if sorted(seen) != sorted(all_ids) or len(set(seen)) != len(seen):
            problems.append(f"the pages hold {len(seen)} campaigns ({len(set(seen))} distinct), the advertiser has "
                            f"{len(all_ids)}")
        self.checks.expect(not problems, "sdk campaign_get pages",
                           f"{pages} pages of {PAGE_SIZE} for {advertiser}: {len(seen)} campaigns, each page equal to "
                           f"/v1/proxy's", "; ".join(problems))
        for other in self.advertiser_ids[1:]:
            self.campaign_totals[other] = self.via_proxy(
                "/campaign/get/", {"advertiser_id": other, "page_size": 1}).get("page_info", {}).get("total_number", 0)

        result = self.sdk("advertiser_info (60-s token)", lambda: accounts.advertiser_info(
            advertiser_ids=self.advertiser_ids[:1], access_token=self.short["token"]))
        self.checks.expect(result[0] == "ok", "the 60-s token before it expires", "advertiser_info answered",
                           f"code {result[1]}: {result[2] if len(result) > 2 else ''}")
        self.client, self.accounts, self.campaigns, self.auth = client, accounts, campaigns, auth

    # Airbyte's source

    def patch_manifest(self):
        """Only the `url_base` of `definitions.requester` changes, to the service's /open_api/v1.3/, starting from the
        manifest as PyPI ships it (kept beside it as manifest.yaml.pypi, since the environment is reused)."""
        paths = glob.glob(os.path.join(self.airbyte_venv, "lib", "python*", "site-packages", "source_tiktok_marketing",
                                       "manifest.yaml"))
        if len(paths) != 1:
            fail(f"expected one installed source_tiktok_marketing/manifest.yaml in {self.airbyte_venv}, found {paths}")
        path, pristine = paths[0], paths[0] + ".pypi"
        if not os.path.exists(pristine):
            with open(path) as handle:
                if "business-api" not in handle.read():
                    fail(f"{path} is already patched and no pristine copy is kept: rerun with DROP_IN_FRESH=1")
            shutil.copyfile(path, pristine)
        with open(pristine) as handle:
            original = handle.read()
        lines = original.splitlines(keepends=True)
        lines[airbyte_peer.requester_url_base_line(lines, path)] = f'    url_base: "{self.base}/open_api/v1.3/"\n'
        with open(path, "w") as handle:
            handle.write("".join(lines))
        self.manifest_diff = "".join(difflib.unified_diff(original.splitlines(keepends=True), lines,
                                                          "manifest.yaml (PyPI)", "manifest.yaml (patched)"))
        changed = [line for line in self.manifest_diff.splitlines()
                   if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        if len(changed) != 2:
            fail(f"patching {path} changed {len(changed)} lines, not one")

    def airbyte(self, name, args, proxy_url):
        """The source's entry point with the recorder as its HTTP proxy; its protocol output parsed by airbyte.py's
        Output, its records kept per stream."""
        env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy",
                                                                       "all_proxy")}
        env.update({"HTTP_PROXY": proxy_url, "http_proxy": proxy_url, "NO_PROXY": "", "no_proxy": ""})
        began = time.time()
        try:
            completed = subprocess.run([os.path.join(self.airbyte_venv, "bin", "source-tiktok-marketing"), *args],
                                       cwd=self.work, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                       timeout=AIRBYTE_TIMEOUT)
            stdout, stderr, code = completed.stdout, completed.stderr, completed.returncode
        except subprocess.TimeoutExpired as error:
            stdout, stderr, code = error.stdout or b"", error.stderr or b"", "timeout"
        stdout, stderr = stdout.decode(errors="replace"), stderr.decode(errors="replace")
        self.airbyte_outputs[name] = (stdout, stderr)
        output = airbyte_peer.Output(name)
        records = {}
        for line in stdout.splitlines():
            output.feed(line)
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict) and message.get("type") == "RECORD":
                records.setdefault(message["record"]["stream"], []).append(message["record"]["data"])
        output.returncode, output.seconds = code, time.time() - began
        log(f"airbyte {name}: exit {code}, {sum(output.records.values())} records, {output.seconds:.1f} s")
        return output, records

    def run_airbyte(self):
        self.work = os.path.join(self.tmp, "airbyte")
        os.makedirs(self.work, mode=0o700)
        lock = open(os.path.join(self.airbyte_venv, ".drop-in.lock"), "w")
        fcntl.flock(lock, fcntl.LOCK_EX)      # the shared environment's manifest is patched for this run's port
        try:
            self.patch_manifest()
            today = datetime.datetime.fromtimestamp(
                request("GET", self.emulator + "/_emulator/clock", source="plumbing", visible=False).json()["now"],
                datetime.timezone.utc).date()
            config = {"credentials": {"auth_type": "oauth2.0", "app_id": APP_ID_PLACEHOLDER,
                                      "secret": SECRET_PLACEHOLDER, "access_token": self.token["token"]},
                      "start_date": AIRBYTE_START_DATE, "end_date": today.isoformat(), "include_deleted": False}
            self.airbyte_config = config
            config_path = os.path.join(self.work, "config.json")
            with open(os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
                json.dump(config, handle)
            recorder = RecordingProxy(self.base)
            try:
                self.airbyte_steps(config_path, recorder.url)
            finally:
                recorder.close()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            lock.close()

    def airbyte_steps(self, config_path, proxy_url):
        check, _ = self.airbyte("check", ["check", "--config", config_path], proxy_url)
        statuses = [m["connectionStatus"] for m in check.of_type("CONNECTION_STATUS")]
        status = statuses[-1] if statuses else {"status": "none", "message": "no CONNECTION_STATUS message"}
        self.checks.expect(status.get("status") == "SUCCEEDED" and not check.problems(), "airbyte check",
                           "SUCCEEDED", f"{status.get('status')}: {shorten(status.get('message') or '')}; "
                                        f"{'; '.join(check.problems())}")

        discover, _ = self.airbyte("discover", ["discover", "--config", config_path], proxy_url)
        catalogs = [m["catalog"] for m in discover.of_type("CATALOG")]
        if discover.problems() or not catalogs:
            self.checks.bad("airbyte discover", "; ".join(discover.problems()) or "no CATALOG message")
            return
        streams = {s["name"]: s for s in catalogs[-1]["streams"]}
        missing = [name for name in AIRBYTE_STREAMS if name not in streams]
        if missing:
            self.checks.bad("airbyte discover", f"no stream {', '.join(missing)}")
            return
        catalog = {"streams": [{"stream": streams[name], "sync_mode": "full_refresh",
                                "destination_sync_mode": "overwrite"} for name in AIRBYTE_STREAMS]}
        self.airbyte_catalog = catalog
        catalog_path = os.path.join(self.work, "catalog.json")
        with open(catalog_path, "w") as handle:
            json.dump(catalog, handle)

        read, records = self.airbyte("read", ["read", "--config", config_path, "--catalog", catalog_path], proxy_url)
        problems = list(read.problems())
        for stream, message, _ in read.trace_errors:
            problems.append(f"{stream or 'no stream'}: {shorten(message, 300)}")
        for level, message in read.log_errors[:3]:
            problems.append(f"{level}: {shorten(message, 300)}")
        self.checks.expect(not problems, "airbyte read", f"{', '.join(AIRBYTE_STREAMS)}: no errors",
                           "; ".join(problems))
        advertisers = sorted(str(r.get("advertiser_id")) for r in records.get("advertisers", []))
        self.checks.expect(advertisers == sorted(self.advertiser_ids), "airbyte advertisers",
                           f"{len(advertisers)} records, the connection's advertisers",
                           f"{len(advertisers)} records ({advertisers}); the connection has {self.advertiser_ids}")
        campaign_ids = [str(r.get("campaign_id")) for r in records.get("campaigns", [])]
        want = sum(self.campaign_totals.values())
        self.checks.expect(len(campaign_ids) == want and len(set(campaign_ids)) == want and want > 0,
                           "airbyte campaigns", f"{len(campaign_ids)} records, every campaign of every advertiser",
                           f"{len(campaign_ids)} records ({len(set(campaign_ids))} distinct); /v1/proxy counts {want} "
                           f"({self.campaign_totals})")
        self.summary["airbyte_records"] = {s: len(records.get(s, [])) for s in AIRBYTE_STREAMS}

        calls = TRANSCRIPT.of("airbyte")
        wrong = [c for c in calls if not urllib.parse.urlsplit(c["url"]).path.startswith("/open_api/v1.3/")
                 or not any(k.lower() == "access-token" and v == self.token["token"] for k, v in c["request_headers"])
                 or c["status"] != 200]
        paths = sorted({urllib.parse.urlsplit(c["url"]).path for c in calls})
        self.checks.expect(calls and not wrong, "airbyte requests",
                           f"{len(calls)} requests, all to the drop-in endpoint with the proxy token, all HTTP 200 "
                           f"({', '.join(paths)})",
                           f"{len(calls)} requests recorded; unexpected: "
                           + "; ".join(f"{c['method']} {scrub(c['url'])} → {c['status']}" for c in wrong[:3])
                           if calls else "the source made no request through the recorder (is HTTP_PROXY ignored?)")

    # Refusals

    def refusal(self, name, reply_or_entry, code, contains=()):
        """An HTTP answer in TikTok's refusal shape: 200, {code, message, request_id, data: {}}, `code` (or any non-zero
        code when None), the message holding each of `contains`."""
        status, body = (reply_or_entry.status, reply_or_entry.body.decode(errors="replace")) \
            if isinstance(reply_or_entry, Reply) else (reply_or_entry["status"], reply_or_entry["body"])
        problems = []
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if status != 200:
            problems.append(f"HTTP {status}")
        if not isinstance(answer, dict):
            problems.append(f"not a JSON object: {shorten(body)}")
        else:
            if set(answer) != {"code", "message", "request_id", "data"}:
                problems.append(f"keys {sorted(answer)}")
            if code is None and not answer.get("code") or code is not None and answer.get("code") != code:
                problems.append(f"code {answer.get('code')}, expected {code or 'non-zero'}")
            if answer.get("data") != {}:
                problems.append(f"data {shorten(json.dumps(answer.get('data')), 100)}")
            if not answer.get("request_id"):
                problems.append("no request_id")
            message = answer.get("message") or ""
            for text in contains:
                if text.lower() not in message.lower():
                    problems.append(f"message does not say {text!r}")
        message = answer.get("message") if isinstance(answer, dict) else None
        return self.checks.expect(not problems, name, f"code {answer.get('code') if isinstance(answer, dict) else '?'}"
                                  f": {message}", f"{'; '.join(problems)} — answer: {shorten(body, 400)}")

    def sdk_refused(self, name, call, code, contains=()):
        """An SDK call refused: TiktokSDKError with `code`, and the HTTP answer in TikTok's refusal shape."""
        before = len(TRANSCRIPT.of("sdk"))
        result = self.sdk(name, call)
        if result[0] == "ok":
            return self.checks.bad(name, f"accepted: {shorten(json.dumps(result[1]), 300)}")
        if result[1] != code:
            return self.checks.bad(name, f"the SDK raised {shorten(result[3], 400)}; expected code {code}")
        calls = TRANSCRIPT.of("sdk")[before:]
        if len(calls) != 1:
            return self.checks.bad(name, f"{len(calls)} HTTP exchanges recorded for one SDK call")
        return self.refusal(name, calls[0], code, contains)

    def run_refusals(self):
        accounts, campaigns, auth = self.accounts, self.campaigns, self.auth
        advertiser = self.advertiser_ids[0]
        token = self.token["token"]

        revoked = self.api("DELETE", f"/v1/proxy-tokens/{self.token['id']}")
        self.checks.expect(revoked.get("id") == self.token["id"] and revoked.get("revoked_at")
                           and "token" not in revoked, "revoke the clients' token",
                           f"DELETE /v1/proxy-tokens/{self.token['id']}: revoked_at {revoked.get('revoked_at')}",
                           f"answer {shorten(json.dumps(revoked))}")
        self.sdk_refused("revoked token: the SDK's next call", lambda: accounts.advertiser_info(
            advertiser_ids=[advertiser], access_token=token), 40105)
        listed = {t["id"]: t for t in self.api("GET", f"/v1/connections/{self.connection_id}/proxy-tokens")
                  .get("proxy_tokens", [])}
        self.checks.expect(bool((listed.get(self.token["id"]) or {}).get("revoked_at")), "revoked token listed",
                           "revoked_at set in the list", f"the list shows {listed.get(self.token['id'])}")

        narrow = self.mint({"allowed_paths": ["/advertiser/info/"]}, "a token for /advertiser/info/ only")
        self.sdk_refused("allowed_paths: campaign_get", lambda: campaigns.campaign_get(
            advertiser_id=advertiser, access_token=narrow["token"], page_size=PAGE_SIZE), 40001,
            contains=("/campaign/get/", "/advertiser/info/"))
        result = self.sdk("allowed_paths: advertiser_info", lambda: accounts.advertiser_info(
            advertiser_ids=self.advertiser_ids, access_token=narrow["token"]))
        self.checks.expect(result[0] == "ok" and len(result[1]["list"]) == len(self.advertiser_ids),
                           "allowed_paths: advertiser_info", "answered",
                           f"code {result[1]}: {result[2] if len(result) > 2 else ''}")
        # Ways around the allow-list (sent as they are: http.client does not normalize paths): each refused.
        let_through = []
        for path in ["advertiser/info/../../campaign/get/", "advertiser/info/%2E%2E/%2E%2E/campaign/get/",
                     "advertiser/info/..%2F..%2Fcampaign/get/", "advertiser/info/%2F..%2F..%2Fcampaign%2Fget/",
                     "advertiser//info/../../campaign/get/", "campaign%2Fget/", "campaign/get", "Campaign/Get/",
                     "advertiser/info/x/../../../campaign/get/"]:
            reply = request("GET", f"{self.base}/open_api/v1.3/{path}?advertiser_id={advertiser}&page_size=1",
                            headers={"Access-Token": narrow["token"]})
            answer = json.loads(reply.body) if reply.body.startswith(b"{") else {}
            if reply.status != 200 or answer.get("code") in (0, None) or answer.get("data"):
                let_through.append(f"{path} → HTTP {reply.status} {shorten(reply.body.decode(errors='replace'), 150)}")
        self.checks.expect(not let_through, "allowed_paths: ways around it", "9 path variants refused",
                           "; ".join(let_through))

        self.sdk_refused("auth endpoint: the SDK's oauth2_access_token", lambda: auth.oauth2_access_token(
            body={"app_id": APP_ID_PLACEHOLDER, "secret": SECRET_PLACEHOLDER, "auth_code": "placeholder"}), 40001,
            contains=("connect",))
        open_token = self.mint({}, "a token without limits")
        for path, body in [("/oauth2/access_token/", {"app_id": APP_ID_PLACEHOLDER, "secret": SECRET_PLACEHOLDER,
                                                      "auth_code": "placeholder"}),
                           ("/oauth2/revoke_token/", {"app_id": APP_ID_PLACEHOLDER, "secret": SECRET_PLACEHOLDER,
                                                      "access_token": open_token["token"]}),
                           ("/tt_user/oauth2/token/", {"client_id": APP_ID_PLACEHOLDER,
                                                       "client_secret": SECRET_PLACEHOLDER, "grant_type":
                                                       "authorization_code", "auth_code": "placeholder"}),
                           ("/tt_user/oauth2/refresh_token/", {"client_id": APP_ID_PLACEHOLDER,
                                                               "client_secret": SECRET_PLACEHOLDER,
                                                               "grant_type": "refresh_token",
                                                               "refresh_token": "placeholder"}),
                           ("/oauth2/access_token", {"app_id": APP_ID_PLACEHOLDER, "secret": SECRET_PLACEHOLDER,
                                                     "auth_code": "placeholder"}),
                           ("/tt_user/oauth2/revoke/", {"client_id": APP_ID_PLACEHOLDER,
                                                        "client_secret": SECRET_PLACEHOLDER,
                                                        "access_token": open_token["token"]})]:
            reply = request("POST", f"{self.base}/open_api/v1.3{path}", body, {"Access-Token": open_token["token"]})
            self.refusal(f"auth endpoint POST {path}", reply, None, contains=("connect",))

        info = f"{self.base}/open_api/v1.3/advertiser/info/?advertiser_ids=" + urllib.parse.quote(
            json.dumps([advertiser]))
        self.refusal("no Access-Token", request("GET", info), 40104)
        self.refusal("an Access-Token not issued by the vault", request(
            "GET", info, headers={"Access-Token": secrets.token_hex(20)}), 40105)
        self.refusal("an unknown proxy token", request(
            "GET", info, headers={"Access-Token": "tbp_" + secrets.token_urlsafe(32)}), 40105)
        reply = request("GET", info, headers={"Access-Token": open_token["token"]})
        self.checks.expect(reply.status == 200 and reply.json().get("code") == 0, "an unlimited token works",
                           "advertiser/info answered", f"HTTP {reply.status}: {shorten(reply.body)}")

        # The 60-s token, once expired.
        if CHECK_EXPIRY:
            wait = self.short_minted + SHORT_LIFETIME + 1.5 - time.time()
            if wait > 0:
                log(f"waiting {wait:.0f} s for the {SHORT_LIFETIME}-s token to expire (DROP_IN_EXPIRY=0 skips this)")
                time.sleep(wait)
            self.sdk_refused("expired token: the SDK's call", lambda: accounts.advertiser_info(
                advertiser_ids=[advertiser], access_token=self.short["token"]), 40105, contains=("expired",))
        else:
            log("expired token: not checked (DROP_IN_EXPIRY=0)")

        # Last: the connection revoked; its tokens stop working.
        self.api("DELETE", f"/v1/connections/{self.connection_id}", expect=(200, 204))
        self.sdk_refused("revoked connection: the SDK's call", lambda: accounts.advertiser_info(
            advertiser_ids=[advertiser], access_token=open_token["token"]), 40105)

    # Leaks and artifacts

    def scan(self):
        # The scan's own check: it finds the real token in the one deliberate read and the secret in the direct call
        # to the emulator (neither is something a caller sees, so neither is scanned below).
        hidden = [e for e in TRANSCRIPT.entries if not e["visible"]]
        for label in ("<REAL-ACCESS-TOKEN>", "<APP-SECRET>"):
            if label in LEAK_TARGETS and not any(label == found[1] for e in hidden for found in find_leaks(
                    "", e["url"] + "\n" + e["body"])):
                self.checks.bad("leak scan", f"the scan does not find {label} where it is known to be")
        leaks = []
        for entry in TRANSCRIPT.entries:
            if not entry["visible"]:
                continue
            where = f"{entry['source']} #{entry['n']} {entry['method']} {urllib.parse.urlsplit(entry['url']).path}"
            answer = "\n".join([f"HTTP {entry['status']}"] + [f"{k}: {v}" for k, v in entry["response_headers"]]
                               + [entry["body"] or "", entry.get("error") or ""])
            leaks += find_leaks(where + " (answer)", answer)
        leaks += find_leaks("the SDK's results and errors", json.dumps(self.sdk_log, default=str))
        for name, (stdout, stderr) in self.airbyte_outputs.items():
            leaks += find_leaks(f"airbyte {name} output", stdout)
            leaks += find_leaks(f"airbyte {name} stderr", stderr)
        if os.path.exists(self.serve_log):
            with open(self.serve_log, errors="replace") as handle:
                for number, line in enumerate(handle, 1):
                    leaks += find_leaks(f"serve.log line {number}", line)
        scanned = (f"{sum(1 for e in TRANSCRIPT.entries if e['visible'])} HTTP answers, {len(self.sdk_log)} SDK "
                   f"results, {len(self.airbyte_outputs)} Airbyte outputs, the service's log")
        self.summary["leaks"] = [{"where": w, "secret": label, "context": c} for w, label, c in leaks]
        if not LEAK_TARGETS:
            self.checks.bad("leak scan", "nothing to look for: the run stopped before the token was read")
        elif leaks:
            self.checks.bad("leak scan", f"{len(leaks)} leak(s) in {scanned}; first: "
                            + "; ".join(f"{label} in {where}: …{context}…" for where, label, context in leaks[:3]))
        else:
            self.checks.ok("leak scan", f"no {', '.join(sorted(LEAK_TARGETS))} in {scanned}")

    def write(self, name, text):
        with open(os.path.join(ARTIFACTS, name), "w") as handle:
            handle.write(scrub(text))

    def artifacts(self):
        self.write("transcript.jsonl", "".join(json.dumps(e) + "\n" for e in TRANSCRIPT.entries))
        self.write("sdk.json", json.dumps(self.sdk_log, indent=2, default=str) + "\n")
        for name, (stdout, stderr) in self.airbyte_outputs.items():
            self.write(f"airbyte-{name}.jsonl", stdout)
            if stderr.strip():
                self.write(f"airbyte-{name}.stderr.log", stderr)
        if getattr(self, "airbyte_config", None):
            self.write("airbyte-config.json", json.dumps(self.airbyte_config, indent=2) + "\n")
        if getattr(self, "airbyte_catalog", None):
            self.write("airbyte-catalog.json", json.dumps(self.airbyte_catalog, indent=2) + "\n")
        if getattr(self, "manifest_diff", None):
            self.write("manifest.diff", self.manifest_diff)
        if os.path.exists(self.serve_log):
            with open(self.serve_log, errors="replace") as handle:
                self.write("serve.log", handle.read())

    def run(self):
        os.makedirs(ARTIFACTS, exist_ok=True)
        for name in os.listdir(ARTIFACTS):
            if name.endswith((".jsonl", ".log", ".json", ".diff")):
                os.remove(os.path.join(ARTIFACTS, name))
        aborted = None
        try:
            self.start_serve()
            self.connect()
            self.mint_all()
            self.run_sdk()
            self.run_airbyte()
            self.run_refusals()
        except Failure as failure:
            aborted = str(failure)
            self.checks.bad("aborted", aborted)
        finally:
            mi.PROCESSES.cleanup()      # the service's log is complete once it has stopped
            self.scan()
            self.artifacts()
            failures = self.checks.failures()
            self.summary.update({"duration_s": round(time.time() - STARTED, 1), "checks": self.checks.results,
                                 "result": "failed" if failures else "passed"})
            self.write("summary.json", json.dumps(self.summary, indent=2) + "\n")
            shutil.rmtree(self.tmp, ignore_errors=True)
        passed = len(self.checks.results) - len(failures)
        print(flush=True)
        if failures:
            log(f"FAILED: {len(failures)} of {len(self.checks.results)} checks failed "
                f"({time.time() - STARTED:.0f} s):")
            for failure in failures:
                log(f"  {failure['check']}: {shorten(failure['detail'], 600)}")
            log(f"artifacts (scrubbed) in {ARTIFACTS}")
            sys.exit(1)
        records = self.summary.get("airbyte_records", {})
        log(f"passed: {passed} checks in {time.time() - STARTED:.0f} s — the SDK and Airbyte "
            f"({', '.join(f'{k} {v}' for k, v in records.items())} records) through the drop-in endpoint with a proxy "
            f"token; refusals in TikTok's shape; no real token, app secret or API key in anything a caller saw or in "
            f"the log. Artifacts in {ARTIFACTS}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--airbyte-venv", required=True, help="the virtual environment holding the Airbyte source")
    args = parser.parse_args()
    atexit.register(mi.PROCESSES.cleanup)
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, lambda signum, frame: sys.exit(128 + signum))
    Run(args.airbyte_venv).run()


if __name__ == "__main__":
    main()
