#!/usr/bin/env python3
"""Turns the rows bench/lib/netns-run.sh wrote into the table bench/run.sh prints, and keeps them.

Usage: report.py RESULTS.tsv RESULTS_DIR STAMP

Prints one table per scenario (median over repeats) with each peer's throughput as a ratio to
Postfix's, then Herald against Postfix and smtp-sink in one line. Writes STAMP.tsv (the raw rows
with a header), STAMP.json (machine, versions, parameters, rows, summary) and STAMP.txt (the table)
into RESULTS_DIR. The parameters come from the BENCH_* variables run.sh exports.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import datetime, timezone

COLUMNS = ["scenario", "repeat", "peer", "sessions", "messages", "size", "reuse", "accept_s", "deliver_s", "status"]
ANCHOR = "postfix"
SINK = "smtp-sink"
DESCRIPTIONS = {
    "small": "many small messages, a new connection per message",
    "large": "fewer large messages, several per connection",
    "serial": "one session, one message after another (latency)",
}


def command_output(*argv: str) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine(work: str) -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "kernel": platform.release(),
        "cpu": cpu,
        "memory_bytes": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"),
        # Every peer fsyncs: the file system under the work directory matters as much as the CPU.
        "filesystem": " ".join(command_output("findmnt", "-n", "-o", "FSTYPE,OPTIONS", "-T", work).split()),
    }


def versions(repo: str) -> dict:
    return {
        "herald_commit": command_output("git", "-C", repo, "rev-parse", "--short", "HEAD"),
        "dotnet": command_output("dotnet", "--version"),
        "postfix": command_output("postconf", "-h", "mail_version"),
        "python": platform.python_version(),
        "aiosmtpd": command_output("/usr/bin/python3", "-c", "import aiosmtpd; print(aiosmtpd.__version__)"),
    }


def read_rows(path: str) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as tsv:
        for line in tsv:
            values = line.rstrip("\n").split("\t")
            row = dict(zip(COLUMNS, values))
            for key in ("repeat", "sessions", "messages", "size"):
                row[key] = int(row[key])
            for key in ("accept_s", "deliver_s"):
                row[key] = float(row[key]) if row[key] else None
            row["reuse"] = row["reuse"] == "yes"
            rows.append(row)
    return rows


def median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values: list) -> list | None:
    values = [v for v in values if v is not None]
    return [min(values), max(values)] if values else None


def summarize(rows: list[dict]) -> list[dict]:
    """One entry per scenario and peer: median seconds over its good repeats, rates and ratios."""
    summary = []
    for scenario in dict.fromkeys(r["scenario"] for r in rows):
        runs = [r for r in rows if r["scenario"] == scenario]
        entries = []
        for peer in dict.fromkeys(r["peer"] for r in runs):
            mine = [r for r in runs if r["peer"] == peer]
            good = [r for r in mine if r["status"] == "ok"]
            messages = mine[0]["messages"]
            accept = median([r["accept_s"] for r in good])
            deliver = median([r["deliver_s"] for r in good])
            entries.append({
                "scenario": scenario,
                "peer": peer,
                "sessions": mine[0]["sessions"],
                "messages": messages,
                "size": mine[0]["size"],
                "reuse": mine[0]["reuse"],
                "runs": len(mine),
                "good_runs": len(good),
                "failures": [r["status"] for r in mine if r["status"] != "ok"],
                # The spread shows how noisy the machine was; the table shows medians only.
                "accept_s_range": spread([r["accept_s"] for r in good]),
                "deliver_s_range": spread([r["deliver_s"] for r in good]),
                "accept_s": accept,
                "accept_per_s": messages / accept if accept else None,
                "accept_ms_per_message": 1000 * accept / messages if accept else None,
                "deliver_s": deliver,
                "deliver_per_s": messages / deliver if deliver else None,
            })
        anchor = next((e for e in entries if e["peer"] == ANCHOR), None)
        for entry in entries:
            for kind in ("accept", "deliver"):
                mine, theirs = entry[f"{kind}_per_s"], anchor and anchor[f"{kind}_per_s"]
                entry[f"{kind}_vs_postfix"] = mine / theirs if mine and theirs else None
        summary.extend(entries)
    return summary


def fmt(value: float | None, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def table(summary: list[dict]) -> str:
    lines = []
    header = ("peer", "msgs", "accept s", "msg/s", "ms/msg", "deliver s", "msg/s", "accept/Postfix", "deliver/Postfix")
    layout = "{:<10} {:>6} {:>9} {:>8} {:>7} {:>10} {:>8} {:>15} {:>16}"
    for scenario in dict.fromkeys(e["scenario"] for e in summary):
        entries = [e for e in summary if e["scenario"] == scenario]
        first = entries[0]
        lines.append(f"{scenario}: {DESCRIPTIONS.get(scenario, '')}; {first['messages']} messages of "
                     f"{first['size']} octets over {first['sessions']} session(s), median of {first['runs']} run(s)")
        lines.append(layout.format(*header))
        for e in entries:
            lines.append(layout.format(
                e["peer"], e["messages"], fmt(e["accept_s"], ".2f"), fmt(e["accept_per_s"], ".0f"),
                fmt(e["accept_ms_per_message"], ".2f"), fmt(e["deliver_s"], ".2f"), fmt(e["deliver_per_s"], ".0f"),
                fmt(e["accept_vs_postfix"], ".2f"), fmt(e["deliver_vs_postfix"], ".2f")))
            if e["failures"]:
                lines.append(f"  {e['peer']}: {len(e['failures'])} failed run(s): {'; '.join(e['failures'])}")
        herald = next((e for e in entries if e["peer"] == "herald"), None)
        sink = next((e for e in entries if e["peer"] == SINK), None)
        verdict = []
        if herald and herald["accept_vs_postfix"] is not None:
            verdict.append(f"Herald/Postfix accepted {herald['accept_vs_postfix']:.2f}x, "
                           f"delivered {fmt(herald['deliver_vs_postfix'], '.2f')}x")
        if herald and sink and herald["accept_per_s"] and sink["accept_per_s"]:
            verdict.append(f"Herald/smtp-sink accepted {herald['accept_per_s'] / sink['accept_per_s']:.2f}x")
        if verdict:
            lines.append("  " + "; ".join(verdict))
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    if len(sys.argv) != 4:
        sys.exit("usage: report.py RESULTS.tsv RESULTS_DIR STAMP")
    tsv, results_dir, stamp = sys.argv[1:]
    rows = read_rows(tsv)
    if not rows:
        sys.exit("bench: no results")
    summary = summarize(rows)
    text = table(summary)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parameters = {k[len("BENCH_"):].lower(): v for k, v in sorted(os.environ.items())
                  if k.startswith("BENCH_") and k not in ("BENCH_WORK", "BENCH_TSV", "BENCH_KEEP")}
    document = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(os.environ.get("BENCH_WORK", "/tmp")),
        "versions": versions(repo),
        "parameters": parameters,
        "runs": rows,
        "summary": summary,
    }
    os.makedirs(results_dir, exist_ok=True)
    base = os.path.join(results_dir, stamp)
    with open(base + ".json", "w", encoding="utf-8") as out:
        json.dump(document, out, indent=2)
        out.write("\n")
    with open(base + ".tsv", "w", encoding="utf-8") as out, open(tsv, encoding="utf-8") as raw:
        out.write("\t".join(COLUMNS) + "\n")
        out.write(raw.read())
    m = document["machine"]
    heading = (f"{document['date']}  nproc {m['nproc']}  kernel {m['kernel']}  {m['cpu']}\n"
               f"herald {document['versions']['herald_commit']}  .NET {document['versions']['dotnet']}  "
               f"Postfix {document['versions']['postfix']}  aiosmtpd {document['versions']['aiosmtpd']}  "
               f"work directory on {m['filesystem']}\n")
    with open(base + ".txt", "w", encoding="utf-8") as out:
        out.write(heading + "\n" + text)
    print(heading)
    print(text)
    print(f"results: {base}.json, {base}.tsv, {base}.txt")
    # A run in which any peer failed is not a clean result, whatever the table shows.
    return 1 if any(r["status"] != "ok" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
