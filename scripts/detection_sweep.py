#!/usr/bin/env python3
"""Detection quality over many simulated histories.

usage: detection_sweep.py BIN_DIR [--seeds A-B] [--days N] [--audience N] [--extra "SIM ARGS"]
                          [--plain-text] [--assert] [--json]

For each seed: followguard simulate (ground truth in src/label) | followguard replay, then
detection_quality.py. Aggregates the issue's targets: share of purchased orders of >= +5 %
delivered within a day that were detected, median latency in polls, false inorganic alarms
per account-month, and precision/recall of the final purge plans. Also: detection and plan
recall per vendor style, the newcomer waves (called inorganic? their people planned?), and
the real people who followed while an order was delivered that the plans would remove. With
--assert, exits 1 if a target is missed (each missed one is named): fast orders detected
>= 95 %, median latency <= 2 polls, <= 0.25 false inorganic alarms per account-month, plan
precision >= 0.995, fast-order plan recall >= 0.85, <= 0.5 % of newcomer-wave members and of
real newcomers inside deliveries in any plan.

Histories carry hostile text (the simulator's default: control characters, \\u0000, texts of
5-20 KB); --plain-text turns it off. Lines replay rejects are counted (replay_rejected_lines).
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
STYLES = ("fresh", "aged", "empty", "copycat", "lived", "copied")


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def share(a, b, digits=4):
    return round(a / b, digits) if b else None


def planned_of(o):
    return round(o["recall"] * o["size"])


def by_style(orders, fast):
    """Detected share and plan recall of the orders of each style (all, and fast ones)."""
    res = {}
    for style in STYLES + ("copied_targeted", "copied_untargeted"):
        if style.startswith("copied_"):
            mine = [o for o in orders if o["style"] == "copied" and
                    ((o.get("targeted") or 0) > 0) == (style == "copied_targeted")]
        else:
            mine = [o for o in orders if o["style"] == style]
        if not mine:
            continue
        f = [o for o in mine if o in fast]
        res[style] = {
            "orders": len(mine),
            "detected_share": share(sum(o["detected"] for o in mine), len(mine)),
            "detected_burst_share": share(sum(o["detected_burst"] for o in mine), len(mine)),
            "plan_recall": share(sum(planned_of(o) for o in mine), sum(o["size"] for o in mine)),
            "fast_orders": len(f),
            "fast_detected_share": share(sum(o["detected"] for o in f), len(f)),
            "fast_detected_burst_share": share(sum(o["detected_burst"] for o in f), len(f)),
            "fast_plan_recall": share(sum(planned_of(o) for o in f), sum(o["size"] for o in f)),
        }
    return res


def inside(orders):
    """Real people who followed during deliveries, and how many the plans would remove."""
    n = sum(o["genuine_inside"] for o in orders)
    p = sum(o["genuine_inside_planned"] for o in orders)
    nn = sum(o["new_genuine_inside"] for o in orders)
    np_ = sum(o["new_genuine_inside_planned"] for o in orders)
    by_src = {k: [sum(o["genuine_inside_by_src"][k][i] for o in orders) for i in (0, 1)]
              for k in ("organic", "viral", "wave")}
    return {"orders": len(orders), "genuine": n, "planned": p, "planned_share": share(p, n),
            "new_genuine": nn, "new_planned": np_, "new_planned_share": share(np_, nn),
            "by_src": {k: {"genuine": v[0], "planned": v[1]} for k, v in by_src.items()}}


def main():
    bindir = sys.argv[1]
    fg = os.path.join(bindir, "followguard")
    a, b = arg("--seeds", "1-10").split("-")
    days, audience = arg("--days", "30"), arg("--audience", "20000")
    extra = arg("--extra", "").split()
    if "--plain-text" in sys.argv:
        extra = ["--plain-text"] + extra
    orders, waves, false_alarms, months = [], [], 0, 0.0
    planned = planned_bought = planned_genuine = bought_total = bought_planned = 0
    rejected = 0
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
                r = subprocess.run([fg, "replay", scen], stdout=f, stderr=subprocess.PIPE,
                                   text=True)
            lost = sum(1 for line in r.stderr.splitlines() if line.startswith(scen + ":"))
            if r.returncode != 0:
                sys.stderr.write(r.stderr)
                sys.exit("replay failed on seed %d" % seed)
            rejected += lost
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
                         size_pct=t.get("size_pct"), targeted=t.get("targeted"))
                orders.append(o)
            for w in q["waves"]:
                t = truth_by.get(w["wave"], {})
                w.update(seed=seed, size_pct=t.get("size_pct"))
                waves.append(w)
            false_alarms += q["false_inorganic"]
            months += q["months"]
            planned += q["planned"]
            planned_bought += q["planned_purchased"]
            planned_genuine += q["planned_genuine"]
            per_seed.append({"seed": seed, "false": q["false_inorganic_ids"],
                             "precision": q["precision_purchased"],
                             "genuine_planned": q["planned_genuine"],
                             "replay_rejected": lost})
    fast = [o for o in orders if o["speed"] in ("hour", "day") and (o["size_pct"] or 0) >= 5]
    for o in fast:
        bought_total += o["size"]
        bought_planned += planned_of(o)
    detected = [o for o in fast if o["detected"]]
    bursts = [o for o in orders if o["speed"] != "weeks"]
    res = {
        "histories": int(b) - int(a) + 1,
        "account_months": round(months, 2),
        "fast_orders": len(fast),
        "fast_detected_share": share(len(detected), len(fast)),
        "median_latency_polls": statistics.median([o["latency_polls"] for o in detected]) if detected else None,
        "false_inorganic_per_account_month": round(false_alarms / months, 3) if months else None,
        "plan_precision_purchased": share(planned_bought, planned),
        "plan_precision_not_genuine": round(1 - planned_genuine / planned, 4) if planned else None,
        "fast_order_plan_recall": share(bought_planned, bought_total),
        "by_style": by_style(bursts, fast),
        "drips_by_style": by_style([o for o in orders if o["speed"] == "weeks"], []),
        "waves": len(waves),
        "waves_called_inorganic": sum(w["called_inorganic"] for w in waves),
        "waves_called_inorganic_alone": sum(w["called_inorganic"] and not w["overlaps_purchase"]
                                            for w in waves),
        "waves_inside_drips": sum(w["inside_drip"] for w in waves),
        "wave_members": sum(w["size"] for w in waves),
        "wave_members_planned": sum(w["planned"] for w in waves),
        "wave_members_planned_share": share(sum(w["planned"] for w in waves),
                                            sum(w["size"] for w in waves)),
        "genuine_inside_orders": inside(bursts),
        "genuine_inside_drips": inside([o for o in orders if o["speed"] == "weeks"]),
        "replay_rejected_lines": rejected,
        "hostile_text": "--plain-text" not in sys.argv,
        "wave_list": waves,
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
                  "fast_order_plan_recall", "waves", "waves_called_inorganic",
                  "waves_called_inorganic_alone", "waves_inside_drips",
                  "wave_members", "wave_members_planned_share", "replay_rejected_lines"):
            print("%-36s %s" % (k, res[k]))
        for style, v in res["by_style"].items():
            print("%-36s %s" % ("style " + style, json.dumps(v)))
        for k in ("genuine_inside_orders", "genuine_inside_drips"):
            print("%-36s %s" % (k, json.dumps(res[k])))
        for o in res["missed_fast"]:
            print("missed:", json.dumps({k: o[k] for k in ("seed", "order", "speed", "style", "size_pct", "recall")}))
        for w in waves:
            if w["called_inorganic"] or w["planned"]:
                print("wave", json.dumps({k: w[k] for k in ("seed", "wave", "size_pct", "size", "called_inorganic", "overlaps_order", "planned")}))
        for s in per_seed:
            if s["false"] or s["genuine_planned"]:
                print("seed", json.dumps(s))
    if "--assert" in sys.argv:
        def at_least(v, x): return v is None or v >= x
        def at_most(v, x): return v is None or v <= x
        within = res["genuine_inside_orders"]
        targets = [
            ("fast orders detected >= 0.95", at_least(res["fast_detected_share"], 0.95)),
            ("median latency <= 2 polls", at_most(res["median_latency_polls"], 2)),
            ("false inorganic <= 0.25 per account-month",
             at_most(res["false_inorganic_per_account_month"], 0.25)),
            ("plan precision >= 0.995", at_least(res["plan_precision_not_genuine"], 0.995)),
            ("fast-order plan recall >= 0.85", at_least(res["fast_order_plan_recall"], 0.85)),
            ("newcomer-wave members planned <= 0.5 %",
             at_most(res["wave_members_planned_share"], 0.005)),
            ("no newcomer wave alone called inorganic", res["waves_called_inorganic_alone"] == 0),
            ("real newcomers inside deliveries planned <= 0.5 %",
             at_most(within.get("new_planned_share"), 0.005)),
        ]
        for what, ok in targets:
            if not ok:
                print("target missed:", what)
        sys.exit(0 if all(ok for _, ok in targets) else 1)

if __name__ == "__main__":
    main()
