"""The create phase: 10,000 tiktok_account connections, each through a shareable link of one instance, a code minted at
the emulator for a distinct user, and the callback on another instance."""

import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from .harness import APP_ID, CONNECTIONS, HTTP, INSTANCES, THREADS, auth, fail, log, parse_time


class Create:
    def create(self):
        errors = []
        users = [f"mi-user-{n:05d}" for n in range(CONNECTIONS)]

        def create_one(n):
            issuer = self.instances[n % INSTANCES]
            receiver = self.instances[(n + 1) % INSTANCES]
            link = HTTP.json("POST", issuer.base + "/v1/connect-links", {"kind": "tiktok_account"}, auth(),
                             expect=(201,))
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(link["url"]).query)
            if query["redirect_uri"][0] != self.redirect_uri:
                fail(f"link redirect_uri {query['redirect_uri'][0]} is not {self.redirect_uri}")
            code = self.emulator("POST", "/grants", {"flow": "account", "app_id": APP_ID,
                                                     "redirect_uri": self.redirect_uri, "user": users[n],
                                                     "scopes": query["scope"][0]})["code"]
            callback = (f"{receiver.base}/oauth/callback/tiktok_account?"
                        + urllib.parse.urlencode({"code": code, "state": query["state"][0]}))
            status, body = HTTP.request("GET", callback)
            if status != 200:
                fail(f"callback on serve-{receiver.index} answered {status}: {body[:300]!r}")

        started = self.creation_started = time.time()
        with ThreadPoolExecutor(THREADS) as pool:
            for future in [pool.submit(create_one, n) for n in range(CONNECTIONS)]:
                try:
                    future.result()
                except Exception as error:  # keep the first few for the message
                    errors.append(str(error))
        duration = time.time() - started
        if errors:
            fail(f"{len(errors)} connections could not be created; first: {errors[0]}")
        self.created_at = time.time()
        self.summary["create"] = {"duration_s": round(duration, 2), "per_second": round(CONNECTIONS / duration, 1)}
        log(f"created {CONNECTIONS} connections in {duration:.1f} s ({CONNECTIONS / duration:.0f}/s)")
        connections = self.list_connections()
        if len(connections) != CONNECTIONS:
            fail(f"{len(connections)} connections listed, {CONNECTIONS} created")
        self.open_ids = {c["open_id"]: c["id"] for c in connections}
        self.created = {c["open_id"]: parse_time(c["created_at"]) for c in connections}
        if len(self.open_ids) != CONNECTIONS:
            fail(f"{len(self.open_ids)} distinct open_ids among {CONNECTIONS} connections")
