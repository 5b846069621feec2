"""The keys phase: under the same refresh load (each run started as many connections fall due) and request load,
`tiktok-business keys rotate --json` twice in a row: each exits 0, retires the previous key and keeps none, leaves
exactly the new key in the key file and no token sealed with another key in the database; then every instance is
restarted, one at a time (SIGTERM, exit 0, start: none refuses its key ring); no refresh failed, no rotated-out
token was used, no token went unrefreshed past its lifetime, every connection is active, and proxied calls on 300 of
them work on the restarted instances (which hold only the new key)."""

import json
import os
import random
import subprocess
import threading
import time

from .harness import (
    ARTIFACTS, BINARY, CONNECTIONS, Failure, INSTANCES, KEY_CHECK_CALLS, KEY_RELOAD, LEASE, LIFETIME, fail, log)


class Keys:
    def rotate_keys(self, number):
        """`tiktok-business keys rotate --json` with the instances' environment: its report, how long it took, and
        when (seconds after its start) it began re-sealing, i.e. when every instance had adopted the new key."""
        log_path = os.path.join(ARTIFACTS, "keys-rotate.log")
        started = time.time()
        # The instances' environment, but a longer wait for a database connection: the instances' 1 s (for quick
        # 503s while PostgreSQL is down) can be shorter than a one-shot process's first connection on a loaded machine.
        env = dict(self.env, TIKTOK_BUSINESS_DATABASE_WAIT_TIMEOUT_SECONDS="15")
        process = subprocess.Popen([BINARY, "keys", "rotate", "--json"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        lines = []

        def read_stderr():
            for line in process.stderr:
                lines.append((time.time() - started, line.rstrip("\n")))

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        try:
            output = process.stdout.read()
            code = process.wait(timeout=300)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            fail(f"keys: rotation {number} did not finish within 300 s; see {log_path}")
        finally:
            reader.join(timeout=10)
            with open(log_path, "a") as handle:
                handle.write(f"==== {time.strftime('%H:%M:%S', time.localtime(started))} rotation {number}: "
                             f"exit {process.returncode}\n")
                handle.writelines(f"[+{at:6.2f} s] {line}\n" for at, line in lines)
                handle.write(f"stdout: {output}\n")
        duration = time.time() - started
        if code != 0:
            last = lines[-1][1] if lines else "(no output)"
            fail(f"keys: rotation {number} exited with {code}: {last} (see {log_path})")
        try:
            report = json.loads(output)
        except ValueError:
            fail(f"keys: rotation {number} printed no JSON report: {output[:300]!r} (see {log_path})")
        resealing = next((at for at, line in lines if line.startswith("Re-encrypting")), None)
        return report, duration, resealing

    def keys(self):
        """Two key rotations under the refresh load of the three instances, then a restart of every instance, which
        then holds only the newest key."""
        before = self.emulator("GET", "/counters")
        started = time.time()
        load = self.start_load("keys")
        rotations = []
        for number in (1, 2):
            previous = self.key_file_ids()
            if len(previous) != 1:
                fail(f"keys: the key file holds {previous} before rotation {number}, not one key")
            waited = self.await_refreshes()
            refreshes_before = self.emulator("GET", "/counters")["refreshes"]
            report, duration, resealing_after = self.rotate_keys(number)
            refreshes_during = self.emulator("GET", "/counters")["refreshes"] - refreshes_before
            current = report["current_key_id"]
            if current in previous:
                fail(f"keys: rotation {number} reports current key {current}, which the key file already had "
                     f"({previous})")
            if report["kept_keys"]:
                fail(f"keys: rotation {number} kept keys: "
                     + "; ".join(f"{k['id']}: {k['reason']}" for k in report["kept_keys"]))
            if sorted(report["retired_key_ids"]) != sorted(previous):
                fail(f"keys: rotation {number} retired {report['retired_key_ids']}, not the previous key {previous}")
            in_file = self.key_file_ids()
            if in_file != [current]:
                fail(f"keys: after rotation {number} the key file holds {in_file}, not just the new key {current}")
            sealed = self.sealed_counts()
            stale = {f"{k}/{r}": n for (k, r), n in sealed.items() if (k, r) != (current, current)}
            if stale:
                fail(f"keys: after rotation {number} the database holds tokens sealed with other keys than {current} "
                     f"(access key/refresh key: connections): {stale}")
            if sealed.get((current, current), 0) != CONNECTIONS:
                fail(f"keys: after rotation {number}, {sealed.get((current, current), 0)} of {CONNECTIONS} "
                     f"connections hold tokens sealed with {current}")
            not_adopted = {i: k for i, (k, _) in self.reported_instances().items() if k != current}
            if not_adopted:
                fail(f"keys: after rotation {number} instances still seal with other keys: {not_adopted}")
            rotations.append({"key_id": current, "previous_key_ids": previous, "duration_s": round(duration, 2),
                              "instances_adopted_after_s": round(resealing_after, 2) if resealing_after else None,
                              "resealed": report["resealed"], "retired_key_ids": report["retired_key_ids"],
                              "refreshes_during": refreshes_during, "waited_for_refreshes_s": round(waited, 1)})
            log(f"keys: rotation {number} to {current} in {duration:.1f} s (instances sealing with it after "
                f"{resealing_after or 0:.1f} s), {report['resealed']} connections re-sealed, {refreshes_during} "
                f"refreshes meanwhile, retired {', '.join(report['retired_key_ids'])}")
        current = rotations[-1]["key_id"]

        # Restart every instance, one at a time (the others keep refreshing and answering): a fresh start reads only
        # the key file's one key and refuses to start if the database holds a token sealed with another.
        restarts = []
        for instance in self.instances:
            began = time.time()
            pid = instance.process.pid
            instance.stop()
            stopped = time.time()
            # Leases the stopped instance left behind (its id is host-pid-random): their connections wait for the
            # lease to lapse before another instance refreshes them.
            leased = self.sql("SELECT id, round((lease_until - extract(epoch FROM now()))::numeric, 1), "
                              "round((next_action_at - extract(epoch FROM now()))::numeric, 1) "
                              "FROM tiktok_business_connections WHERE lease_until > extract(epoch FROM now()) "
                              f"AND lease_owner LIKE '%-{pid}-%' ORDER BY lease_until")
            left = (len(leased), float(leased[-1][1]) if leased else 0.0)
            instance.start()
            try:
                instance.wait_ready()
            except Failure as failure:
                with open(instance.log_path, errors="replace") as handle:
                    last = [line.strip() for line in handle.readlines()[-20:] if "not in" in line or "error" in line]
                fail(f"keys: serve-{instance.index} did not start again after the rotations: {failure}"
                     + (f" ({last[-1][:400]})" if last else ""))
            restarts.append({"instance": instance.index, "stop_s": round(stopped - began, 2),
                             "start_s": round(time.time() - stopped, 2), "leases_left": left[0],
                             "leases_left_lapse_in_s": round(left[1], 1),
                             "leases_left_first": [{"connection": row[0], "lease_lapses_in_s": float(row[1]),
                                                    "was_due_s_ago": -float(row[2]) if row[2] else None}
                                                   for row in leased[:3]]})
            log(f"keys: restarted serve-{instance.index} (exit 0 after SIGTERM in {stopped - began:.1f} s, ready "
                f"{time.time() - stopped:.1f} s after its start, {left[0]} leases left behind)")
        deadline = time.time() + 3 * KEY_RELOAD + 5
        while True:
            reported = self.reported_instances()
            if len(reported) == INSTANCES and all(v == (current, [current]) for v in reported.values()):
                break
            if time.time() > deadline:
                fail(f"keys: the restarted instances report (sealing key, key ids) {reported}, expected "
                     f"{INSTANCES} instances with only {current}")
            time.sleep(0.5)

        # Access tokens opened by the restarted instances, which know only the newest key.
        sample = random.sample(list(self.open_ids.items()), min(CONNECTIONS, KEY_CHECK_CALLS))
        calls_started = time.time()
        failures, latencies, slow = self.proxied_calls(sample)
        calls_duration = time.time() - calls_started
        load_summary = self.stop_load(load)
        after = self.emulator("GET", "/counters")
        # No token lapsed during the phase: by the emulator's record, every connection got a new token within a
        # token lifetime of the previous one (as in phase A), including across the restarts.
        times = self.refresh_times()
        now = time.time()
        gaps, lapses = [], []
        for open_id, created in self.created.items():
            points = [created] + times.get(open_id, [])
            for before_at, after_at in zip(points, points[1:]):
                if after_at > started:
                    gaps.append(after_at - before_at)
                    if after_at - before_at > LIFETIME:
                        lapses.append((after_at - before_at, open_id, before_at))
            if now - points[-1] > LIFETIME + 5:     # the current token, with 5 s of slack as in phase A
                lapses.append((now - points[-1], open_id, points[-1]))
        lapses.sort(reverse=True)
        sealed = self.sealed_counts()
        self.summary["keys"] = {
            "rotations": rotations, "restarts": restarts,
            "proxied_calls": {"calls": len(sample), "failures": len(failures), "duration_s": round(calls_duration, 1),
                              "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
                              "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1) if latencies else None,
                              "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
                              "slower_than_5_s": slow},
            "longest_gap_between_tokens_s": round(max(gaps), 1) if gaps else None,
            "lapsed_tokens": len(lapses),
            "duration_s": round(time.time() - started, 1),
            "refreshes": after["refreshes"] - before["refreshes"], "refresh_failures": after["refresh_failures"],
            "grace_uses": after["refresh_grace_uses"] - before["refresh_grace_uses"],
            "load": load_summary,
        }
        if failures:
            fail(f"keys: {len(failures)} of {len(sample)} proxied calls failed after the restart; first: {failures[0]}")
        if after["refresh_failures"]:
            fail(f"keys: {after['refresh_failures']} refreshes failed at the emulator")
        if after["refresh_grace_uses"] - before["refresh_grace_uses"]:
            fail("keys: a rotated-out refresh token was used (the grace is off, and nothing was killed)")
        if lapses:
            gap, open_id, since = lapses[0]
            left = {f"serve-{r['instance']}": r["leases_left"] for r in restarts if r["leases_left"]}
            fail(f"keys: {len(lapses)} connections went longer than their {LIFETIME} s token life without a new token "
                 f"(worst: {open_id}, {gap:.1f} s from {time.strftime('%H:%M:%S', time.localtime(since))})"
                 + (f"; the instances stopped with SIGTERM left leases behind ({left}), which hold off every other "
                    f"instance's refresh of those connections for up to {LEASE} s" if left else ""))
        self.check_all_active("keys")
        if list(sealed) != [(current, current)]:
            fail(f"keys: at the end of the phase tokens are sealed with {sealed}, not only with {current}")
        if "500" in load_summary["statuses"]:
            fail(f"keys: the proxy answered 500 {load_summary['statuses']['500']} times"
                 + self.first_server_error(load_summary))
        log(f"keys passed: 2 rotations ({', '.join(str(r['duration_s']) for r in rotations)} s, "
            f"{' + '.join(str(r['resealed']) for r in rotations)} re-sealed), every instance restarted with key "
            f"{current} only, {len(sample)} proxied calls in {calls_duration:.1f} s, "
            f"{self.summary['keys']['refreshes']} refreshes, none failed, no token lapsed")
