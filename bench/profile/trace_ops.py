#!/usr/bin/env python3
"""Sums a Chrome trace of bench_profile --trace by op: self time (an op's time
less the ops it called), calls and share, the top N. Usage: trace_ops.py FILE [N]"""
import json
import sys
from collections import defaultdict


def self_times(events):
    # Complete events ("X") nest by time on each thread: an op's self time is its
    # duration less its direct children's.
    by_thread = defaultdict(list)
    for e in events:
        if e.get("ph") == "X":
            by_thread[e.get("tid")].append(e)
    total, calls = defaultdict(float), defaultdict(int)
    for evs in by_thread.values():
        evs.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack = []  # [end, name, child time]
        for e in evs:
            while stack and e["ts"] >= stack[-1][0]:
                end, name, child, dur = stack.pop()
                total[name] += dur - child
            if stack:
                stack[-1][2] += e["dur"]
            stack.append([e["ts"] + e["dur"], e["name"], 0.0, e["dur"]])
            calls[e["name"]] += 1
        while stack:
            end, name, child, dur = stack.pop()
            total[name] += dur - child
    return total, calls


def main():
    data = json.load(open(sys.argv[1]))
    events = data["traceEvents"] if isinstance(data, dict) else data
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    total, calls = self_times(events)
    whole = sum(total.values())
    print("| op | self ms (3 steps) | calls | share |\n| --- | ---: | ---: | ---: |")
    for name, t in sorted(total.items(), key=lambda kv: -kv[1])[:top]:
        print(f"| {name} | {t / 1e3:.1f} | {calls[name]} | {100 * t / whole:.1f}% |")


if __name__ == "__main__":
    main()
