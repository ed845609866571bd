#!/usr/bin/env python3
"""Seed Omnera's `items` table with the same N records as the peer's setup.py.

Usage: seed.py PORT N SAMPLE_ID_FILE   (Omnera listening on 127.0.0.1:PORT)

Same generator as shared/bench/pocketbase/setup.py (random.seed(42), same order of draws), so
both servers hold the same data. Records go in 500 per request (a JSON array body creates many,
all or nothing) because seeding is not what is measured. The id of record N // 2 is written to
SAMPLE_ID_FILE, as setup.py does, for the get-by-id scenario.
"""
import http.client
import json
import random
import sys
import time

BATCH = 500


def records(n):
    random.seed(42)
    for i in range(n):
        yield {
            "title": f"Item {i:05d} " + random.choice(["alpha", "beta", "gamma", "delta"]),
            "price": round(random.uniform(0, 1000), 2),
            "active": random.random() < 0.5,
            "status": random.choice(["draft", "published", "archived"]),
        }


def post_many(conn, items):
    conn.request("POST", "/api/tables/items/records", body=json.dumps(items),
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    if response.status != 201:
        raise SystemExit(f"seeding: POST -> {response.status}: {data[:500]!r}")
    return [record["id"] for record in json.loads(data)["data"]]


def main():
    port, n, sample_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    conn = http.client.HTTPConnection("127.0.0.1", port)
    started = time.time()
    ids, batch = [], []
    for record in records(n):
        batch.append(record)
        if len(batch) == BATCH:
            ids += post_many(conn, batch)
            batch = []
    if batch:
        ids += post_many(conn, batch)
    with open(sample_file, "w") as f:
        f.write(str(ids[n // 2]))
    print(f"seeded {n} records in {time.time() - started:.1f}s, sample id {ids[n // 2]}")


if __name__ == "__main__":
    main()
