#!/usr/bin/env python3
"""TikTok's official Python SDK (PyPI tiktok-business-api-sdk-official) makes its reporting calls against the emulator.

Run by scripts/peers/official-sdk.sh inside a throwaway virtual environment: starts `tiktok-business emulator`, mints
an advertiser token the way the tests do (POST /_emulator/grants, then the SDK-less code exchange), then calls
`AccountManagementApi.advertiser_info` and `ReportingApi.report_integrated_get` the way the SDK's users do (arrays
JSON-encoded by the SDK, booleans as `True`), and checks every answer is code 0 with consistent rows. Exits non-zero
on the first failure; never prints the token or the secret.
"""

import importlib.util
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request

import business_api_client
from business_api_client.api.account_management_api import AccountManagementApi
from business_api_client.api.reporting_api import ReportingApi
from business_api_client.tiktok_business.tiktok_exceptions import TiktokSDKError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# The free-port helper is Tests/multi_instance/harness.py's, as in scripts/peers/airbyte.py.
_spec = importlib.util.spec_from_file_location(
    "multi_instance_test", os.path.join(ROOT, "Tests", "multi_instance", "harness.py"))
mi = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mi)
BINARY = os.environ.get("TIKTOK_BUSINESS_BINARY", os.path.join(ROOT, ".build", "debug", "tiktok-business"))
APP_ID = "official-sdk-app"
SECRET = "official-sdk-" + secrets.token_hex(8)


def log(message):
    print(f"[official-sdk {time.strftime('%H:%M:%S')}] {message}", flush=True)


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def check(answer, what):
    """The exchange's JSON envelope is checked here; the SDK's own calls raise TiktokSDKError on any other code than 0
    and return `{"data": …, "request_id": …}`."""
    if "code" in answer and answer["code"] != 0:
        raise SystemExit(f"official-sdk: {what} answered {answer['code']}: {answer.get('message')}")
    if not answer.get("data"):
        raise SystemExit(f"official-sdk: {what} returned no data")
    return answer["data"]


def main():
    port = mi.free_port()
    base = f"http://127.0.0.1:{port}"
    redirect = base + "/callback"
    emulator = subprocess.Popen([BINARY, "emulator", "--port", str(port), "--auto-consent", "--app-id", APP_ID,
                                 "--secret", SECRET, "--redirect-uri", redirect],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/_emulator/clock", timeout=2).read()
                break
            except OSError:
                if time.time() > deadline or emulator.poll() is not None:
                    raise SystemExit("official-sdk: the emulator did not start")
                time.sleep(0.2)
        code = post(base + "/_emulator/grants", {"flow": "advertiser", "app_id": APP_ID, "redirect_uri": redirect,
                                                  "user": "official-sdk"})["code"]
        grant = check(post(base + "/open_api/v1.3/oauth2/access_token/",
                           {"app_id": APP_ID, "secret": SECRET, "auth_code": code}), "the code exchange")
        token, advertiser = grant["access_token"], grant["advertiser_ids"][0]

        configuration = business_api_client.Configuration()
        configuration.host = base
        client = business_api_client.ApiClient(configuration)
        info = check(AccountManagementApi(client).advertiser_info(
            advertiser_ids=[advertiser], access_token=token, fields=["name", "currency", "timezone", "status"]),
            "advertiser_info")
        assert set(info["list"][0]) == {"name", "currency", "timezone", "status"}, info
        log(f"advertiser_info: {info['list'][0]['name']} ({info['list'][0]['currency']})")

        reporting = ReportingApi(client)
        daily = check(reporting.report_integrated_get(
            report_type="BASIC", access_token=token, advertiser_id=advertiser, service_type="AUCTION",
            data_level="AUCTION_CAMPAIGN", dimensions=["campaign_id", "stat_time_day"],
            metrics=["spend", "impressions", "clicks", "ctr", "average_video_play", "campaign_name"],
            start_date="2024-03-01", end_date="2024-03-07", page=1, page_size=1000, enable_total_metrics=True),
            "a daily campaign report")
        rows = daily["list"]
        assert rows and all(len(row["metrics"]) == 6 for row in rows), daily["page_info"]
        total = sum(int(row["metrics"]["impressions"]) for row in rows)
        assert int(daily["total_metrics"]["impressions"]) == total, "total_metrics add up"
        log(f"report_integrated_get BASIC by day: {len(rows)} rows, total_metrics add up")

        hourly = check(reporting.report_integrated_get(
            report_type="BASIC", access_token=token, advertiser_id=advertiser, data_level="AUCTION_ADVERTISER",
            dimensions=["advertiser_id", "stat_time_hour"], metrics=["spend", "cash_spend", "voucher_spend"],
            start_date="2024-03-01", end_date="2024-03-01"), "an hourly advertiser report")
        assert len(hourly["list"]) == 10 and hourly["page_info"]["total_number"] == 24, hourly["page_info"]
        log("report_integrated_get BASIC by hour: 24 rows over 3 pages of 10")

        audience = check(reporting.report_integrated_get(
            report_type="AUDIENCE", access_token=token, advertiser_id=advertiser, data_level="AUCTION_ADVERTISER",
            dimensions=["advertiser_id", "gender", "age"], metrics=["spend", "impressions", "ctr"],
            query_lifetime=True, page_size=100), "a lifetime audience report")
        assert len(audience["list"]) == audience["page_info"]["total_number"] > 1, audience["page_info"]
        log(f"report_integrated_get AUDIENCE over the lifetime: {len(audience['list'])} segments")

        try:
            reporting.report_integrated_get(
                report_type="BASIC", access_token=token, advertiser_id=advertiser, data_level="AUCTION_CAMPAIGN",
                dimensions=["campaign_id"], metrics=["spend", "no_such_metric"], start_date="2024-03-01",
                end_date="2024-03-01")
            raise SystemExit("official-sdk: an unknown metric was accepted")
        except TiktokSDKError as error:
            assert "40002" in str(error) and "no_such_metric" in str(error), str(error)
        log("an unknown metric is refused with 40002")
        log("passed")
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)


if __name__ == "__main__":
    main()
