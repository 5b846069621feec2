"""Multi-instance test: three `tiktok-business serve` processes on one PostgreSQL, one emulator, 10,000 connections.

Python 3 standard library only. Run through scripts/multi-instance-test.sh (which builds the executable), that is
`python3 -m multi_instance` with Tests/ on PYTHONPATH. harness.py holds what every phase uses; each phase below is a
module of its own (setup, create, phase_a, keys, chaos, postgres_restart, verify), composed in __main__.py.

Phases (each fails loudly, with a non-zero exit and a clear message):
  setup     its own PostgreSQL cluster (scripts/postgres.sh), the emulator (short access-token lifetime, refresh-token
            rotation on, no grace), three serve instances sharing the database, the public URL and one key file
            (TIKTOK_BUSINESS_KEY_FILE, re-read every 2 s), which the instances, started together, generate;
  create    10,000 tiktok_account connections, each through a shareable link of one instance, a code minted at the
            emulator for a distinct user, and the callback on another instance;
  phase A   three refresh cycles without faults, each connection on its own clock from its creation: by the
            emulator's record of every refresh per open_id, each connection is refreshed once per cycle (each refresh
            at least half a cycle after its previous token, at most a token lifetime after it), none failed and no
            rotated-out refresh token was used;
  keys      under the same refresh load (each run started as many connections fall due) and request load,
            `tiktok-business keys rotate --json` twice in a row: each exits 0, retires the previous key and keeps
            none, leaves exactly the new key in the key file and no token sealed with another key in the database;
            then every instance is restarted, one at a time (SIGTERM, exit 0, start: none refuses its key ring); no
            refresh failed, no rotated-out token was used, no token went unrefreshed past its lifetime, every
            connection is active, and proxied calls on 300 of them work on the restarted instances (which hold only
            the new key);
  chaos     with the emulator's refresh-token grace on, during further refresh cycles one instance at a time is killed
            with SIGKILL (preferably while refreshes are running) and restarted, at least 10 times; then every
            connection is refreshed again, none is lost or needs re-authorization, no refresh failed;
  postgres  the grace is off again; under request load and running refreshes PostgreSQL is stopped and started:
            /v1 requests answer 503 quickly meanwhile, every instance's /readyz is 200 within 5 s of the database
            accepting connections, nothing is lost;
  verify    every connection works: a proxied /business/get/ call for each of the 10,000 succeeds.

The measurements go to $TIKTOK_BUSINESS_TEST_ARTIFACTS/multi-instance/summary.json (default artifacts/), with the
processes' logs beside it (and the key file, and `keys rotate`'s progress in keys-rotate.log). Every process and
the cluster are stopped on any exit.

Environment (all optional): TIKTOK_BUSINESS_BINARY (default: .build/debug/tiktok-business), MI_CONNECTIONS (10000),
MI_ACCESS_TOKEN_LIFETIME (seconds), MI_REFRESH_MARGIN, MI_KILLS (12), MI_THREADS (24).
"""
