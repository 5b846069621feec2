"""Runs the multi-instance test: `python3 -m multi_instance` with Tests/ on PYTHONPATH
(scripts/multi-instance-test.sh)."""

import atexit
import json
import os
import signal
import sys
import time

from .harness import (
    ARTIFACTS, CONNECTIONS, CYCLE, GRACE, INSTANCES, LEASE, LIFETIME, MARGIN, PROCESSES, REQUEST_TIMEOUT, Base, Failure,
    log)
from .setup import Setup
from .create import Create
from .phase_a import PhaseA
from .keys import Keys
from .chaos import Chaos
from .postgres_restart import PostgresRestart
from .verify import Verify


class Test(Base, Setup, Create, PhaseA, Keys, Chaos, PostgresRestart, Verify):
    def __init__(self):
        self.summary = {"connections": CONNECTIONS, "instances": INSTANCES,
                        "settings": {"access_token_lifetime_s": LIFETIME, "refresh_margin_s": MARGIN,
                                     "cycle_s": CYCLE, "lease_s": LEASE, "request_timeout_s": REQUEST_TIMEOUT,
                                     "grace_in_chaos_s": GRACE}}
        self.started = time.time()
        self.open_ids = {}      # open_id -> connection id
        self.instances = []

    def run(self):
        steps = [("setup", self.setup), ("create", self.create), ("phase_a", self.phase_a), ("keys", self.keys),
                 ("chaos", self.chaos),
                 ("postgres_restart", self.postgres_restart), ("verify", self.verify)]
        try:
            for name, step in steps:
                began = time.time()
                step()
                self.summary.setdefault("step_durations_s", {})[name] = round(time.time() - began, 1)
            self.summary["result"] = "passed"
        except BaseException as error:
            self.summary["result"] = "failed"
            self.summary["failure"] = str(error) if isinstance(error, Failure) else repr(error)
            self.diagnose()
            raise
        finally:
            self.summary["duration_s"] = round(time.time() - self.started, 1)
            os.makedirs(ARTIFACTS, exist_ok=True)
            with open(os.path.join(ARTIFACTS, "summary.json"), "w") as handle:
                json.dump(self.summary, handle, indent=2)
            print(json.dumps(self.summary, indent=2), flush=True)

def main():
    atexit.register(PROCESSES.cleanup)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda number, frame: sys.exit(128 + number))
    try:
        Test().run()
    except Failure as failure:
        log(f"FAILED: {failure}")
        log(f"logs and summary in {ARTIFACTS}")
        sys.exit(1)
    log(f"passed; summary in {os.path.join(ARTIFACTS, 'summary.json')}")


if __name__ == "__main__":
    main()
