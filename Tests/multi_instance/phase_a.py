"""The phase A phase: three refresh cycles without faults, each connection on its own clock from its creation: by the
emulator's record of every refresh per open_id, each connection is refreshed once per cycle (each refresh at least
half a cycle after its previous token, at most a token lifetime after it), none failed and no rotated-out refresh
token was used."""

import time

from .harness import CONNECTIONS, CYCLE, LIFETIME, fail, log


class PhaseA:
    def phase_a(self):
        """Three refresh cycles of every connection, each connection on its own clock: its token is refreshed when
        its remaining life falls below the margin, so connection i's refreshes fall near created_i + k * CYCLE.
        Exactly one refresh per cycle means: three refreshes, each at least half a cycle after the previous one (a
        double refresh would come seconds apart) and at most a token lifetime after it (the token never lapsed)."""
        started = time.time()
        deadline = self.created_at + 3 * CYCLE + 180
        done_at = {}
        while True:
            counters = self.emulator("GET", "/counters")
            if counters["refresh_failures"]:
                fail(f"phase A: {counters['refresh_failures']} refreshes failed at the emulator")
            if counters["refresh_grace_uses"]:
                fail("phase A: a rotated-out refresh token was used (the grace is off, and nothing was killed)")
            times = self.refresh_times()
            now = time.time()
            behind = 0
            for open_id, created in self.created.items():
                refreshes = times.get(open_id, [])
                previous = created
                for at in refreshes[:3]:
                    if at - previous < CYCLE / 2:
                        fail(f"phase A: {open_id} was refreshed {at - previous:.1f} s after its previous token "
                             f"(cycle {CYCLE} s): a double refresh")
                    previous = at
                if len(refreshes) >= 3:
                    done_at.setdefault(open_id, now)
                else:
                    behind += 1
                    if now - previous > LIFETIME + 5:
                        fail(f"phase A: {open_id}'s token expired {now - previous - LIFETIME:.0f} s ago unrefreshed")
            if behind == 0:
                break
            if now > deadline:
                fail(f"phase A: {behind} connections had fewer than 3 refreshes {now - self.created_at:.0f} s after "
                     f"creation")
            time.sleep(2)
        gaps, lateness = [], []
        for open_id, created in self.created.items():
            refreshes = times[open_id][:3]
            points = [created] + refreshes
            for before, after in zip(points, points[1:]):
                gap = after - before
                gaps.append(gap)
                if gap > LIFETIME:
                    fail(f"phase A: {open_id} went {gap:.1f} s between tokens, longer than their {LIFETIME} s life")
                lateness.append(gap - CYCLE)
        gaps.sort()
        lateness.sort()
        duration = time.time() - started
        self.summary["phase_a"] = {
            "cycles": 3, "refreshes": counters["refreshes"], "refresh_failures": counters["refresh_failures"],
            "grace_uses": counters["refresh_grace_uses"],
            "gap_between_tokens_s": {"min": round(gaps[0], 2), "p50": round(gaps[len(gaps) // 2], 2),
                                     "p99": round(gaps[int(len(gaps) * 0.99)], 2), "max": round(gaps[-1], 2)},
            "refresh_after_due_s": {"p50": round(lateness[len(lateness) // 2], 2),
                                    "p99": round(lateness[int(len(lateness) * 0.99)], 2),
                                    "max": round(lateness[-1], 2)},
            "duration_after_creation_s": round(duration, 1),
            "refreshes_per_second": round(3 * CONNECTIONS / (max(done_at.values()) - self.creation_started), 1),
        }
        log(f"phase A passed: every connection refreshed 3 times, one per cycle (gaps {gaps[0]:.1f}–{gaps[-1]:.1f} s, "
            f"cycle {CYCLE} s, lifetime {LIFETIME} s), {counters['refreshes']} refreshes, none failed")
