#!/usr/bin/env python3
"""Fills a breachclock SQLite file with other incidents' notices, for benchmarks of an incident's
reads beside a large history (migration 0010's indexes):

    scripts/seed-other-notices.py breachclock.sqlite 300000

adds COUNT notices, three to each of COUNT/3 closed incidents with empty facts. Run it on a file made
by `breachclock keys create --db FILE ...` and before `breachclock serve` opens it; never on a
database that holds real incidents.
"""
import sqlite3
import sys


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    path, count = sys.argv[1], int(sys.argv[2])
    db = sqlite3.connect(path)
    incidents = (count + 2) // 3
    db.executemany(
        "INSERT INTO incident (id, title, status, facts, revision, created_at, updated_at, closed_at) VALUES (?,?,?,?,?,?,?,?)",
        ((f"inc_seed{i}", "seed", "closed", "{}", 1, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
         for i in range(incidents)))
    db.executemany(
        "INSERT INTO notice (id, incident_id, obligation_id, sent_at, method, reference, recorded_at, recorded_by) VALUES (?,?,?,?,?,?,?,?)",
        ((f"ntc_seed{i}", f"inc_seed{i // 3}", "US-CA/individuals", "2026-03-19T16:00:00Z", "mail", None, "2026-03-19T16:00:00Z", "seed")
         for i in range(count)))
    db.commit()
    print(f"{incidents} closed incidents and {count} notices added to {path}")


if __name__ == "__main__":
    main()
