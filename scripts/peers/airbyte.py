#!/usr/bin/env python3
"""Airbyte's TikTok Marketing source, unchanged but for its API host, against `tiktok-business emulator`.

Run through scripts/peers/airbyte.sh, which installs the source (PyPI `airbyte-source-tiktok-marketing`) in a
throwaway virtual environment and passes it here with --venv. Python 3 standard library only; the emulator plumbing
(free ports, HTTP, process clean-up) is Tests/multi_instance/harness.py's.

Steps:
  emulator   `tiktok-business emulator` on a free port; an advertiser authorization code minted for one user through
             the control API (POST /_emulator/grants) and exchanged like an app would
             (POST /open_api/v1.3/oauth2/access_token/ {app_id, secret, auth_code}).
  patch      the one `url_base` line under `definitions.requester` of the installed manifest.yaml (a Jinja string
             choosing the sandbox-ads or business-api host) becomes the emulator's /open_api/v1.3/; nothing else in
             the source changes (manifest.diff in the artifacts shows it).
  commands   `source-tiktok-marketing spec`, `check`, `discover`, then `read` of a configured catalog built from
             discover's answer (full_refresh, overwrite), in two passes because of how the source filters:
               objects  every stream but the reports, every advertiser of the token. Campaigns, ad groups, ads and
                        creative assets are filtered client-side by modify_time >= start_date, so this pass (and
                        check and discover) start at the spec's default, AIRBYTE_OBJECTS_START_DATE (2016-09-01):
                        the emulator's objects were last modified in 2022-2024;
               reports  the *_reports_* streams from AIRBYTE_DAYS (1) days back to today by the emulator's clock, for
                        the token's first advertiser only (the spec's credentials.advertiser_id) unless
                        AIRBYTE_ALL_ADVERTISERS=1. The emulator answers dense reports (every ad, hour and country),
                        and the source handles about 200 records a second, so this pass is most of the run's time.
Checks: every command exits 0; check's CONNECTION_STATUS is SUCCEEDED; no TRACE message of type ERROR and no LOG
message at level ERROR or FATAL; every selected stream produced at least one RECORD. The summary names, per failed
stream, the error and one request the source sent for it (method, path, decoded query; summary.json has it whole).

Artifacts in $TIKTOK_BUSINESS_TEST_ARTIFACTS/airbyte/ (default artifacts/airbyte/): each command's raw protocol output
(spec/check/discover.jsonl, read-objects/read-reports.jsonl.gz; stderr beside them when not empty), the configs and
configured catalogs, manifest.diff, emulator.log and summary.json, with the access token and the app secret replaced
by ***. Nothing printed shows either.

Environment (optional): TIKTOK_BUSINESS_BINARY (default .build/debug/tiktok-business), AIRBYTE_STREAMS (a,b,c:
exactly these streams instead of the default selection), AIRBYTE_DAYS (1), AIRBYTE_ALL_ADVERTISERS (0),
AIRBYTE_OBJECTS_START_DATE (2016-09-01), AIRBYTE_INCLUDE_DELETED (0; 1 makes the source send its `filtering` and
`filters` parameters), AIRBYTE_TIMEOUT (seconds per command, 3600).
"""

import argparse
import atexit
import datetime
import difflib
import glob
import gzip
import importlib.util
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse

# Streams whose endpoints the emulator does not serve yet, with those endpoints (under /open_api/v1.3/). They are left
# out of the default selection; remove a line once the emulator serves its endpoint. (Served today:
# oauth2/advertiser/get, advertiser/info, campaign/get, adgroup/get, ad/get, report/integrated/get.)
NOT_SERVED = {
    "audiences": "dmp/custom_audience/list/",
    "creative_assets_music": "file/music/get/",
    "creative_assets_portfolios": "creative/portfolio/list/",
    "creative_assets_images": "file/image/ad/search/",
    "creative_assets_videos": "file/video/ad/search/",
    "spark_ads": "tt_video/list/",
    "pixels": "pixel/list/",
    "pixel_instant_page_events": "pixel/instant_page/event/",
    "pixel_events_statistics": "pixel/event/stats/",
}

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
_spec = importlib.util.spec_from_file_location(
    "multi_instance_test", os.path.join(ROOT, "Tests", "multi_instance", "harness.py"))
mi = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mi)
fail, HTTP, wait_until, Failure = mi.fail, mi.HTTP, mi.wait_until, mi.Failure

ARTIFACTS = os.path.join(os.environ.get("TIKTOK_BUSINESS_TEST_ARTIFACTS", os.path.join(ROOT, "artifacts")), "airbyte")
BINARY = os.environ.get("TIKTOK_BUSINESS_BINARY", os.path.join(ROOT, ".build", "debug", "tiktok-business"))
DAYS = int(os.environ.get("AIRBYTE_DAYS", "1"))
OBJECTS_START_DATE = os.environ.get("AIRBYTE_OBJECTS_START_DATE", "2016-09-01")
INCLUDE_DELETED = os.environ.get("AIRBYTE_INCLUDE_DELETED", "0") not in ("", "0", "false")
ALL_ADVERTISERS = os.environ.get("AIRBYTE_ALL_ADVERTISERS", "0") not in ("", "0", "false")
TIMEOUT = int(os.environ.get("AIRBYTE_TIMEOUT", "3600"))
APP_ID = "airbyte-app"
APP_SECRET = "airbyte-secret-" + secrets.token_hex(12)
USER = "airbyte-user"
ENTRY_POINT = "source-tiktok-marketing"
# Everything printed or written to the artifacts goes through scrub(); the token joins once it is known.
SECRETS = [APP_SECRET]


def log(message):
    print(f"[airbyte {time.strftime('%H:%M:%S')}] {scrub(message)}", flush=True)


def scrub(text):
    for value in SECRETS:
        for form in {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}:
            text = text.replace(form, "***")
    return text


def write_artifact(name, text):
    with open(os.path.join(ARTIFACTS, name), "w") as handle:
        handle.write(scrub(text))


def is_report(stream):
    """The report streams (report/integrated/get/) are all named *_reports_*; they get the short date window."""
    return "_reports_" in stream


def shorten(text, limit=300):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# MARK: Protocol output

class Output:
    """One command's Airbyte protocol messages (JSON lines on stdout), fed line by line: RECORD messages are only
    counted, the others kept."""

    def __init__(self, name):
        self.name, self.returncode, self.seconds, self.timed_out = name, None, 0.0, False
        self.messages, self.non_json = [], []
        self.records = {}
        self.trace_errors = []      # (stream or None, message, internal_message)
        self.log_errors = []        # (level, message)
        self.complete = []          # streams reported COMPLETE

    def feed(self, line):
        if not line.strip():
            return
        try:
            message = json.loads(line)
        except ValueError:
            self.non_json.append(line)
            return
        if not isinstance(message, dict):
            self.non_json.append(line)
            return
        kind = message.get("type")
        if kind == "RECORD":
            stream = message["record"]["stream"]
            self.records[stream] = self.records.get(stream, 0) + 1
            return
        self.messages.append(message)
        if kind == "TRACE" and message["trace"].get("type") == "ERROR":
            error = message["trace"].get("error") or {}
            stream = (error.get("stream_descriptor") or {}).get("name")
            self.trace_errors.append((stream, error.get("message") or "", error.get("internal_message") or ""))
        elif kind == "TRACE" and message["trace"].get("type") == "STREAM_STATUS":
            status = message["trace"]["stream_status"]
            if status.get("status") == "COMPLETE":
                self.complete.append(status["stream_descriptor"]["name"])
        elif kind == "LOG" and message["log"].get("level") in ("ERROR", "FATAL"):
            self.log_errors.append((message["log"]["level"], message["log"].get("message") or ""))

    def of_type(self, kind):
        return [m for m in self.messages if m.get("type") == kind]

    def problems(self):
        """What is wrong whatever the command: exit status, error traces and error logs (counted)."""
        found = []
        if self.returncode != 0:
            found.append(f"{self.name} exited with {self.returncode}")
        if self.trace_errors:
            found.append(f"{self.name}: {len(self.trace_errors)} TRACE ERROR message(s)")
        if self.log_errors:
            found.append(f"{self.name}: {len(self.log_errors)} LOG message(s) at level ERROR/FATAL")
        return found


REQUEST = re.compile(r"'(GET|POST|PUT|PATCH|DELETE)' request to '([^']+)'")


def requester_url_base_line(lines, path):
    """The index of the one `url_base` line of the manifest, under `definitions.requester` (the only line the peer
    scripts change); fails when the manifest changed shape."""
    url_lines = [i for i, line in enumerate(lines) if line.lstrip().startswith("url_base:")]
    try:
        definitions = lines.index("definitions:\n")
        requester = next(i for i in range(definitions + 1, len(lines)) if lines[i] == "  requester:\n")
        block_end = next((i for i in range(requester + 1, len(lines))
                          if lines[i].strip() and not lines[i].startswith("   ")), len(lines))
        target = next(i for i in range(requester + 1, block_end) if lines[i].startswith("    url_base:"))
    except (ValueError, StopIteration):
        fail(f"{path}: no `url_base` under definitions.requester; the manifest changed shape")
    if url_lines != [target] or "business-api" not in lines[target]:
        fail(f"{path}: expected one url_base (the business-api/sandbox-ads Jinja string) at line {target + 1}, "
             f"found url_base at lines {[i + 1 for i in url_lines]}: {lines[target].strip()}")
    return target


def failed_request(text):
    """The request named in the CDK's error text ("'GET' request to 'URL' failed …"), decoded."""
    match = REQUEST.search(text)
    if not match:
        return None
    url = urllib.parse.urlsplit(match.group(2))
    return {"method": match.group(1), "path": url.path,
            "query": urllib.parse.parse_qsl(url.query, keep_blank_values=True)}


def format_request(request):
    """METHOD PATH?k=v …, values as the source sent them, decoded; a long metrics list is cut short."""
    parts = []
    for key, value in request["query"]:
        if key == "metrics" and value.startswith("["):
            try:
                names = json.loads(value)
                if len(names) > 6:
                    value = f"[{len(names)} names: {', '.join(names[:6])}, …]"
            except ValueError:
                pass
        parts.append(f"{key}={value}")
    return f"{request['method']} {request['path']}?" + "&".join(parts)


# MARK: The run

class Run:
    def __init__(self, venv, work):
        self.venv, self.work = venv, work
        installed = glob.glob(os.path.join(venv, "lib", "python*", "site-packages",
                                           "airbyte_source_tiktok_marketing-*.dist-info"))
        version = os.path.basename(installed[0])[len("airbyte_source_tiktok_marketing-"):-len(".dist-info")] \
            if installed else "unknown"
        self.summary = {"package": f"airbyte-source-tiktok-marketing=={version}", "binary": BINARY,
                        "commands": {}, "streams": {}, "failures": []}
        self.started = time.time()
        self.entry_point = os.path.join(venv, "bin", ENTRY_POINT)

    # Emulator

    def start_emulator(self):
        def binary_ready():
            return os.access(BINARY, os.X_OK)
        # The binary may be rebuilt while this runs: give a concurrent build a minute to put it back.
        wait_until(f"an executable at {BINARY} (build with `swift build --product tiktok-business`)", binary_ready, 60,
                   interval=1)
        port = mi.free_port()
        self.emulator_base = f"http://127.0.0.1:{port}"
        self.api_base = f"{self.emulator_base}/open_api/v1.3/"
        self.redirect_uri = f"http://127.0.0.1:{port}/airbyte/callback"
        log_path = os.path.join(ARTIFACTS, "emulator.log")
        process = mi.PROCESSES.start("emulator", [
            BINARY, "emulator", "--port", str(port), "--auto-consent", "--app-id", APP_ID, "--secret", APP_SECRET,
            "--redirect-uri", self.redirect_uri], dict(os.environ), log_path)

        def ready():
            if process.poll() is not None:
                with open(log_path, errors="replace") as handle:
                    lines = [line.strip() for line in handle if line.strip() and not line.startswith("====")]
                fail(f"the emulator exited with {process.returncode} at start ({shorten(' | '.join(lines[:2]))}); "
                     f"see {log_path}")
            return HTTP.request("GET", self.emulator_base + "/_emulator/clock", timeout=5)[0] == 200
        wait_until("the emulator", ready, 60)
        self.today = datetime.datetime.fromtimestamp(
            HTTP.json("GET", self.emulator_base + "/_emulator/clock")["now"], datetime.timezone.utc).date()

    def advertiser_token(self):
        """An advertiser (Marketing API) access token, as an app gets one: a code for the user, then the exchange."""
        code = HTTP.json("POST", self.emulator_base + "/_emulator/grants", {
            "flow": "advertiser", "app_id": APP_ID, "redirect_uri": self.redirect_uri, "user": USER})["code"]
        answer = HTTP.json("POST", self.api_base + "oauth2/access_token/",
                           {"app_id": APP_ID, "secret": APP_SECRET, "auth_code": code})
        if answer.get("code") != 0:
            fail(f"the code exchange answered {answer.get('code')}: {answer.get('message')}")
        self.access_token = answer["data"]["access_token"]
        SECRETS.append(self.access_token)
        self.advertiser_ids = answer["data"].get("advertiser_ids") or []
        log(f"emulator at {self.emulator_base} ({BINARY}); advertiser token for {len(self.advertiser_ids)} "
            f"advertisers; today is {self.today} by its clock")

    # Source

    def patch_manifest(self):
        """Only the `url_base` of `definitions.requester` changes, to the emulator's API base."""
        paths = glob.glob(os.path.join(self.venv, "lib", "python*", "site-packages", "source_tiktok_marketing",
                                       "manifest.yaml"))
        if len(paths) != 1:
            fail(f"expected one installed source_tiktok_marketing/manifest.yaml in {self.venv}, found {paths}")
        path = paths[0]
        with open(path) as handle:
            original = handle.read()
        lines = original.splitlines(keepends=True)
        lines[requester_url_base_line(lines, path)] = f'    url_base: "{self.api_base}"\n'
        patched = "".join(lines)
        with open(path, "w") as handle:
            handle.write(patched)
        diff = "".join(difflib.unified_diff(original.splitlines(keepends=True), lines,
                                            "manifest.yaml (PyPI)", "manifest.yaml (patched)"))
        write_artifact("manifest.diff", diff)
        changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        if len(changed) != 2:
            fail(f"patching {path} changed {len(changed)} lines, not one")

    def config(self, start_date, advertiser_id=None):
        credentials = {"auth_type": "oauth2.0", "app_id": APP_ID, "secret": APP_SECRET,
                       "access_token": self.access_token}
        if advertiser_id:
            credentials["advertiser_id"] = advertiser_id      # the spec's filter: this advertiser only
        return {
            "credentials": credentials,
            "start_date": start_date,
            "end_date": self.today.isoformat(),
            "include_deleted": INCLUDE_DELETED,
        }

    def write_config(self, name, config):
        path = os.path.join(self.work, f"{name}.json")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            json.dump(config, handle, indent=2)
        write_artifact(f"{name}.json", json.dumps(config, indent=2) + "\n")
        return path

    def command(self, name, args, compress=False):
        """Runs the source's entry point, its raw output to the artifacts (scrubbed; gzip for reads, which can be
        large); the parsed messages back. A progress line every minute while it runs."""
        raw_path = os.path.join(self.work, f"{name}.jsonl")
        stderr_path = os.path.join(self.work, f"{name}.stderr")
        artifact = os.path.join(ARTIFACTS, f"{name}.jsonl" + (".gz" if compress else ""))
        output = Output(name)
        began = last_progress = time.time()
        with open(raw_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
            process = subprocess.Popen([self.entry_point, *args], cwd=self.work, stdout=stdout, stderr=stderr,
                                       stdin=subprocess.DEVNULL)
        with open(raw_path, "rb") as raw, (gzip.open if compress else open)(artifact, "wt") as sink:
            pending = b""
            while True:
                returncode = process.poll()
                chunk = raw.read()
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    text = line.decode(errors="replace")
                    output.feed(text)
                    sink.write(scrub(text) + "\n")
                if returncode is not None and not chunk:
                    break
                if time.time() - began > TIMEOUT:
                    process.kill()
                    process.wait()
                    output.timed_out = True
                    log(f"{name}: killed after {TIMEOUT} s (AIRBYTE_TIMEOUT)")
                if time.time() - last_progress >= 60:
                    last_progress = time.time()
                    log(f"{name}: {sum(output.records.values())} records so far, {len(output.complete)} streams "
                        f"complete, {len(output.trace_errors)} errors, {time.time() - began:.0f} s")
                if not chunk:
                    time.sleep(0.2)
            if pending:
                output.feed(pending.decode(errors="replace"))
                sink.write(scrub(pending.decode(errors="replace")))
        output.returncode = "timeout" if output.timed_out else returncode
        output.seconds = seconds = time.time() - began
        with open(stderr_path, errors="replace") as handle:
            stderr_text = handle.read()
        if stderr_text.strip():
            write_artifact(f"{name}.stderr.log", stderr_text)
        self.summary["commands"][name] = {"exit": output.returncode, "seconds": round(seconds, 1),
                                          "records": sum(output.records.values()),
                                          "non_json_lines": len(output.non_json),
                                          "trace_errors": len(output.trace_errors),
                                          "log_errors": len(output.log_errors)}
        log(f"{name}: exit {output.returncode}, {sum(output.records.values())} records, {seconds:.1f} s")
        os.remove(raw_path)
        return output

    def select(self, catalog):
        names = [stream["name"] for stream in catalog["streams"]]
        wanted = os.environ.get("AIRBYTE_STREAMS", "").strip()
        if wanted:
            selected = [name.strip() for name in wanted.split(",") if name.strip()]
            unknown = [name for name in selected if name not in names]
            if unknown:
                fail(f"AIRBYTE_STREAMS names streams discover did not return: {', '.join(unknown)} "
                     f"(known: {', '.join(names)})")
        else:
            selected = [name for name in names if name not in NOT_SERVED]
        self.summary["selected"] = selected
        self.summary["not_selected"] = [name for name in names if name not in selected]
        left_out = ", ".join(name for name in names if name in NOT_SERVED)
        log(f"discover: {len(names)} streams; selected {len(selected)}"
            + ("" if wanted else f" (left out, endpoints not served yet: {left_out})"))
        return selected

    def configured_catalog(self, catalog, streams):
        configured = []
        for stream in catalog["streams"]:
            if stream["name"] not in streams:
                continue
            modes = stream.get("supported_sync_modes") or ["full_refresh"]
            if "full_refresh" in modes:
                configured.append({"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"})
            else:
                configured.append({"stream": stream, "sync_mode": "incremental", "destination_sync_mode": "append",
                                   "cursor_field": stream.get("default_cursor_field") or []})
        return {"streams": configured}

    # Checks

    def problem(self, text):
        self.summary["failures"].append(scrub(text))

    def run(self):
        os.makedirs(ARTIFACTS, exist_ok=True)
        for name in os.listdir(ARTIFACTS):
            if name.endswith((".jsonl", ".jsonl.gz", ".log", ".json", ".diff")):
                os.remove(os.path.join(ARTIFACTS, name))
        self.start_emulator()
        self.advertiser_token()
        self.patch_manifest()

        reports_start = (self.today - datetime.timedelta(days=DAYS)).isoformat()
        one = self.advertiser_ids[0] if self.advertiser_ids and not ALL_ADVERTISERS else None
        reports_config = self.write_config("config-reports", self.config(reports_start, one))
        objects_config = self.write_config("config-objects", self.config(OBJECTS_START_DATE))

        spec = self.command("spec", ["spec"])
        for text in spec.problems():
            self.problem(text)
        if not spec.of_type("SPEC"):
            self.problem("spec: no SPEC message")

        check = self.command("check", ["check", "--config", objects_config])
        for text in check.problems():
            self.problem(text)
        statuses = [m["connectionStatus"] for m in check.of_type("CONNECTION_STATUS")]
        status = statuses[-1] if statuses else {"status": "none", "message": "no CONNECTION_STATUS message"}
        self.summary["check"] = status.get("status")
        if status.get("status") != "SUCCEEDED":
            self.problem(f"check: CONNECTION_STATUS {status.get('status')}: {shorten(status.get('message') or '')}")

        discover = self.command("discover", ["discover", "--config", objects_config])
        for text in discover.problems():
            self.problem(text)
        catalogs = [m["catalog"] for m in discover.of_type("CATALOG")]
        outputs = [spec, check, discover]
        if not catalogs:
            self.problem("discover: no CATALOG message")
        else:
            selected = self.select(catalogs[-1])
            passes = [("objects", objects_config, [s for s in selected if not is_report(s)]),
                      ("reports", reports_config, [s for s in selected if is_report(s)])]
            for name, config, streams in passes:
                if not streams:
                    continue
                catalog_path = os.path.join(self.work, f"catalog-{name}.json")
                catalog = self.configured_catalog(catalogs[-1], streams)
                with open(catalog_path, "w") as handle:
                    json.dump(catalog, handle, indent=2)
                write_artifact(f"catalog-{name}.json", json.dumps(catalog, indent=2) + "\n")
                output = self.command(f"read-{name}", ["read", "--config", config, "--catalog", catalog_path],
                                      compress=True)
                outputs.append(output)
                self.judge_read(output, streams)
        self.report(outputs)

    def judge_read(self, output, streams):
        if output.returncode != 0:
            self.problem(f"{output.name} exited with {output.returncode}")
        by_stream = {}
        for stream, message, internal in output.trace_errors:
            by_stream.setdefault(stream, []).append((message, internal))
        for stream in streams:
            errors = by_stream.get(stream, [])
            entry = {"records": output.records.get(stream, 0), "pass": output.name.split("-", 1)[1]}
            if errors:
                entry["errors"] = list(dict.fromkeys(scrub(message) for message, _ in errors))
                request = next((r for r in (failed_request(internal) for _, internal in errors) if r), None)
                if request:
                    entry["request"] = {"method": request["method"], "path": request["path"],
                                        "query": {k: scrub(v) for k, v in request["query"]}}
                    entry["_request"] = request
                self.problem(f"{stream}: {len(errors)} error(s): {entry['errors'][0]}")
            elif entry["records"] == 0:
                self.problem(f"{stream}: no records")
            self.summary["streams"][stream] = entry
        # Errors not tied to a selected stream (the read's closing summary is one; it repeats the streams' errors).
        for stream, message, _ in output.trace_errors:
            if stream is None and message.startswith("During the sync, the following streams did not sync"):
                continue
            if stream not in streams:
                self.problem(f"{output.name}: {stream or 'no stream'}: {shorten(message)}")
        if output.log_errors:
            self.problem(f"{output.name}: {len(output.log_errors)} LOG message(s) at level ERROR/FATAL")
            self.summary["commands"][output.name]["first_log_errors"] = sorted(
                {shorten(scrub(message), 400) for _, message in output.log_errors})[:5]

    def report(self, outputs):
        streams = self.summary["streams"]
        if streams:
            width = max(len(name) for name in streams) + 2
            print(f"\n{'stream':<{width}}{'records':>8}  status", flush=True)
            for name, entry in streams.items():
                status = "FAILED" if entry.get("errors") else ("no records" if entry["records"] == 0 else "ok")
                print(f"{name:<{width}}{entry['records']:>8}  {status}")
        failed = {name: entry for name, entry in streams.items() if entry.get("errors")}
        if failed:
            print(f"\n{len(failed)} stream(s) failed; the first error of each and a request the source sent for it:")
            for name, entry in failed.items():
                print(f"  {name}: {shorten(entry['errors'][0], 200)}")
                if entry.get("_request"):
                    print(f"      {shorten(scrub(format_request(entry['_request'])), 400)}")
        for output in outputs:
            if output.name.startswith("read-"):
                continue
            for stream, message, _ in output.trace_errors:
                print(f"  {output.name}: {shorten(scrub(message))}")
            for level, message in output.log_errors[:3]:
                print(f"  {output.name}: {level} {shorten(scrub(message))}")
        for entry in streams.values():
            entry.pop("_request", None)
        self.summary["duration_s"] = round(time.time() - self.started, 1)
        self.summary["result"] = "failed" if self.summary["failures"] else "passed"
        write_artifact("summary.json", json.dumps(self.summary, indent=2) + "\n")
        ok = len([e for e in streams.values() if not e.get("errors") and e["records"] > 0])
        print(flush=True)
        if self.summary["failures"]:
            others = [f for f in self.summary["failures"] if not any(f.startswith(n + ":") for n in failed)]
            for text in others:
                log(f"problem: {shorten(text)}")
            fail(f"{ok} of {len(streams)} streams passed; {len(self.summary['failures'])} problem(s)")
        log(f"passed: {ok} streams, {sum(e['records'] for e in streams.values())} records")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--venv", required=True, help="the virtual environment holding the source")
    parser.add_argument("--work", required=True, help="a private scratch directory (configs with credentials)")
    args = parser.parse_args()
    atexit.register(mi.PROCESSES.cleanup)
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, lambda signum, frame: sys.exit(128 + signum))
    run = Run(os.path.abspath(args.venv), os.path.abspath(args.work))
    try:
        run.run()
    except Failure as failure:
        log(f"FAILED: {failure}")
        log(f"raw protocol output, configs and emulator log in {ARTIFACTS}")
        sys.exit(1)
    finally:
        mi.PROCESSES.cleanup()
        # The emulator's log is written by the emulator itself: scrub it once it has stopped.
        path = os.path.join(ARTIFACTS, "emulator.log")
        if os.path.exists(path):
            with open(path, errors="replace") as handle:
                text = handle.read()
            write_artifact("emulator.log", text)
    log(f"artifacts in {ARTIFACTS}")


if __name__ == "__main__":
    main()
