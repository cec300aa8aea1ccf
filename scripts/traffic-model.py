"""The driver of scripts/traffic-model.sh (which builds, prepares the configuration and starts the
control plane and Redis): a compressed day of a Kubernetes-sized org's GitHub traffic, played
against the GitHub stand-in, through hook, trigger, controller, crier and tide as separate
processes, and GitHub's calls counted.

The people act on the stand-in (pull requests opened and pushed to, comments with commands,
reviews); the stand-in delivers the webhooks to this driver, which plays Knative: it hands each
delivery to hook, hook's CloudEvents to trigger, every new or changed ProwJob to the controller
and crier (as ApiServerSource does; kwok runs the pods), and tide's ping every sync period.

Modes: `warm` keeps one process per function for the whole run; `cold` starts a fresh process
for every event a GitHub-calling function (hook, trigger, crier, tide) handles and stops it after
(SIGTERM, as Knative scales to zero); the controller makes no GitHub call and stays up. `local`
runs `prow local` instead, every function in one process: deliveries go to its `/hook`, tide's
pings to its `/functions/tide`; it holds Kubernetes' jobs back (their images are not `local`), so
each job is reported once (pending) where the functions report twice. `--cache` is `memory`
(each process its own) or a Redis URL every process shares.

Volume (per day at --scale 1; see docs/github-budget.md for the figures and their sources):
PRS_PER_DAY pull requests opened, PUSHES_PER_DAY pushes to open ones, COMMENTS_PER_DAY comments
(half carry commands), every PR reviewed (/lgtm, /approve) an hour or more after it opened;
spread over the day by a diurnal curve peaking at 15:00 UTC.

Prints a JSON summary on stdout; exits 1 when an event failed or a job went missing."""

import argparse
import collections
import glob
import http.server
import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from benchkube import Kube, free_port, wait_healthy  # noqa: E402

PRS_PER_DAY = 120
PUSHES_PER_DAY = 300
COMMENTS_PER_DAY = 600
# Share of the day's events in each UTC hour: a working-day curve over the US and Europe.
DIURNAL = [0.6, 0.5, 0.4, 0.4, 0.4, 0.5, 0.7, 0.9, 1.1, 1.2, 1.3, 1.4,
           1.5, 1.6, 1.7, 1.8, 1.7, 1.6, 1.4, 1.2, 1.0, 0.9, 0.8, 0.7]
DIURNAL = [w / sum(DIURNAL) for w in DIURNAL]
TIDE_SYNC_MINUTES = 2  # the corpus's tide.sync_period
GITHUB_FUNCTIONS = ("hook", "trigger", "crier", "tide")

p = argparse.ArgumentParser()
p.add_argument("--target", required=True, help="folder with the binaries")
p.add_argument("--work", required=True, help="a folder of this run's own")
p.add_argument("--kube", required=True, help="kube-testenv's folder (its kubeconfig)")
p.add_argument("--prepared", required=True, help="the prepared configuration")
p.add_argument("--k8s", required=True, help="the corpus's k8s-prow/config")
p.add_argument("--mode", choices=["warm", "cold", "local"], required=True)
p.add_argument("--cache", default="memory")
p.add_argument("--hours", type=int, default=24, help="hours of the day to play, from --first-hour")
p.add_argument("--first-hour", type=int, default=0)
p.add_argument("--scale", type=float, default=1.0, help="share of the daily volume")
p.add_argument("--tide-pings", type=int, default=0,
               help="tide syncs per hour played (default: one per sync period)")
p.add_argument("--repos", type=int, default=8, help="the busiest repositories to play")
p.add_argument("--seed", type=int, default=1)
args = p.parse_args()
random.seed(args.seed)
target, work, k8s = args.target, args.work, args.k8s
SECRET = b"traffic-secret"


def log(message):
    print(f"traffic-model: {message}", file=sys.stderr, flush=True)


# --- the Kubernetes API (kube-testenv) ---
kube = Kube(f"{args.kube}/kubeconfig")
kube.ensure_namespace("test-pods")
kube.write_build_clusters(k8s, f"{work}/clusters")
kube("DELETE", "/apis/prow.k8s.io/v1/namespaces/default/prowjobs")
kube("DELETE", "/api/v1/namespaces/test-pods/pods")

# --- the org: the busiest repositories of the corpus, their presubmit counts as weights ---
presubmits = collections.Counter()
for path in glob.glob(f"{k8s}/jobs/**/*.yaml", recursive=True):
    text = open(path).read()
    block = re.search(r"^presubmits:\n((?:[ \-#].*\n|\n)*)", text, re.M)
    if not block:
        continue
    repo = None
    for line in block.group(1).splitlines():
        key = re.match(r"^  ([\w.-]+/[\w.-]+):\s*$", line)
        if key:
            repo = key.group(1)
        elif repo and re.match(r"^  - name:", line):
            presubmits[repo] += 1
repos = [r for r, _ in presubmits.most_common(args.repos)]
members = [f"dev{i}" for i in range(30)]
outsiders = [f"newcomer{i}" for i in range(6)]
orgs = sorted({r.split("/")[0] for r in repos})
labels = ["lgtm", "approved", "cncf-cla: yes", "needs-ok-to-test", "ok-to-test", "do-not-merge/hold",
          "kind/bug", "kind/feature", "size/S", "size/M", "release-note-none"]
with open(f"{work}/world.yaml", "w") as f:
    f.write("bot: k8s-ci-robot\n")
    f.write(f"users: [{', '.join(members + outsiders)}]\n")
    f.write("orgs:\n")
    for org in orgs:
        f.write(f"  {org}: {{members: [{', '.join(members)}]}}\n")
    f.write("repos:\n")
    for repo in repos:
        f.write(f"  {repo}:\n    default_branch: master\n")
        f.write(f"    collaborators: {{{', '.join(m + ': write' for m in members[:10])}}}\n")
        f.write(f"    labels: [{', '.join(json.dumps(l) for l in labels)}]\n")
        owners = "approvers:\\n" + "".join(f"- {m}\\n" for m in members[:10]) + "reviewers:\\n" + \
            "".join(f"- {m}\\n" for m in members)
        f.write(f"    branches:\n      master: {{files: {{OWNERS: \"{owners}\", go.mod: \"module x\\n\"}}}}\n")
with open(f"{work}/hmac", "wb") as f:
    f.write(SECRET)
with open(f"{work}/token", "w") as f:
    f.write("ghp_traffic_bot")


# The broker's Triggers for hook's plugins (knative/plugin-triggers.yaml): route and event types.
plugin_routes = []
triggers_yaml = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "knative",
                                  "plugin-triggers.yaml")).read()
for doc in triggers_yaml.split("\n---\n"):
    uri = re.search(r"uri: (/plugins/\S+)", doc)
    types = re.search(r"type IN \(([^)]*)\)", doc)
    if uri and types:
        plugin_routes.append((uri.group(1), set(re.findall(r"'([^']+)'", types.group(1)))))

# --- deliveries and CloudEvents arrive here ---
deliveries, cloudevents = queue.Queue(), queue.Queue()


class Inbox(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        headers = {k.lower(): v for k, v in self.headers.items()}
        (deliveries if self.path == "/hook" else cloudevents).put((headers, body))
        self.send_response(202)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


inbox = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Inbox)
threading.Thread(target=inbox.serve_forever, daemon=True).start()
inbox_url = f"http://127.0.0.1:{inbox.server_address[1]}"

standin_port = free_port()
standin = subprocess.Popen(
    [f"{target}/github-standin", "--world", f"{work}/world.yaml", "--port", str(standin_port),
     "--webhook-url", f"{inbox_url}/hook", "--hmac-secret-file", f"{work}/hmac",
     "--bot-token-file", f"{work}/token", "--bot", "k8s-ci-robot", "--rate-limit", "1000000"],
    stdout=subprocess.DEVNULL, stderr=open(f"{work}/standin.log", "w"))
github = f"http://127.0.0.1:{standin_port}"


def gh(method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"token {token}"
    request = urllib.request.Request(github + path, method=method, headers=headers,
                                     data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(request, timeout=30) as r:
        data = r.read()
        return json.loads(data) if data else None


for _ in range(400):
    try:
        gh("GET", "/_standin/world")
        break
    except OSError:
        time.sleep(0.05)

# --- the functions ---
config = [f"--config-path={k8s}/prow/config.yaml", f"--job-config-path={k8s}/jobs",
          f"--plugin-config={k8s}/prow/plugins.yaml", f"--prepared-config={args.prepared}",
          f"--hmac-secret-file={work}/hmac", f"--github-token-path={work}/token",
          f"--github-endpoint={github}", f"--github-cache={args.cache}"]
extra = {"hook": [], "trigger": [], "tide": [], "crier": ["--github-workers=1"],
         "controller": [f"--kubeconfig-dir={work}/clusters"]}


class Function:
    def __init__(self, name):
        self.name, self.proc, self.port, self.starts = name, None, None, 0

    def command(self):
        return [f"{target}/{self.name}", *config, *extra[self.name]]

    def start(self):
        self.port = free_port()
        env = dict(os.environ, PORT=str(self.port), KUBECONFIG=f"{args.kube}/kubeconfig",
                   RUST_LOG="warn", K_SINK=f"{inbox_url}/events")
        log_file = f"{work}/{self.name}.log"
        self.proc = subprocess.Popen(self.command(), env=env, stdout=subprocess.DEVNULL,
                                     stderr=open(log_file, "a"))
        self.starts += 1
        wait_healthy(self.port, self.proc, self.name, log_file)

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def post(self, body, headers, path="/"):
        return self.deliver([(path, body, headers)])[0]

    def deliver(self, requests):
        """Sends requests that arrive together (one event's fan-out) to one instance: in cold
        mode a fresh one, stopped after."""
        cold = args.mode == "cold" and self.name in GITHUB_FUNCTIONS
        if self.proc is None:
            self.start()
        statuses = []
        for path, body, headers in requests:
            request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body,
                                             headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=600) as r:
                    r.read()
                    statuses.append(r.status)
            except urllib.error.HTTPError as e:
                statuses.append(e.code)
        if cold:
            self.stop()
        return statuses


class Local(Function):
    """`prow local`: every function in one process, on one port."""

    def command(self):
        return [f"{target}/prow", "local", *config, f"--state-dir={work}/local",
                f"--address=127.0.0.1:{self.port}", "--tick-seconds=3600"]


if args.mode == "local":
    local = Local("local")
    functions = {name: local for name in ("hook", "tide")}
else:
    functions = {name: Function(name) for name in extra}
failures = collections.Counter()
events = collections.Counter()


def cloudevent(name, event_type, data, extensions=None):
    headers = {"ce-specversion": "1.0", "ce-id": str(uuid.uuid4()), "ce-source": "traffic-model",
               "ce-type": event_type, "content-type": "application/json"}
    headers.update({f"ce-{k}": v for k, v in (extensions or {}).items()})
    return functions[name].post(data, headers)


def job_event(name, job, action):
    data = json.dumps({"kind": "ProwJob", "namespace": "default", "name": job["metadata"]["name"],
                       "apiVersion": "prow.k8s.io/v1"}).encode()
    status = cloudevent(name, f"dev.knative.apiserver.ref.{action}", data)
    events[name] += 1
    if status >= 300:
        failures[f"{name} {action}"] += 1


def drain(q, settle=0.5):
    """Everything queued, waiting `settle` seconds for stragglers."""
    items = []
    deadline = time.time() + settle
    while True:
        try:
            items.append(q.get(timeout=max(deadline - time.time(), 0.01)))
            deadline = time.time() + settle
        except queue.Empty:
            return items


reported = {}  # job name -> last state reported to crier


def to_hook(batch):
    """GitHub's deliveries to hook's /hook, as GitHub sends them."""
    for headers, body in batch:
        status = functions["hook"].post(body, {k: v for k, v in headers.items()
                                               if k.startswith("x-") or k == "content-type"}, "/hook")
        events["hook"] += 1
        if status >= 300:
            failures["hook"] += 1


def knative_round():
    """Hands what the people's actions caused to the functions, as Knative would."""
    local = args.mode == "local"
    while True:
        batch = drain(deliveries, 2.0 if local else 1.0)
        if not batch:
            break
        to_hook(batch)
        if local:
            time.sleep(2.0)  # its bus carries the rest: trigger, controller, crier
            continue
        for headers, body in drain(cloudevents, 0.5):
            kind = headers.get("ce-type", "")
            if not kind.startswith("dev.prow.github."):
                continue
            forwarded = {k: v for k, v in headers.items() if k.startswith("ce-") or k == "content-type"}
            # The broker fans the event out: trigger, and each plugin that reads it, on hook.
            status = functions["trigger"].post(body, forwarded)
            events["trigger"] += 1
            if status >= 300:
                failures["trigger"] += 1
            routes = [(route, body, forwarded) for route, types in plugin_routes if kind in types]
            if routes:
                statuses = functions["hook"].deliver(routes)
                events["hook plugins"] += 1
                refused = sum(1 for st in statuses if st >= 300)
                if refused:
                    failures["hook plugins"] += refused
        settle_jobs()


def settle_jobs():
    """New jobs to the controller (pods), their ends back into status, every change to crier."""
    jobs = kube("GET", "/apis/prow.k8s.io/v1/namespaces/default/prowjobs")["items"]
    fresh = [j for j in jobs if j["metadata"]["name"] not in reported]
    for job in fresh:
        reported[job["metadata"]["name"]] = None
        job_event("controller", job, "add")
    report_changes()  # triggered, and pending once the controller made the pod
    for _ in range(20):
        jobs = kube("GET", "/apis/prow.k8s.io/v1/namespaces/default/prowjobs")["items"]
        running = [j for j in jobs if j.get("status", {}).get("state") in ("pending", "triggered")]
        if not running:
            break
        time.sleep(0.5)
        for job in running:
            job_event("controller", job, "update")
    report_changes()


def report_changes():
    """crier's ApiServerSource: an update event for every job whose state changed."""
    for job in kube("GET", "/apis/prow.k8s.io/v1/namespaces/default/prowjobs")["items"]:
        state = job.get("status", {}).get("state")
        if reported.get(job["metadata"]["name"]) != state:
            reported[job["metadata"]["name"]] = state
            job_event("crier", job, "update")


def tide_ping():
    if args.mode == "local":
        headers = {"ce-specversion": "1.0", "ce-id": str(uuid.uuid4()), "ce-source": "traffic-model",
                   "ce-type": "dev.knative.sources.ping", "content-type": "application/json"}
        status = functions["tide"].post(b'{"ping":true}', headers, "/functions/tide")
        events["tide"] += 1
        if status >= 300:
            failures["tide"] += 1
        return
    status = cloudevent("tide", "dev.knative.sources.ping", b'{"ping":true}')
    events["tide"] += 1
    if status >= 300:
        failures["tide"] += 1


# --- the day ---
open_pulls = []  # (repo, number, author, branch, opened_hour)
serial = 0
counts_by_hour = {}
calls_by_hour = []


def count_calls(hour):
    calls = gh("GET", "/_standin/calls")
    gh("DELETE", "/_standin/calls")
    calls_by_hour.append({"hour": hour, "calls": calls})


def act(hour):
    global serial
    share = DIURNAL[hour % 24] * args.scale
    n_prs = int(round(PRS_PER_DAY * share))
    n_pushes = int(round(PUSHES_PER_DAY * share))
    n_comments = int(round(COMMENTS_PER_DAY * share))
    counts = {"prs": n_prs, "pushes": n_pushes, "comments": n_comments, "plain": 0, "retests": 0,
              "other_commands": 0, "reviews": 0, "ok_to_test": 0}
    counts_by_hour[hour] = counts
    weights = [presubmits[r] for r in repos]
    for _ in range(n_prs):
        serial += 1
        repo = random.choices(repos, weights)[0]
        author = random.choice(outsiders) if random.random() < 0.1 else random.choice(members)
        branch = f"change-{serial}"
        opened = gh("POST", "/_standin/pulls", {
            "repo": repo, "author": author, "head": branch, "title": f"Change {serial}",
            "files": {f"pkg/change{serial}.go": f"package pkg // {serial}\n"},
            "labels": ["cncf-cla: yes"]})
        open_pulls.append((repo, opened["number"], author, branch, hour))
        if author in outsiders:
            gh("POST", f"/repos/{repo}/issues/{opened['number']}/comments", {"body": "/ok-to-test"},
               random.choice(members))
            counts["ok_to_test"] += 1
    counts["pushes"] = counts["comments"] = 0  # counted as they happen: they need an open PR
    for _ in range(n_pushes):
        if not open_pulls:
            break
        counts["pushes"] += 1
        repo, number, author, branch, _ = random.choice(open_pulls)
        serial += 1
        gh("POST", "/_standin/push", {"repo": repo, "branch": branch, "author": author,
                                      "files": {f"pkg/change{number}.go": f"package pkg // {serial}\n"}})
    for i in range(n_comments):
        if not open_pulls:
            break
        counts["comments"] += 1
        repo, number, author, _, _ = random.choice(open_pulls)
        body = random.choice(["Thanks, looks good overall.", "Could you add a test?", "/retest",
                              "/kind bug", "/assign", "Done.", "/test all", "/hold", "/hold cancel",
                              "Rebased."])
        kind = ("retests" if body in ("/retest", "/test all") else
                "other_commands" if body.startswith("/") else "plain")
        counts[kind] += 1
        gh("POST", f"/repos/{repo}/issues/{number}/comments", {"body": body},
           random.choice(members))
    # Reviews: PRs open an hour or more get /lgtm and /approve from maintainers other than the author.
    for pull in [p for p in open_pulls if p[4] < hour]:
        repo, number, author, _, _ = pull
        reviewer = random.choice([m for m in members[:10] if m != author])
        gh("POST", f"/repos/{repo}/issues/{number}/comments", {"body": "/lgtm\n/approve"}, reviewer)
        counts["reviews"] += 1
        open_pulls.remove(pull)


started = time.time()
if args.mode in ("warm", "local"):
    for f in set(functions.values()):
        f.start()
else:
    functions["controller"].start()
tide_pings = args.tide_pings or 60 // TIDE_SYNC_MINUTES
for offset in range(args.hours):
    hour = args.first_hour + offset
    act(hour)
    knative_round()
    for _ in range(tide_pings):
        tide_ping()
    knative_round()  # tide's batches and merges wake the rest
    counts_by_hour[hour]["jobs"] = len(reported) - sum(c.get("jobs", 0) for c in counts_by_hour.values())
    counts_by_hour[hour]["tide_syncs"] = tide_pings
    count_calls(hour)
    log(f"hour {hour:02d}: {counts_by_hour[hour]}, {len(calls_by_hour[-1]['calls'])} GitHub calls, "
        f"{time.time() - started:.0f} s so far")

for f in set(functions.values()):
    f.stop()
standin.kill()
inbox.shutdown()

# --- the counts ---
def is_graphql(call):
    return call["uri"].startswith("/graphql")


summary = {"mode": args.mode, "cache": "redis" if args.cache.startswith("redis") else "memory",
           "hours": args.hours, "scale": args.scale, "repos": repos, "events": dict(events),
           "failures": dict(failures), "process_starts": {n: f.starts for n, f in functions.items()} if args.mode != "local"
           else {"prow local": local.starts},
           "seconds": round(time.time() - started), "hourly": []}
by_endpoint = collections.Counter()
for entry in calls_by_hour:
    calls = entry["calls"]
    rest = [c for c in calls if not is_graphql(c)]
    paid = [c for c in rest if c["status"] != 304]
    summary["hourly"].append({
        "hour": entry["hour"], **counts_by_hour[entry["hour"]],
        "rest_calls": len(rest), "rest_paid": len(paid), "not_modified": len(rest) - len(paid),
        "writes": sum(1 for c in rest if c["method"] != "GET"),
        "graphql": len(calls) - len(rest)})
    for c in calls:
        route = re.sub(r"/\d+(?=/|$)", "/{n}", c["uri"].split("?")[0])
        route = re.sub(r"^/repos/[^/]+/[^/]+", "/repos/{o}/{r}", route)
        route = re.sub(r"/(commits|statuses|status|git/refs/heads)/[^/]+", r"/\1/{ref}", route)
        route = re.sub(r"/(members|collaborators)/[^/]+", r"/\1/{user}", route)
        route = re.sub(r"/contents/.*", "/contents/{path}", route)
        by_endpoint[(c["method"], route, c["status"] == 304)] += 1
summary["endpoints"] = [{"method": m, "route": r, "not_modified": nm, "calls": n}
                        for (m, r, nm), n in by_endpoint.most_common()]
paid = [h["rest_paid"] for h in summary["hourly"]]
summary["peak_paid_per_hour"] = max(paid) if paid else 0
total_rest = sum(h["rest_calls"] for h in summary["hourly"])
summary["share_304"] = round(sum(h["not_modified"] for h in summary["hourly"]) / total_rest, 3) if total_rest else 0
print(json.dumps(summary))
sys.exit(1 if failures else 0)
