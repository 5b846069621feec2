"""Drives TikTok's official Python SDK (tiktok-business-api-sdk-official) against a live API, the same calls as
Benchmarks/Sources/sdk-load: `oauth2_advertiser_get`, `advertiser_info` and the first page of `campaign_get`, in
rotation, from `threads` threads; prints one JSON line {"calls","seconds","cpu_seconds"} (process CPU time).

Usage (inside the throwaway virtual environment scripts/bench/sdk.sh makes):
  python official_sdk_load.py <host, e.g. http://127.0.0.1:9100> <app id> <secret> <access token> <advertiser id>
                              <calls> <threads>
"""
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import business_api_client
from business_api_client.api.account_management_api import AccountManagementApi
from business_api_client.api.authentication_api import AuthenticationApi
from business_api_client.api.campaign_creation_api import CampaignCreationApi

host, app_id, secret, token, advertiser_id = sys.argv[1:6]
calls, threads = int(sys.argv[6]), int(sys.argv[7])

configuration = business_api_client.Configuration()
configuration.host = host
configuration.connection_pool_maxsize = threads
api_client = business_api_client.ApiClient(configuration)
authentication = AuthenticationApi(api_client)
accounts = AccountManagementApi(api_client)
campaigns = CampaignCreationApi(api_client)


def call(index):
    kind = index % 3
    if kind == 0:
        response = authentication.oauth2_advertiser_get(app_id, secret, token)
    elif kind == 1:
        response = accounts.advertiser_info([advertiser_id], token)
    else:
        response = campaigns.campaign_get(advertiser_id, token)
    # Depending on the endpoint the SDK returns a model or a dict (of the envelope or of its data).
    code = response.get("code") if isinstance(response, dict) else getattr(response, "code", None)
    if code not in (0, None):
        raise RuntimeError(f"call {index} answered code {code}")


def run(count):
    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(call, index) for index in range(count)]:
            future.result()


run(min(calls, threads * 3))
cpu_before = time.process_time()
started = time.monotonic()
run(calls)
seconds = time.monotonic() - started
print(json.dumps({"calls": calls, "seconds": seconds, "cpu_seconds": time.process_time() - cpu_before}))
