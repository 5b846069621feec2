"""Browser test of the admin page and the sandbox consent pages, in headless Chromium.

Run through scripts/browser-test.sh, which starts `tiktok-business serve` in sandbox mode and sets BASE_URL, API_KEY
and ARTIFACTS (the screenshot directory).
"""

import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ["BASE_URL"]
API_KEY = os.environ["API_KEY"]
ARTIFACTS = os.environ["ARTIFACTS"]
KINDS = ["advertiser", "tiktok_account", "tcm_account", "creator"]


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"]:
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


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


def main():
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
    print(f"browser test passed ({test.shots} screenshots)")


if __name__ == "__main__":
    sys.exit(main())
