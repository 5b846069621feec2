"""The setup phase: its own PostgreSQL cluster (scripts/postgres.sh), the emulator (short access-token lifetime,
refresh-token rotation on, no grace), three serve instances sharing the database, the public URL and one key file
(TIKTOK_BUSINESS_KEY_FILE, re-read every 2 s), which the instances, started together, generate."""

import os
import subprocess
import urllib.parse

from .harness import (
    API_KEY, APP_ID, APP_SECRET, ARTIFACTS, BINARY, HTTP, INSTANCES, Instance, KEY_RELOAD, LEASE, LIFETIME,
    MARGIN, PROCESSES, REQUEST_TIMEOUT, ROOT, emulator_app_env, fail, free_port, log, wait_until)


class Setup:
    def setup(self):
        os.makedirs(ARTIFACTS, exist_ok=True)
        for name in os.listdir(ARTIFACTS):
            if name.endswith(".log") or name == "summary.json" or name.startswith("keys"):
                os.remove(os.path.join(ARTIFACTS, name))
        if not os.access(BINARY, os.X_OK):
            fail(f"no executable at {BINARY}; build with `swift build --product tiktok-business`")
        pg_dir = os.path.join(ARTIFACTS, "postgres")
        subprocess.run(["rm", "-rf", pg_dir], check=True)
        PROCESSES.pg_dir = pg_dir
        result = subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh"), "start", pg_dir],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if result.returncode != 0:
            fail(f"PostgreSQL did not start: {result.stderr.strip()}")
        self.database_url = result.stdout.strip()
        self.pg_port = int(urllib.parse.urlsplit(self.database_url).port)
        log(f"PostgreSQL at {self.database_url}")

        emulator_port = free_port()
        self.emulator_base = f"http://127.0.0.1:{emulator_port}"
        ports = [free_port() for _ in range(INSTANCES)]
        # Behind a load balancer every instance has the same public URL (the redirect URI's base): the first one's.
        public_url = f"http://127.0.0.1:{ports[0]}"
        self.redirect_uri = f"{public_url}/oauth/callback/tiktok_account"
        emulator_args = [BINARY, "emulator", "--port", str(emulator_port), "--app-id", APP_ID, "--secret", APP_SECRET,
                         "--redirect-uri", self.redirect_uri, "--access-token-lifetime", str(LIFETIME),
                         "--rotate-refresh-tokens", "--refresh-token-grace", "0", "--seed", "6",
                         "--log-level", "warning"]
        self.emulator_process = PROCESSES.start("emulator", emulator_args, dict(os.environ),
                                                os.path.join(ARTIFACTS, "emulator.log"))
        wait_until("the emulator", lambda: HTTP.request("GET", self.emulator_base + "/_emulator/clock")[0] == 200, 60)

        # One key file for every instance and the CLI (as on a shared volume); it does not exist yet, so the
        # instances, which start together, generate it (one of them wins; the others read its key).
        self.key_file = os.path.join(ARTIFACTS, "keys")
        env = emulator_app_env(self.emulator_base, APP_ID, APP_SECRET)
        env.update({
            "TIKTOK_BUSINESS_DATABASE_URL": self.database_url,
            "TIKTOK_BUSINESS_KEY_FILE": self.key_file,
            "TIKTOK_BUSINESS_KEY_RELOAD_SECONDS": str(KEY_RELOAD),
            "TIKTOK_BUSINESS_API_KEY": API_KEY,
            "TIKTOK_BUSINESS_PUBLIC_URL": public_url,
            "TIKTOK_BUSINESS_HOST": "127.0.0.1",
            "TIKTOK_RATE_LIMIT_QPS": "100000",
            # Thousands of authorizations come from this one address: the per-client limit of the public routes is off.
            "TIKTOK_BUSINESS_RATE_LIMIT_PER_MINUTE": "0",
            "TIKTOK_REQUEST_TIMEOUT_SECONDS": str(REQUEST_TIMEOUT),
            "TIKTOK_BUSINESS_REFRESH_MARGIN_SECONDS": str(MARGIN),
            "TIKTOK_BUSINESS_REFRESH_LEASE_SECONDS": str(LEASE),
            "TIKTOK_BUSINESS_DATABASE_MAX_CONNECTIONS": "20",
            "TIKTOK_BUSINESS_DATABASE_WAIT_TIMEOUT_SECONDS": "1",
            "TIKTOK_BUSINESS_DATABASE_CONNECT_TIMEOUT_SECONDS": "2",
            "LOG_LEVEL": "notice",
        })
        self.env = env      # the instances' environment, for the CLI
        for index, port in enumerate(ports):
            instance = Instance(index, env)
            instance.port = port
            instance.base = f"http://127.0.0.1:{port}"
            instance.env["TIKTOK_BUSINESS_PORT"] = str(port)
            self.instances.append(instance)
        for instance in self.instances:       # all at once: migrations must be safe when instances start together
            instance.start()
        for instance in self.instances:
            instance.wait_ready()
        key_ids = self.key_file_ids()
        if len(key_ids) != 1:
            fail(f"setup: the generated key file {self.key_file} holds keys {key_ids}, not one")
        self.summary["settings"]["initial_key_id"] = key_ids[0]
        log(f"emulator at {self.emulator_base}, instances at {', '.join(i.base for i in self.instances)}, "
            f"key {key_ids[0]} generated in {self.key_file}")
