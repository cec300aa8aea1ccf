"""The report of scripts/traffic-model.sh: each run's GitHub calls side by side, the busiest
endpoints, and the checks (exit 1 when one fails): no event failed in any run, and the shared
cache made cold processes cheaper than cold processes with their own caches."""

import json
import sys

# Upstream Prow behind ghproxy, paid REST calls per event of the model, counted from its code paths
# (docs/github-budget.md has the derivation, file by file): reads of a new or changed resource,
# 204/404 answers (never cached), and every write.
UPSTREAM_PAID = {"prs": 16, "pushes": 8, "plain": 1, "retests": 3, "other_commands": 2,
                 "reviews": 12, "ok_to_test": 3, "jobs": 3.5, "tide_syncs": 0}
UPSTREAM_GRAPHQL = {"prs": 2, "tide_syncs": 11}


def upstream(hour, table):
    return round(sum(hour.get(k, 0) * v for k, v in table.items()))

runs = [json.load(open(path)) for path in sys.argv[1:]]
print(f"{'run':<14} {'hours':>5} {'scale':>5} {'events':>7} {'starts':>7} {'REST':>7} {'paid':>7} "
      f"{'304':>6} {'GraphQL':>8} {'peak paid/h':>12} {'seconds':>8}")
for run in runs:
    name = f"{run['mode']}-{run['cache']}"
    rest = sum(h["rest_calls"] for h in run["hourly"])
    paid = sum(h["rest_paid"] for h in run["hourly"])
    graphql = sum(h["graphql"] for h in run["hourly"])
    print(f"{name:<14} {run['hours']:>5} {run['scale']:>5} {sum(run['events'].values()):>7} "
          f"{sum(run['process_starts'].values()):>7} {rest:>7} {paid:>7} {run['share_304']:>6.1%} "
          f"{graphql:>8} {run['peak_paid_per_hour']:>12} {run['seconds']:>8}")
    run["paid"] = paid
print()
for run in runs:
    print(f"{run['mode']}-{run['cache']}: events {run['events']}, process starts {run['process_starts']}")
    print("  busiest endpoints (calls; 304s apart):")
    for e in run["endpoints"][:12]:
        print(f"    {e['calls']:>6}  {e['method']:<6} {e['route']}{'  (304)' if e['not_modified'] else ''}")
    print("  per hour (hour: PRs, pushes, comments, reviews, jobs -> paid REST (writes), 304, GraphQL;"
          " upstream with ghproxy, estimated: paid REST, GraphQL):")
    for h in run["hourly"]:
        print(f"    {h['hour']:02d}: {h['prs']}, {h['pushes']}, {h['comments']}, {h['reviews']}, "
              f"{h.get('jobs', 0)} -> {h['rest_paid']} ({h['writes']}), {h['not_modified']}, {h['graphql']}; "
              f"upstream {upstream(h, UPSTREAM_PAID)}, {upstream(h, UPSTREAM_GRAPHQL)}")
    run["upstream_paid"] = sum(upstream(h, UPSTREAM_PAID) for h in run["hourly"])
    run["upstream_peak"] = max((upstream(h, UPSTREAM_PAID) for h in run["hourly"]), default=0)
    print(f"  upstream with ghproxy, estimated: {run['upstream_paid']} paid REST in all, peak "
          f"{run['upstream_peak']} an hour")

problems = [f"{r['mode']}-{r['cache']}: failed events {r['failures']}" for r in runs if r["failures"]]
by_name = {f"{r['mode']}-{r['cache']}": r for r in runs}
cold_memory, cold_redis = by_name.get("cold-memory"), by_name.get("cold-redis")
if cold_memory and cold_redis and not cold_redis["paid"] < cold_memory["paid"]:
    problems.append(f"the shared cache saved nothing: cold-redis paid {cold_redis['paid']}, "
                    f"cold-memory {cold_memory['paid']}")
if cold_redis and cold_redis["share_304"] <= 0:
    problems.append("cold processes sharing Redis were never answered 304")
print("summary: " + json.dumps([{k: r[k] for k in ("mode", "cache", "events", "failures", "paid",
                                                   "share_304", "peak_paid_per_hour", "process_starts",
                                                   "upstream_paid", "upstream_peak")}
                                for r in runs]))
for problem in problems:
    print(f"traffic-model: FAILED: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
