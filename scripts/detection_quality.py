#!/usr/bin/env python3
"""Scores followguard replay output against a simulated history's ground truth.

usage: detection_quality.py SCENARIO.jsonl REPLAY_OUTPUT.jsonl [--interval SECONDS]

The simulator marks every follow event with "src" (initial, organic, viral:N, wave:N,
order:N, drip:N) and every profile with a "label". Prints one JSON object with, per purchased
order, whether and how fast it was detected and the recall of the final purge plans, the real
people who followed while it was delivered and how many of them were planned; per newcomer
wave, whether an inorganic spike was reported over it and how many of its people were planned;
the false inorganic alarms, and the precision and recall of the final purge plans.
"""
import bisect
import json
import sys
from datetime import datetime

NEW_ACCOUNT_DAYS = 30   # "new" genuine followers inside deliveries: made this recently


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
    orders = {}       # "order:N" -> {first, last, ids, kfirst, klast}
    waves = {}        # "wave:N" -> {first, times, ids}
    genuine = []      # (arrival key, id, new account, kind of src) of genuine first arrivals
    first_t = last_t = None
    poll_t, pos = None, 0
    with open(scenario) as f:
        for line in f:
            ev = json.loads(line)
            t = ts(ev["t"])
            first_t = t if first_t is None else first_t
            last_t = t
            if ev["type"] != "follow":
                continue
            # Follows of a poll are listed newest first: (t, -position) orders arrivals.
            if t != poll_t:
                poll_t, pos = t, 0
            pos += 1
            key = (t, -pos)
            p = ev["profile"]
            pid = p["id"]
            s = ev.get("src", "organic")
            if pid not in src:
                src[pid] = s
                label[pid] = p.get("label")
                if p.get("label") == "genuine" and s != "initial":
                    new = "created_at" in p and \
                        t - ts(p["created_at"]) < NEW_ACCOUNT_DAYS * 86400
                    genuine.append((key, pid, new, s.split(":")[0]))
            if s.startswith(("order:", "drip:")):
                o = orders.setdefault(s, {"first": t, "last": t, "ids": set(),
                                          "kfirst": key, "klast": key})
                o["last"] = t
                o.setdefault("times", []).append(t)
                o["kfirst"] = min(o["kfirst"], key)
                o["klast"] = max(o["klast"], key)
                o["ids"].add(pid)
            elif s.startswith("wave:"):
                w = waves.setdefault(s, {"first": t, "times": [], "ids": set()})
                w["times"].append(t)
                w["ids"].add(pid)
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
    inorganic_first = []   # (time of first inorganic report, start, end, spike, drip pattern)
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
        inorganic_first.append((ts(inorg[0]["t"]), start, end, sid,
                                any(r.get("pattern") == "drip" for r in inorg)))

    genuine.sort()
    gkeys = [g[0] for g in genuine]
    result_orders = []
    for name, o in sorted(orders.items()):
        hits = [f for f in inorganic_first if f[1] <= o["last"] and f[2] >= o["first"]]
        detected_at = min((f[0] for f in hits), default=None)
        # Stricter: a burst spike that started during the delivery (not a drip open for weeks,
        # not a spike that began before the order).
        own = [f for f in hits if not f[4] and o["first"] - interval <= f[1] <= o["last"]]
        # Real people whose first follow falls inside the delivery.
        inside = genuine[bisect.bisect_right(gkeys, o["kfirst"]):
                         bisect.bisect_left(gkeys, o["klast"])]
        result_orders.append({
            "order": name, "size": len(o["ids"]),
            "delivery_hours": round((o["last"] - o["first"]) / 3600, 2),
            "detected": detected_at is not None,
            "detected_burst": bool(own),
            "latency_polls": None if detected_at is None else
                round(max(0, detected_at - o["first"]) / interval) + 1,
            "recall": round(len(planned & o["ids"]) / len(o["ids"]), 4),
            "genuine_inside": len(inside),
            "genuine_inside_planned": sum(1 for g in inside if g[1] in planned),
            "new_genuine_inside": sum(1 for g in inside if g[2]),
            "new_genuine_inside_planned": sum(1 for g in inside if g[2] and g[1] in planned),
            "genuine_inside_by_src": {k: [sum(1 for g in inside if g[3] == k),
                                          sum(1 for g in inside if g[3] == k and g[1] in planned)]
                                      for k in ("organic", "viral", "wave")},
        })
    result_waves = []
    for name, w in sorted(waves.items()):
        times = sorted(w["times"])
        end90 = times[min(len(times) - 1, int(0.9 * len(times)))]
        # A drip spike spans weeks of organic traffic: overlapping one says nothing of the
        # wave. A burst spike reported inorganic over the wave's time does.
        over = [f for f in inorganic_first if f[1] <= end90 and f[2] >= w["first"]]
        hits = [f for f in over if not f[4]]
        result_waves.append({
            "wave": name, "size": len(w["ids"]),
            "hours90": round((end90 - w["first"]) / 3600, 2),
            "called_inorganic": bool(hits),
            "inorganic_spikes": [f[3] for f in hits],
            "inside_drip": any(f[4] for f in over),
            "overlaps_order": any(o["first"] <= end90 and o["last"] >= w["first"]
                                  for name, o in orders.items() if name.startswith("order:")),
            # a purchase delivering within the hour before the wave or during it
            "overlaps_purchase": any(w["first"] - 3600 <= x <= end90
                                     for o in orders.values() for x in o["times"]),
            "planned": len(planned & w["ids"]),
            "planned_share": round(len(planned & w["ids"]) / len(w["ids"]), 4),
        })
    genuine_planned = sum(1 for i in planned if label.get(i) == "genuine")
    months = (last_t - first_t) / (30 * 86400) if last_t and first_t else 1
    print(json.dumps({
        "orders": result_orders,
        "waves": result_waves,
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
