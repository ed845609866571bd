#!/usr/bin/env python3
"""Turn run.sh's raw results into one markdown table (stdout).

Usage: report.py RESULTS.jsonl MEMORY.jsonl PARAMETERS
  RESULTS.jsonl: one line per wrk run: {"scenario", "server", "run", "rps", "p50_us", "p99_us", ..}
  MEMORY.jsonl:  one line per server: {"server", "rss_kib", "hwm_kib"}
Each figure is the median over the runs, taken metric by metric.
"""
import json
import statistics
import sys

SCENARIOS = [
    ("get", "get by id"),
    ("list", "list 50 with total"),
    ("list_nototal", "list 50 without total"),
    ("filter", "filter + sort, list 50"),
    ("create", "create"),
]
SERVERS = [("pocketbase", "PocketBase"), ("sqlite", "Omnera SQLite"), ("postgres", "Omnera PostgreSQL")]
# The targets the figures are checked against (reported, not enforced).
TARGET_RATIO = 3.0
TARGET_GET_P99_MS = 10.0


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def medians(results):
    """{(scenario, server): {"rps", "p50", "p99"}} with latencies in ms."""
    grouped = {}
    for r in results:
        grouped.setdefault((r["scenario"], r["server"]), []).append(r)
    return {
        key: {
            "rps": statistics.median(r["rps"] for r in runs),
            "p50": statistics.median(r["p50_us"] for r in runs) / 1000,
            "p99": statistics.median(r["p99_us"] for r in runs) / 1000,
            "cpu": statistics.median(r["cpu_us_per_req"] for r in runs),
        }
        for key, runs in grouped.items()
    }


def ms(value):
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def table(figures, servers):
    peer = "pocketbase" in servers
    header, rule = ["scenario"], ["---"]
    for key, name in SERVERS:
        if key not in servers:
            continue
        header += [f"{name} req/s", "p50 ms", "p99 ms"]
        rule += ["---:"] * 3
        if key == "sqlite" and peer:
            header.append("ratio")
            rule.append("---:")
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|"]
    for scenario, label in SCENARIOS:
        row = [label]
        for key, _ in SERVERS:
            if key not in servers:
                continue
            f = figures.get((scenario, key))
            row += [f"{f['rps']:,.0f}", ms(f["p50"]), ms(f["p99"])] if f else ["-"] * 3
            if key == "sqlite" and peer:
                p = figures.get((scenario, "pocketbase"))
                row.append(f"{f['rps'] / p['rps']:.2f}x" if f and p else "-")
        lines.append("| " + " | ".join(row) + " |")
    return lines


def cpu_table(figures, servers):
    """Server CPU time per request: what each server costs, whatever share of the cores it got."""
    peer = "pocketbase" in servers
    present = [(key, name) for key, name in SERVERS if key in servers]
    header = ["scenario"] + [name for _, name in present] + (["Omnera SQLite / PocketBase"] if peer else [])
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    for scenario, label in SCENARIOS:
        row = [label]
        for key, _ in present:
            f = figures.get((scenario, key))
            row.append(f"{f['cpu']:.0f}" if f else "-")
        if peer:
            f, p = figures.get((scenario, "sqlite")), figures.get((scenario, "pocketbase"))
            row.append(f"{f['cpu'] / p['cpu']:.2f}x" if f and p and p["cpu"] else "-")
        lines.append("| " + " | ".join(row) + " |")
    return lines


def memory_lines(memory):
    names = dict(SERVERS)
    return [
        f"- {names[m['server']]}: RSS {m['rss_kib'] / 1024:.1f} MiB, peak (VmHWM) {m['hwm_kib'] / 1024:.1f} MiB"
        for m in memory
    ]


def checks(figures, memory, servers):
    """Where Omnera misses the targets: 3x the peer's req/s, get p99 < 10 ms, half the peer's RSS."""
    misses = []
    for scenario, label in SCENARIOS:
        for key, name in SERVERS[1:]:
            f = figures.get((scenario, key))
            p = figures.get((scenario, "pocketbase"))
            if f and p and key == "sqlite" and f["rps"] < TARGET_RATIO * p["rps"]:
                misses.append(f"{name} {label}: {f['rps'] / p['rps']:.2f}x PocketBase (target {TARGET_RATIO:.0f}x)")
            if f and scenario == "get" and f["p99"] >= TARGET_GET_P99_MS:
                misses.append(f"{name} get by id p99 {ms(f['p99'])} ms (target < {TARGET_GET_P99_MS:.0f} ms)")
    rss = {m["server"]: m["rss_kib"] for m in memory}
    for key, name in SERVERS[1:]:
        if key in rss and "pocketbase" in rss and rss[key] > rss["pocketbase"] / 2:
            misses.append(f"{name} RSS {rss[key] / 1024:.1f} MiB > half of PocketBase's {rss['pocketbase'] / 1024:.1f} MiB")
    return [f"- {m}" for m in misses] or ["- none"]


def main():
    results, memory, parameters = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3]
    servers = {r["server"] for r in results}
    figures = medians(results)
    out = [f"Load benchmark: {parameters}", ""]
    out += table(figures, servers)
    out += ["", "Server CPU time per request, µs (user + system of the server process; for Omnera PostgreSQL"
            " the database's own processes are not counted):", ""]
    out += cpu_table(figures, servers)
    out += ["", "Memory after the runs (server process only; PostgreSQL's own processes not counted):"]
    out += memory_lines(memory)
    out += ["", "Targets missed (Omnera SQLite >= 3x PocketBase req/s, get-by-id p99 < 10 ms, RSS <= half of PocketBase's):"]
    out += checks(figures, memory, servers)
    print("\n".join(out))


if __name__ == "__main__":
    main()
