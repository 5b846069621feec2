"""Browser tests of the admin page and the sandbox consent pages, in headless Chromium, plus API checks (pytest).

Run through scripts/browser-test.sh, which starts two `tiktok-business serve` processes in sandbox mode:
  - an empty one for the walk through the consent pages (BASE_URL, API_KEY);
  - one seeded by scripts/seed-sandbox.py with a few hundred connections in every kind and state, run with a short
    TIKTOK_BUSINESS_DEGRADED_AFTER_SECONDS (SEEDED_BASE_URL, SEEDED_API_KEY, SEEDED_EMULATOR_URL, and SEED_SUMMARY:
    the seed's JSON summary with the ids of each group);
and sets ARTIFACTS (the screenshot directory). Without the SEEDED_ variables the seeded tests are skipped.

The tests on the seeded service run in file order: the ones that only look first, the ones that change connections
(a degraded connection recovering, a reconnect link used) last.
"""

import functools
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ.get("BASE_URL")
API_KEY = os.environ.get("API_KEY")
ARTIFACTS = os.environ.get("ARTIFACTS", os.path.join(os.path.dirname(__file__), "..", "..", "artifacts", "browser"))
SEEDED = os.environ.get("SEEDED_BASE_URL")
SEEDED_KEY = os.environ.get("SEEDED_API_KEY")
SEEDED_EMULATOR = os.environ.get("SEEDED_EMULATOR_URL")
SEED_SUMMARY = os.environ.get("SEED_SUMMARY")
KINDS = ["advertiser", "tiktok_account", "tcm_account", "creator"]
STATUSES = ["active", "reauthorization_required", "revoked"]
# The admin page's names of the kinds.
KIND_LABELS = {"Advertiser": "advertiser", "TikTok account": "tiktok_account", "TTCM account": "tcm_account",
               "Creator": "creator"}

needs_plain = pytest.mark.skipif(not (BASE and API_KEY), reason="BASE_URL and API_KEY are not set")
needs_seeded = pytest.mark.skipif(not (SEEDED and SEEDED_KEY and SEED_SUMMARY),
                                  reason="no seeded sandbox (SEEDED_BASE_URL, SEEDED_API_KEY, SEED_SUMMARY)")


def make_driver(width=1280, height=1000):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}"]:
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def save_failure(driver, name):
    try:
        driver.save_screenshot(os.path.join(ARTIFACTS, f"failure-{name}.png"))
        with open(os.path.join(ARTIFACTS, f"failure-{name}.html"), "w") as page:
            page.write(driver.page_source)
    except Exception:  # the failure itself matters more
        pass


# MARK: The walk through the consent pages (an empty sandbox)

class AdminBrowserTest:
    def __init__(self, driver):
        self.driver = driver
        self.wait = WebDriverWait(driver, 15)
        self.shots = 0

    def shot(self, name):
        self.shots += 1
        path = os.path.join(ARTIFACTS, f"{self.shots:02d}-{name}.png")
        self.driver.save_screenshot(path)

    def find(self, selector):
        return self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, selector)))

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def rows(self):
        return {
            row.get_attribute("data-id"): row.text
            for row in self.driver.find_elements(By.CSS_SELECTOR, "#connections tbody tr")
        }

    def sign_in(self):
        self.driver.get(BASE + "/")
        self.find("#sign-in")
        assert "Sandbox mode" in self.text()
        self.shot("sign-in")
        self.find("#api_key").send_keys("not-the-key")
        self.find("#sign-in button[type=submit]").click()
        assert "not valid" in self.find("#error").text
        self.shot("sign-in-refused")
        self.find("#api_key").send_keys(API_KEY)
        self.find("#sign-in button[type=submit]").click()
        self.find("#new-link")
        assert "Sign out" in self.text()
        self.shot("connections-empty")

    def create_link(self, kind, end_user, force_consent=False):
        self.driver.get(BASE + "/")
        Select(self.find("#link-kind")).select_by_value(kind)
        self.find("#link-user").send_keys(end_user)
        if force_consent:
            self.find("#new-link input[name=force_consent]").click()
        self.find("#new-link button[type=submit]").click()
        url = self.find("#link-url").get_attribute("value")
        assert url.startswith("http"), url
        self.shot(f"link-{kind}{'-again' if force_consent else ''}")
        return url

    def consent(self, kind, url, user, decision="approve"):
        self.driver.get(url)
        self.find("#user")
        self.shot(f"consent-{kind}-{decision}")
        field = self.find("#user")
        field.clear()
        field.send_keys(user)
        self.find(f"button[name=decision][value={decision}]").click()
        if decision == "approve" and kind in ("advertiser", "tcm_account"):
            code = self.find("#verification-code").text.strip()
            self.shot(f"verify-{kind}")
            self.find("#verification_code").send_keys(code)
            self.find("form button[type=submit]").click()
        self.wait.until(lambda d: d.current_url.startswith(BASE + "/oauth/callback/"))
        self.find("h1")
        self.shot(f"result-{kind}-{decision}")
        return self.find("h1").text

    def run(self):
        self.sign_in()

        # Walk all four kinds through the sandbox consent pages by clicking.
        for kind in KINDS:
            url = self.create_link(kind, f"browser-{kind}")
            heading = self.consent(kind, url, f"browser-user-{kind}")
            assert heading == "Connected", f"{kind}: {heading}"

        self.driver.get(BASE + "/")
        rows = self.rows()
        assert len(rows) == 4, rows
        for kind in KINDS:
            matching = [text for text in rows.values() if f"browser-{kind}" in text]
            assert len(matching) == 1, (kind, rows)
            assert "active" in matching[0], matching[0]
        self.shot("connections-four-kinds")

        # A denied consent shows the failure page and creates nothing.
        url = self.create_link("tiktok_account", "browser-denied", force_consent=True)
        heading = self.consent("tiktok_account", url, "browser-denier", decision="deny")
        assert heading == "Authorization declined", heading
        self.driver.get(BASE + "/")
        assert len(self.rows()) == 4

        # The connection page, refresh now, then revoke with confirmation.
        creator = next(id for id, text in self.rows().items() if "browser-creator" in text)
        self.driver.get(f"{BASE}/admin/connections/{creator}")
        self.find("#events")
        assert "Connected" in self.find("#events").text
        self.shot("connection-creator")
        self.find("#refresh button").click()
        assert "refreshed" in self.find("#notice").text
        assert "Token refreshed" in self.find("#events").text
        self.shot("connection-refreshed")
        self.find("#revoke").click()
        self.find("#confirm-revoke")
        self.shot("revoke-confirm")
        self.find("#confirm-revoke button[type=submit]").click()
        assert "revoked" in self.find("#notice").text
        assert self.find("#badge").text == "revoked"
        self.shot("connection-revoked")

        # Filters.
        self.driver.get(BASE + "/")
        Select(self.find("#f-status")).select_by_value("revoked")
        self.find("#filters button[type=submit]").click()
        self.wait.until(lambda d: "status=revoked" in d.current_url)
        rows = self.rows()
        assert list(rows) == [creator], rows
        assert "revoked" in rows[creator]
        self.shot("connections-revoked-filter")

        # A phone-sized view.
        self.driver.set_window_size(390, 844)
        self.driver.get(BASE + "/")
        self.find("#connections")
        self.shot("connections-phone")
        self.driver.set_window_size(1280, 1000)

        # Sign out.
        self.find("header form button[type=submit]").click()
        self.find("#sign-in")
        self.shot("signed-out")


@needs_plain
def test_consent_walk_and_admin_actions():
    driver = make_driver()
    test = AdminBrowserTest(driver)
    try:
        test.run()
    except Exception:
        test.shot("failure")
        with open(os.path.join(ARTIFACTS, "failure.html"), "w") as page:
            page.write(driver.page_source)
        raise
    finally:
        driver.quit()


# MARK: The seeded sandbox: API helpers

def api(method, path, body=None, key=None, headers=None):
    """(status, parsed JSON or None) of a call to the seeded service's API."""
    request = urllib.request.Request(SEEDED + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Authorization", f"Bearer {key or SEEDED_KEY}")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = response.read()
            return response.status, json.loads(payload) if payload else None
    except urllib.error.HTTPError as error:
        payload = error.read()
        try:
            return error.code, json.loads(payload)
        except ValueError:
            return error.code, payload.decode(errors="replace")


def api_ok(method, path, body=None, expect=200, **kwargs):
    status, answer = api(method, path, body, **kwargs)
    assert status == expect, f"{method} {path}: {status} {answer}"
    return answer


def connections(**query):
    """Every connection matching `query` (all pages)."""
    found, cursor = [], None
    while True:
        params = dict(query, limit="1000")
        if cursor:
            params["cursor"] = cursor
        page = api_ok("GET", "/v1/connections?" + urllib.parse.urlencode(params))
        found += page["connections"]
        cursor = page.get("next_cursor")
        if not cursor:
            return found


def lapse_horizon():
    return (datetime.now(timezone.utc) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def seed():
    with open(SEED_SUMMARY) as handle:
        summary = json.load(handle)
    for group in ("reauth", "degraded", "lapsing", "revoked", "active"):
        assert summary["ids"].get(group), f"the seed made no {group} connections: {summary['planned']}"
    return summary


class Admin:
    """A signed-in Chromium on the seeded service's admin page, in a wide window."""

    def __init__(self):
        self.driver = make_driver(1400, 2200)
        self.wait = WebDriverWait(self.driver, 20)
        self.driver.get(SEEDED + "/")
        self.find("#api_key").send_keys(SEEDED_KEY)
        self.find("#sign-in button[type=submit]").click()
        self.find("#new-link")

    def find(self, selector, root=None):
        if root is not None:
            return root.find_element(By.CSS_SELECTOR, selector)
        return self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, selector)))

    def all(self, selector, root=None):
        return (root or self.driver).find_elements(By.CSS_SELECTOR, selector)

    def open(self, path):
        self.driver.get(SEEDED + path)

    def full_page_shot(self, name, minimum_height=2200):
        """The whole page: the window made as tall as the document."""
        height = self.driver.execute_script(
            "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
        self.driver.set_window_size(1400, max(minimum_height, min(height + 120, 16000)))
        self.driver.save_screenshot(os.path.join(ARTIFACTS, name))
        self.driver.set_window_size(1400, 2200)


@pytest.fixture(scope="module")
def admin():
    browser = Admin()
    yield browser
    browser.driver.quit()


def keeps_failure(test):
    """Saves a screenshot and the page (failure-NAME.png/.html) when a test using the `admin` browser fails."""
    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        try:
            return test(*args, **kwargs)
        except BaseException:
            if "admin" in kwargs:
                save_failure(kwargs["admin"].driver, test.__name__)
            raise
    return wrapper


# MARK: The seeded sandbox: API checks

@needs_seeded
def test_read_scoped_key_cannot_read_tokens(seed):
    created = api_ok("POST", "/v1/api-keys", {"name": "browser-test-read", "scope": "read"}, expect=201)
    assert set(created) >= {"id", "name", "scope", "key", "created_at"}, created
    assert created["name"] == "browser-test-read" and created["scope"] == "read", created
    assert created["key"].startswith("tbk_"), created
    key = created["key"]
    active_id = seed["ids"]["active"][0]
    try:
        # A read key lists and shows connections...
        listed = api_ok("GET", "/v1/connections?limit=5", key=key)
        assert listed["connections"], listed
        api_ok("GET", f"/v1/connections/{active_id}", key=key)
        # ...but never gets a token, nor a proxied call, nor makes keys.
        status, answer = api("GET", f"/v1/connections/{active_id}/access-token", key=key)
        assert status == 403, (status, answer)
        assert "access_token" not in json.dumps(answer), answer
        status, _ = api("GET", f"/v1/proxy/{active_id}/oauth2/advertiser/get/", key=key)
        assert status == 403, status
        status, _ = api("POST", "/v1/api-keys", {"name": "escalation", "scope": "admin"}, key=key)
        assert status == 403, status
        # The list shows the key without its secret.
        keys = api_ok("GET", "/v1/api-keys")
        entries = keys["api_keys"] if isinstance(keys, dict) else keys
        mine = [k for k in entries if k["id"] == created["id"]]
        assert len(mine) == 1 and mine[0]["scope"] == "read", keys
        assert key not in json.dumps(keys), "GET /v1/api-keys shows a key's secret"
    finally:
        status, _ = api("DELETE", f"/v1/api-keys/{created['id']}")
        assert status in (200, 204), status
    status, _ = api("GET", "/v1/connections?limit=1", key=key)
    assert status == 401, f"a deleted key still works ({status})"


@needs_seeded
def test_health_and_attention_filters(seed):
    degraded = connections(health="degraded")
    assert degraded, "no degraded connection"
    for connection in degraded:
        assert connection["health"] == "degraded", connection
        assert connection["status"] == "active", connection
        assert connection["failing_since"], connection
    # The seeded ones (less any that a test has made recover since).
    assert {c["id"] for c in degraded} <= set(seed["ids"]["degraded"])
    everything = connections()
    assert {c["id"] for c in everything if c["health"] == "degraded"} == {c["id"] for c in degraded}

    horizon = lapse_horizon()
    lapsing = connections(refresh_token_expires_before=horizon, status="active")
    assert set(seed["ids"]["lapsing"]) <= {c["id"] for c in lapsing}
    for connection in lapsing:
        assert connection["refresh_token_expires_at"] < horizon, connection

    attention = {c["id"] for c in connections(needs_attention="true")}
    reauth = {c["id"] for c in everything if c["status"] == "reauthorization_required"}
    assert attention == reauth | {c["id"] for c in degraded} | {c["id"] for c in lapsing}

    status, _ = api("GET", "/v1/connections?health=sideways")
    assert status == 400


# MARK: The seeded sandbox: the admin page

@needs_seeded
@keeps_failure
def test_overview_tiles_and_counts_match_the_api(seed, admin):
    admin.open("/")
    overview = admin.find("section#overview")
    # The top of the page in a wide window (overview, attention lists, charts), and the whole page with the list.
    admin.driver.save_screenshot(os.path.join(ARTIFACTS, "overview.png"))
    admin.full_page_shot("overview-full.png")
    expected = {
        "reauth": len(connections(status="reauthorization_required")),
        "degraded": len(connections(health="degraded")),
        "lapsing": len(connections(refresh_token_expires_before=lapse_horizon(), status="active")),
    }
    for tile, count in expected.items():
        shown = admin.find(f"#tile-{tile} .count", overview).text.strip()
        assert count > 0, f"the seed left no {tile} connection"
        assert shown == str(count), f"#tile-{tile} shows {shown}, the API lists {count}"

    # Kind × status, as the API counts them.
    everything = connections()
    table = admin.find("table#overview-counts")
    headers = [th.text.strip().lower() for th in admin.all("thead th", table)]
    rows = admin.all("tbody tr", table)
    assert len(rows) == len(KINDS), [r.text for r in rows]
    for row in rows:
        cells = [td.text.strip() for td in admin.all("td", row)]
        kind = KIND_LABELS[cells[0]]
        for status in STATUSES:
            column = headers.index(status.replace("_", " "))
            count = sum(1 for c in everything if c["kind"] == kind and c["status"] == status)
            assert cells[column] == str(count), f"{cells[0]} × {status}: page {cells[column]}, API {count}"
        assert cells[headers.index("total")] == str(sum(1 for c in everything if c["kind"] == kind))

    # The attention tables list seeded connections.
    degraded_rows = {tr.get_attribute("data-id") for tr in admin.all("table#degraded tr[data-id]")}
    assert degraded_rows and degraded_rows <= set(seed["ids"]["degraded"]), degraded_rows
    lapsing_rows = {tr.get_attribute("data-id") for tr in admin.all("table#lapsing tr[data-id]")}
    assert lapsing_rows and lapsing_rows <= set(seed["ids"]["lapsing"]), lapsing_rows


@needs_seeded
@keeps_failure
def test_charts_are_inline_svg_with_content(admin):
    admin.open("/")
    for chart in ("chart-refreshes", "chart-status", "chart-lapses"):
        svg = admin.find(f"figure#{chart} svg")
        marks = admin.all("rect, path, polyline, line, circle", svg)
        assert len(marks) >= 3, f"{chart}: {len(marks)} marks"
        box = svg.rect
        assert box["width"] > 100 and box["height"] > 50, (chart, box)
        assert svg.get_attribute("outerHTML").lstrip().startswith("<svg"), chart
    # Drawn marks, not only axes: the seed refreshed tokens (and failed some), and lapses are coming.
    for chart in ("chart-refreshes", "chart-lapses"):
        bars = [r for r in admin.all(f"figure#{chart} svg rect")
                if float(r.get_attribute("height") or 0) > 0 and r.get_attribute("fill") not in (None, "none", "#fff",
                                                                                                  "#ffffff", "white")]
        assert bars, f"{chart} has no bars"
    charts = admin.find("section#charts") if admin.all("section#charts") else admin.find("figure#chart-refreshes")
    admin.driver.execute_script("arguments[0].scrollIntoView()", charts)
    charts.screenshot(os.path.join(ARTIFACTS, "charts.png"))


@needs_seeded
@keeps_failure
def test_search_by_display_name(seed, admin):
    candidates = [c for c in connections(status="active") if c["display_name"] and c["id"] in seed["ids"]["active"]]
    assert candidates, "no seeded active connection has a display name"
    # One account (a person's name) and one advertiser (a company's name).
    picks = [next(c for c in candidates if c["kind"] in ("tiktok_account", "creator")),
             next(c for c in candidates if c["kind"] == "advertiser")]
    problems = []
    for target in picks:
        name = target["display_name"]
        found = api_ok("GET", "/v1/connections?limit=1000&q=" + urllib.parse.quote(name))["connections"]
        assert target["id"] in {c["id"] for c in found}, f"?q={urllib.parse.quote(name)} did not find {target['id']}"
        # A form's encoding (spaces as +), as the admin page's filter form sends it.
        plus = api_ok("GET", "/v1/connections?limit=1000&q=" + urllib.parse.quote_plus(name))["connections"]
        if target["id"] not in {c["id"] for c in plus}:
            problems.append(f"API: ?q={urllib.parse.quote_plus(name)} (spaces as +) did not find {target['id']}")
        admin.open("/")
        field = admin.find("#f-q")
        assert field.get_attribute("name") == "q"
        field.clear()
        field.send_keys(name)
        admin.find("#filters button[type=submit]").click()
        admin.wait.until(lambda d: "q=" in d.current_url)
        rows = {tr.get_attribute("data-id"): tr for tr in admin.all("#connections tbody tr")}
        if target["id"] not in rows:
            problems.append(f"admin page: searching {name!r} ({admin.driver.current_url}) shows {len(rows)} rows, "
                            f"the field now says {admin.find('#f-q').get_attribute('value')!r}")
            continue
        assert admin.find("td.name", rows[target["id"]]).text.strip() == name
        assert len(rows) <= len(found), (len(rows), len(found))
        admin.driver.save_screenshot(os.path.join(ARTIFACTS, "search.png"))
    assert not problems, "; ".join(problems)


@needs_seeded
@keeps_failure
def test_connection_page_shows_the_audit_trail(seed, admin):
    connection = next(c for c in connections(status="active", kind="tiktok_account")
                      if c["id"] in seed["ids"]["active"])
    request_id = f"browser-test-{int(time.time())}"
    token = api_ok("GET", f"/v1/connections/{connection['id']}/access-token", headers={"X-Request-ID": request_id})
    assert token["access_token"], token
    proxied = api("GET", f"/v1/proxy/{connection['id']}/business/get/?business_id={connection['open_id']}")
    assert proxied[0] == 200, proxied

    entries = api_ok("GET", f"/v1/audit?connection_id={connection['id']}")["entries"]
    assert entries, "no audit entries"
    for entry in entries:
        assert set(entry) >= {"id", "sequence", "occurred_at", "action", "connection_id", "actor", "request_id",
                              "data"}, entry
        assert entry["connection_id"] == connection["id"], entry
    read = next((e for e in entries if e["request_id"] == request_id), None)
    assert read, f"the token read with X-Request-ID {request_id} is not in the audit trail: {entries[:3]}"
    assert read["actor"].startswith("api_key:"), read

    # Proxied calls are counted per day (written every few seconds).
    deadline = time.time() + 20
    while not api_ok("GET", f"/v1/audit?connection_id={connection['id']}").get("proxy_usage"):
        assert time.time() < deadline, "the proxied call is not counted in /v1/audit's proxy_usage after 20 s"
        time.sleep(1)

    admin.open(f"/admin/connections/{connection['id']}")
    section = admin.find("section#audit")
    items = [li.text for li in admin.all("ol#audit-entries li", section)]
    assert any(read["actor"] in item and request_id in item for item in items), items
    usage = admin.find("table#proxy-usage", section)
    assert admin.all("tbody tr", usage), usage.text
    assert connection["display_name"] in admin.find("body").text
    admin.driver.execute_script("arguments[0].scrollIntoView()", section)
    admin.full_page_shot("connection-audit.png", minimum_height=1000)


@needs_seeded
@keeps_failure
def test_needs_reauth_reconnect_link_and_mailto(seed, admin):
    admin.open("/")
    table = admin.find("table#needs-reauth")
    rows = {tr.get_attribute("data-id"): tr for tr in admin.all("tr[data-id]", table)}
    seeded = [id for id in rows if id in seed["ids"]["reauth"]]
    assert seeded, f"needs-reauth lists {list(rows)}, none of the seeded ones"
    target = seeded[0]
    connection = api_ok("GET", f"/v1/connections/{target}")
    assert connection["status"] == "reauthorization_required"
    assert connection["status_reason"] in rows[target].text, rows[target].text
    admin.find("button.reconnect", rows[target]).click()

    url = admin.find("textarea#link-url").get_attribute("value")
    assert url.startswith(SEEDED_EMULATOR or "http"), url
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query.get("state"), url
    mailto = admin.find("a#mailto-link").get_attribute("href")
    assert mailto.startswith("mailto:"), mailto
    assert urllib.parse.quote(url, safe="") in mailto, (url, mailto)
    assert url in urllib.parse.unquote(mailto)
    copy = admin.find("button[data-copy=link-url]")
    label = copy.text
    copy.click()
    admin.wait.until(lambda d: copy.text != label)      # "Copied" (or how it says so)
    admin.driver.save_screenshot(os.path.join(ARTIFACTS, "reconnect-link.png"))

    # The link's creation is in the connection's audit trail, by the signed-in admin.
    entries = api_ok("GET", f"/v1/audit?connection_id={target}")["entries"]
    assert any(e["actor"].startswith("admin:") and "link" in e["action"] for e in entries), entries[:5]

    # The link works: the account holder approves again and the same connection is active.
    admin.driver.get(url)
    user = seed["users"][target]
    field = admin.find("#user")
    field.clear()
    field.send_keys(user)
    admin.find("button[name=decision][value=approve]").click()
    if connection["kind"] in ("advertiser", "tcm_account"):
        code = admin.find("#verification-code").text.strip()
        admin.find("#verification_code").send_keys(code)
        admin.find("form button[type=submit]").click()
    admin.wait.until(lambda d: d.current_url.startswith(SEEDED + "/oauth/callback/"))
    heading = admin.find("h1").text
    assert heading in ("Connected", "Reconnected"), heading
    assert api_ok("GET", f"/v1/connections/{target}")["status"] == "active"


@needs_seeded
def test_degraded_connection_recovers(seed):
    degraded = {c["id"] for c in connections(health="degraded")}
    target = next(id for id in seed["ids"]["degraded"] if id in degraded)
    refreshed = api_ok("POST", f"/v1/connections/{target}/refresh", {})
    assert refreshed.get("health", "ok") == "ok", refreshed
    connection = api_ok("GET", f"/v1/connections/{target}")
    assert connection["health"] == "ok" and connection["failing_since"] is None, connection
    events = api_ok("GET", f"/v1/events?connection_id={target}&limit=1000")["events"]
    assert any(e["type"] == "connection.recovered" for e in events), [e["type"] for e in events]
    assert target not in {c["id"] for c in connections(health="degraded")}


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v"]))
