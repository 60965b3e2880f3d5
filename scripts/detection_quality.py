#!/usr/bin/env python3
"""Scores followguard replay output against a simulated history's ground truth.

usage: detection_quality.py SCENARIO.jsonl REPLAY_OUTPUT.jsonl [--interval SECONDS]

The simulator marks every follow event with "src" (initial, organic, viral:N, order:N,
drip:N) and every profile with a "label". Prints one JSON object with, per purchased order,
whether and how fast it was detected, the false inorganic alarms, and the precision and recall
of the final purge plans.
"""
import json
import sys
from datetime import datetime


def ts(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").timestamp()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    interval = 300
    if "--interval" in sys.argv:
        interval = int(sys.argv[sys.argv.index("--interval") + 1])
    scenario, output = args
    src = {}          # follower id -> src of its first arrival
    label = {}
    orders = {}       # "order:N" -> {first, last, ids}
    first_t = last_t = None
    with open(scenario) as f:
        for line in f:
            ev = json.loads(line)
            t = ts(ev["t"])
            first_t = t if first_t is None else first_t
            last_t = t
            if ev["type"] != "follow":
                continue
            pid = ev["profile"]["id"]
            s = ev.get("src", "organic")
            if pid not in src:
                src[pid] = s
                label[pid] = ev["profile"].get("label")
            if s.startswith(("order:", "drip:")):
                o = orders.setdefault(s, {"first": t, "last": t, "ids": set()})
                o["last"] = t
                o["ids"].add(pid)
    spikes = {}       # spike_id -> {"reports": [...], "plan": [...]}
    with open(output) as f:
        for line in f:
            ev = json.loads(line)
            if ev["event"] == "spike":
                spikes.setdefault(ev["spike_id"], {"reports": [], "plan": []})["reports"].append(ev)
            elif ev["event"] == "purge_plan":
                spikes.setdefault(ev["spike_id"], {"reports": [], "plan": []})["plan"] = ev["ids"]

    purchased = {i for o in orders.values() for i in o["ids"]}
    planned = set()
    false_alarms = []
    inorganic_first = []   # (time of first inorganic report, spike)
    for sid, sp in spikes.items():
        inorg = [r for r in sp["reports"] if r["kind"] == "inorganic"]
        if not inorg:
            continue
        plan = set(sp["plan"])
        planned |= plan
        bought = len(plan & purchased)
        start, end = ts(sp["reports"][0]["start"]), ts(sp["reports"][-1]["t"])
        overlaps = any(o["first"] <= end and o["last"] >= start for o in orders.values())
        if (plan and bought < len(plan) / 2) or (not plan and not overlaps):
            false_alarms.append(sid)
        inorganic_first.append((ts(inorg[0]["t"]), start, end, sid))

    result_orders = []
    for name, o in sorted(orders.items()):
        hits = [f for f in inorganic_first if f[1] <= o["last"] and f[2] >= o["first"]]
        detected_at = min((f[0] for f in hits), default=None)
        result_orders.append({
            "order": name, "size": len(o["ids"]),
            "delivery_hours": round((o["last"] - o["first"]) / 3600, 2),
            "detected": detected_at is not None,
            "latency_polls": None if detected_at is None else
                round(max(0, detected_at - o["first"]) / interval) + 1,
            "recall": round(len(planned & o["ids"]) / len(o["ids"]), 4),
        })
    genuine_planned = sum(1 for i in planned if label.get(i) == "genuine")
    months = (last_t - first_t) / (30 * 86400) if last_t and first_t else 1
    print(json.dumps({
        "orders": result_orders,
        "inorganic_spikes": len(inorganic_first),
        "false_inorganic": len(false_alarms),
        "false_inorganic_ids": false_alarms,
        "months": round(months, 3),
        "planned": len(planned),
        "planned_purchased": len(planned & purchased),
        "planned_genuine": genuine_planned,
        "precision_purchased": round(len(planned & purchased) / len(planned), 4) if planned else None,
        "precision_not_genuine": round(1 - genuine_planned / len(planned), 4) if planned else None,
        "recall_purchased": round(len(planned & purchased) / len(purchased), 4) if purchased else None,
    }))


if __name__ == "__main__":
    main()
