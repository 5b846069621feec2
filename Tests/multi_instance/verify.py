"""The verify phase: every connection works: a proxied /business/get/ call for each of the 10,000 succeeds."""

import time

from .harness import fail, log


class Verify:
    def verify(self):
        started = time.time()
        items = list(self.open_ids.items())
        failures, latencies, _ = self.proxied_calls(items)
        duration = time.time() - started
        counters = self.emulator("GET", "/counters")
        self.summary["verify"] = {"calls": len(items), "failures": len(failures), "duration_s": round(duration, 1),
                                  "per_second": round(len(items) / duration, 1),
                                  "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
                                  "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
                                  "max_ms": round(latencies[-1] * 1000, 1)}
        if failures:
            fail(f"verify: {len(failures)} of {len(items)} proxied calls failed; first: {failures[0]}")
        self.check_all_active("verify")
        self.summary["totals"] = {"refreshes": counters["refreshes"], "refresh_failures": counters["refresh_failures"],
                                  "grace_uses": counters["refresh_grace_uses"],
                                  "serve_starts": sum(i.starts for i in self.instances)}
        if counters["refresh_failures"]:
            fail(f"verify: {counters['refresh_failures']} refreshes failed at the emulator")
        log(f"verify passed: {len(items)} proxied calls in {duration:.1f} s")
