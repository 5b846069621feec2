"""The chaos phase: with the emulator's refresh-token grace on, during further refresh cycles one instance at a time is
killed with SIGKILL (preferably while refreshes are running) and restarted, at least 10 times; then every connection
is refreshed again, none is lost or needs re-authorization, no refresh failed."""

import random
import time

from .harness import CONNECTIONS, CYCLE, GRACE, INSTANCES, KILLS, LEASE, fail, log, parse_time


class Chaos:
    def chaos(self):
        self.emulator("POST", "/config", {"refresh_token_grace": GRACE})
        before = self.emulator("GET", "/counters")
        started = time.time()
        load = self.start_load("chaos")
        kills = []
        last_refreshes = before["refreshes"]
        while len(kills) < KILLS:
            # Kill while refreshes are running, when possible: wait (a little) for the refresh counter to move.
            waited = time.time()
            while time.time() - waited < CYCLE:
                time.sleep(0.3)
                refreshes = self.emulator("GET", "/counters")["refreshes"]
                moving = refreshes > last_refreshes
                last_refreshes = refreshes
                if moving:
                    break
            victim = self.instances[len(kills) % INSTANCES]
            time.sleep(random.uniform(0, 0.5))
            killed_at = time.time()
            victim.kill()
            time.sleep(random.uniform(0.2, 1.0))
            victim.start()
            victim.wait_ready()
            kills.append({"instance": victim.index, "at_s": round(killed_at - started, 1),
                          "during_refreshes": moving, "back_after_s": round(time.time() - killed_at, 2)})
            log(f"chaos: killed serve-{victim.index} with SIGKILL ({len(kills)}/{KILLS}), back after "
                f"{kills[-1]['back_after_s']} s")
            time.sleep(random.uniform(1, 3))
        kills_done = time.time()
        # Every connection's stored tokens must now come from after the last kill: a connection whose refresh a
        # killed instance got from TikTok but never stored is refreshed again (with the previous refresh token,
        # within the grace) once the lease lapses. The database, not the emulator's counters, says what is stored.
        settle_deadline = kills_done + LEASE + 2 * CYCLE + 60
        while True:
            counters = self.emulator("GET", "/counters")
            if counters["refresh_failures"]:
                fail(f"chaos: {counters['refresh_failures']} refreshes failed at the emulator")
            connections = self.list_connections()
            stale = [c["id"] for c in connections
                     if c["status"] != "active" or not c.get("last_refreshed_at")
                     or parse_time(c["last_refreshed_at"]) < killed_at]
            if not stale and len(connections) == CONNECTIONS:
                break
            if time.time() > settle_deadline:
                fail(f"chaos: {len(stale)} connections still hold tokens from before the last kill "
                     f"{settle_deadline - kills_done:.0f} s after it (first: {stale[:3]})")
            time.sleep(5)
        settled_after = time.time() - kills_done
        load_summary = self.stop_load(load)
        self.check_all_active("chaos")
        refreshes = counters["refreshes"] - before["refreshes"]
        self.summary["chaos"] = {
            "kills": len(kills), "kills_during_refreshes": sum(1 for k in kills if k["during_refreshes"]),
            "kill_log": kills, "duration_s": round(time.time() - started, 1),
            "all_tokens_newer_than_last_kill_after_s": round(settled_after, 1),
            "refreshes": refreshes, "refresh_failures": counters["refresh_failures"],
            "grace_uses": counters["refresh_grace_uses"] - before["refresh_grace_uses"],
            "load": load_summary,
        }
        if "500" in load_summary["statuses"]:
            fail(f"chaos: the proxy answered 500 {load_summary['statuses']['500']} times"
                 + self.first_server_error(load_summary))
        log(f"chaos passed: {len(kills)} kills, {refreshes} refreshes, "
            f"{self.summary['chaos']['grace_uses']} grace uses, nothing lost")
