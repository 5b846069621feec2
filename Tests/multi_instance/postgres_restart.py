"""The postgres phase: the grace is off again; under request load and running refreshes PostgreSQL is stopped and
started: /v1 requests answer 503 quickly meanwhile, every instance's /readyz is 200 within 5 s of the database
accepting connections, nothing is lost."""

import os
import random
import subprocess
import time

from .harness import HTTP, INSTANCES, PROCESSES, ROOT, auth, fail, log


class PostgresRestart:
    def postgres_restart(self):
        self.emulator("POST", "/config", {"refresh_token_grace": 0})
        before = self.emulator("GET", "/counters")
        load = self.start_load("postgres")
        time.sleep(3)
        postgres = os.path.join(ROOT, "scripts", "postgres.sh")
        stopped_at = time.time()
        subprocess.run([postgres, "pause", PROCESSES.pg_dir], check=True, stdout=subprocess.DEVNULL)
        down_at = time.time()
        log(f"postgres: stopped (took {down_at - stopped_at:.1f} s)")
        # While it is down: /v1 requests must fail fast with 503, and /readyz must say so.
        probes = []
        ids = list(self.open_ids.values())
        while time.time() - down_at < 5:
            instance = random.choice(self.instances)
            began = time.time()
            status, body = HTTP.request("GET", f"{instance.base}/v1/connections/{random.choice(ids)}",
                                        headers=auth(), timeout=30)
            probes.append((status, time.time() - began))
            ready = HTTP.request("GET", f"{instance.base}/readyz", timeout=30)[0]
            if ready != 503:
                fail(f"postgres: /readyz answered {ready} while the database was down")
        statuses = {}
        for status, _ in probes:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        latencies = sorted(latency for _, latency in probes)
        if any(status != 503 for status, _ in probes):
            fail(f"postgres: /v1 requests answered {statuses} while the database was down (expected only 503)")
        if latencies[-1] > 3:
            fail(f"postgres: a 503 took {latencies[-1]:.1f} s while the database was down")
        subprocess.run([postgres, "resume", PROCESSES.pg_dir], check=True, stdout=subprocess.DEVNULL)
        accepting_at = time.time()
        log(f"postgres: accepting connections again after {accepting_at - down_at:.1f} s down")
        recovered = {}
        while len(recovered) < INSTANCES and time.time() - accepting_at < 30:
            for instance in self.instances:
                if instance.index not in recovered:
                    if HTTP.request("GET", f"{instance.base}/readyz", timeout=10)[0] == 200:
                        recovered[instance.index] = time.time() - accepting_at
            time.sleep(0.05)
        if len(recovered) < INSTANCES:
            fail(f"postgres: instances {sorted(set(range(INSTANCES)) - set(recovered))} not ready 30 s after the "
                 f"database came back")
        worst = max(recovered.values())
        time.sleep(3)
        load_summary = self.stop_load(load)
        after = self.emulator("GET", "/counters")
        self.summary["postgres_restart"] = {
            "down_s": round(accepting_at - down_at, 2),
            "probes_while_down": len(probes), "probe_statuses": statuses,
            "503_latency_ms": {"p50": round(latencies[len(latencies) // 2] * 1000, 1),
                               "max": round(latencies[-1] * 1000, 1)},
            "readyz_recovery_s": {str(k): round(v, 2) for k, v in sorted(recovered.items())},
            "readyz_recovery_max_s": round(worst, 2),
            "refreshes_during_phase": after["refreshes"] - before["refreshes"],
            "refresh_failures": after["refresh_failures"],
            "load": load_summary,
        }
        if worst > 5:
            fail(f"postgres: /readyz took {worst:.1f} s to recover after the database came back (limit 5 s)")
        if after["refresh_failures"]:
            fail(f"postgres: {after['refresh_failures']} refreshes failed at the emulator")
        if "500" in load_summary["statuses"]:
            fail(f"postgres: the proxy answered 500 {load_summary['statuses']['500']} times"
                 + self.first_server_error(load_summary))
        self.check_all_active("postgres")
        log(f"postgres passed: 503s in {latencies[len(latencies) // 2] * 1000:.0f} ms (p50) while down, "
            f"/readyz back within {worst:.2f} s")
