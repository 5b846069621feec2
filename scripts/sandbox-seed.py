"""Connects one account of every kind to a sandbox `serve` by walking the emulator's consent pages over HTTP.

Usage: python3 scripts/sandbox-seed.py BASE_URL API_KEY  (prints the connection ids it made)
"""

import json
import re
import sys
import urllib.parse
import urllib.request

base, key = sys.argv[1], sys.argv[2]


def call(url, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    with urllib.request.urlopen(request) as response:
        return response.geturl(), response.read().decode()


def field(page, name):
    match = re.search(r'name="%s" value="([^"]*)"' % name, page) or re.search(r'id="%s">([^<]*)<' % name, page)
    return match.group(1) if match else None


for kind in ["advertiser", "tiktok_account", "tcm_account", "creator"]:
    _, body = call(
        base + "/v1/connect-links", json.dumps({"kind": kind, "end_user_id": "seed-" + kind}).encode(),
        {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    link = json.loads(body)["url"]
    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(link))
    _, page = call(link)
    confirm = "/portal/auth/confirm" if kind in ("advertiser", "tcm_account") else "/v2/auth/authorize/confirm"
    form = {"consent_id": field(page, "consent_id"), "user": "seed-user-" + kind, "decision": "approve"}
    final, page = call(origin + confirm, urllib.parse.urlencode(form).encode())
    if "verification-code" in page:
        form = {"consent_id": field(page, "consent_id"), "verification_code": field(page, "verification-code")}
        final, page = call(origin + "/portal/auth/verify", urllib.parse.urlencode(form).encode())
    assert final.startswith(base + "/oauth/callback/"), final
    assert "Connected" in page, page[:500]
    print(kind)
