#!/usr/bin/env python3
"""Detection quality over many simulated histories.

usage: detection_sweep.py BIN_DIR [--seeds A-B] [--days N] [--audience N] [--extra "SIM ARGS"]
                          [--assert] [--json]

For each seed: followguard simulate (ground truth in src/label) | followguard replay, then
detection_quality.py. Aggregates the issue's targets: share of purchased orders of >= +5 %
delivered within a day that were detected, median latency in polls, false inorganic alarms
per account-month, and precision/recall of the final purge plans. With --assert, exits 1 if a
target is missed.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def main():
    bindir = sys.argv[1]
    fg = os.path.join(bindir, "followguard")
    a, b = arg("--seeds", "1-10").split("-")
    days, audience = arg("--days", "30"), arg("--audience", "20000")
    extra = arg("--extra", "").split()
    orders, false_alarms, months = [], 0, 0.0
    planned = planned_bought = planned_genuine = bought_total = bought_planned = 0
    per_seed = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(int(a), int(b) + 1):
            scen = os.path.join(tmp, "s.jsonl")
            truth = os.path.join(tmp, "t.jsonl")
            out = os.path.join(tmp, "o.jsonl")
            with open(scen, "w") as f:
                subprocess.run([fg, "simulate", "--seed", str(seed), "--days", days,
                                "--audience", audience, "--truth", truth] + extra,
                               stdout=f, check=True)
            with open(out, "w") as f:
                subprocess.run([fg, "replay", scen], stdout=f, check=True)
            q = json.loads(subprocess.run(
                [sys.executable, os.path.join(HERE, "detection_quality.py"), scen, out],
                capture_output=True, text=True, check=True).stdout)
            truth_by = {}
            with open(truth) as f:
                for line in f:
                    t = json.loads(line)
                    truth_by["%s:%d" % (t["kind"], t["event"])] = t
            for o in q["orders"]:
                t = truth_by.get(o["order"], {})
                o.update(seed=seed, speed=t.get("speed"), style=t.get("style"),
                         size_pct=t.get("size_pct"))
                orders.append(o)
            false_alarms += q["false_inorganic"]
            months += q["months"]
            planned += q["planned"]
            planned_bought += q["planned_purchased"]
            planned_genuine += q["planned_genuine"]
            per_seed.append({"seed": seed, "false": q["false_inorganic_ids"],
                             "precision": q["precision_purchased"],
                             "genuine_planned": q["planned_genuine"]})
    fast = [o for o in orders if o["speed"] in ("hour", "day") and (o["size_pct"] or 0) >= 5]
    for o in fast:
        bought_total += o["size"]
        bought_planned += round(o["recall"] * o["size"])
    detected = [o for o in fast if o["detected"]]
    res = {
        "histories": int(b) - int(a) + 1,
        "account_months": round(months, 2),
        "fast_orders": len(fast),
        "fast_detected_share": round(len(detected) / len(fast), 4) if fast else None,
        "median_latency_polls": statistics.median([o["latency_polls"] for o in detected]) if detected else None,
        "false_inorganic_per_account_month": round(false_alarms / months, 3) if months else None,
        "plan_precision_purchased": round(planned_bought / planned, 4) if planned else None,
        "plan_precision_not_genuine": round(1 - planned_genuine / planned, 4) if planned else None,
        "fast_order_plan_recall": round(bought_planned / bought_total, 4) if bought_total else None,
        "other_orders": [{k: o[k] for k in ("seed", "order", "speed", "style", "size_pct", "detected", "latency_polls", "recall")}
                         for o in orders if o not in fast],
        "missed_fast": [o for o in fast if not o["detected"]],
        "per_seed": per_seed,
    }
    if "--json" in sys.argv:
        print(json.dumps(res, indent=1))
    else:
        for k in ("histories", "account_months", "fast_orders", "fast_detected_share",
                  "median_latency_polls", "false_inorganic_per_account_month",
                  "plan_precision_purchased", "plan_precision_not_genuine",
                  "fast_order_plan_recall"):
            print("%-36s %s" % (k, res[k]))
        for o in res["missed_fast"]:
            print("missed:", json.dumps(o))
        for s in per_seed:
            if s["false"] or s["genuine_planned"]:
                print("seed", json.dumps(s))
    if "--assert" in sys.argv:
        ok = (res["fast_detected_share"] is None or res["fast_detected_share"] >= 0.95) and \
             (res["median_latency_polls"] is None or res["median_latency_polls"] <= 3) and \
             res["false_inorganic_per_account_month"] <= 0.5 and \
             (res["plan_precision_not_genuine"] is None or res["plan_precision_not_genuine"] >= 0.98) and \
             (res["fast_order_plan_recall"] is None or res["fast_order_plan_recall"] >= 0.85)
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
