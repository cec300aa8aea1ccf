"""The driver of scripts/bench-cost.sh (which builds, prepares the configuration and starts the
control plane): starts the GitHub stand-in and each function as its own process, sends each its
typical events, and reads the process's CPU time and peak RSS from /proc."""

import hashlib
import hmac
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from benchkube import Kube, free_port, wait_healthy  # noqa: E402

target, work, k8s, corpus = sys.argv[1:5]
webhooks, pr_events = int(sys.argv[5]), int(sys.argv[6])
SECRET = b"bench-secret"
TICKS = os.sysconf("SC_CLK_TCK")

# List prices (us-east-1 / us-central1), as docs/deployment.md gives them.
LAMBDA_GB_SECOND = 0.0000166667       # x86, per GB-second
LAMBDA_REQUEST = 0.20 / 1_000_000     # per request
LAMBDA_MB_PER_VCPU = 1769             # Lambda gives one vCPU at 1,769 MB
AUTOPILOT_VCPU_HOUR = 0.0445          # GKE Autopilot, general-purpose pods
AUTOPILOT_GB_HOUR = 0.0049225


def cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / TICKS


def peak_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024


# --- the Kubernetes API, as the functions and this driver reach it ---
kube = Kube(f"{work}/kube/kubeconfig")
kube.ensure_namespace("test-pods")
kube.write_build_clusters(k8s, f"{work}/clusters")

# --- GitHub: kubernetes/kubernetes with one pull request from an org member ---
with open(f"{work}/world.yaml", "w") as f:
    f.write("""bot: k8s-ci-robot
users: [alice]
orgs:
  kubernetes: {members: [alice]}
repos:
  kubernetes/kubernetes:
    default_branch: master
    collaborators: {alice: write}
    branches:
      master: {files: {go.mod: "module k8s.io/kubernetes\\n"}}
    pulls:
      - {author: alice, title: Fix a flake, head: fix, files: {pkg/kubelet/kubelet.go: "package kubelet\\n"}}
""")
with open(f"{work}/hmac", "wb") as f:
    f.write(SECRET)
with open(f"{work}/token", "w") as f:
    f.write("ghp_bench")
standin_port = free_port()
standin = subprocess.Popen(
    [f"{target}/release/github-standin", "--world", f"{work}/world.yaml", "--port", str(standin_port),
     "--rate-limit", "100000000"],
    stdout=subprocess.DEVNULL, stderr=open(f"{work}/standin.log", "w"))
github = f"http://127.0.0.1:{standin_port}"
for _ in range(200):
    try:
        urllib.request.urlopen(f"{github}/repos/kubernetes/kubernetes/pulls/1", timeout=1)
        break
    except OSError:
        time.sleep(0.05)
pull = json.load(urllib.request.urlopen(f"{github}/repos/kubernetes/kubernetes/pulls/1"))


# --- a sink for hook's CloudEvents ---
class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(202)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
threading.Thread(target=sink.serve_forever, daemon=True).start()

# --- the functions ---
config = [f"--config-path={k8s}/prow/config.yaml", f"--job-config-path={k8s}/jobs",
          f"--plugin-config={k8s}/prow/plugins.yaml", f"--prepared-config={work}/prepared",
          f"--hmac-secret-file={work}/hmac", f"--github-token-path={work}/token",
          f"--github-endpoint={github}"]
extra = {
    "hook": [], "trigger": [], "horologium": [], "tide": [],
    "controller": [f"--kubeconfig-dir={work}/clusters"],
    "sinker": [f"--kubeconfig-dir={work}/clusters"],
    "crier": ["--github-workers=1"],
}
procs, ports = {}, {}
for name, flags in extra.items():
    port = free_port()
    env = dict(os.environ, PORT=str(port), KUBECONFIG=f"{work}/kube/kubeconfig", RUST_LOG="warn")
    if name == "hook":
        env["K_SINK"] = f"http://127.0.0.1:{sink.server_address[1]}/"
    procs[name] = subprocess.Popen([f"{target}/release/{name}", *config, *flags], env=env,
                                   stdout=subprocess.DEVNULL, stderr=open(f"{work}/{name}.log", "w"))
    ports[name] = port
for name in procs:
    wait_healthy(ports[name], procs[name], name, f"{work}/{name}.log")


def post(name, body, headers, path="/"):
    request = urllib.request.Request(f"http://127.0.0.1:{ports[name]}{path}", data=body,
                                     headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=600) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def cloudevent(name, event_type, data, extensions=None):
    headers = {"ce-specversion": "1.0", "ce-id": str(uuid.uuid4()), "ce-source": "bench",
               "ce-type": event_type, "content-type": "application/json"}
    headers.update({f"ce-{k}": v for k, v in (extensions or {}).items()})
    return post(name, data, headers)


def measure(name, events, send):
    before = cpu_ms(procs[name].pid)
    failed = sum(1 for i in range(events) if send(i) >= 300)
    spent = cpu_ms(procs[name].pid) - before
    return {"events": events, "failed": failed, "cpu_ms": spent / max(events, 1),
            "peak_mib": peak_mib(procs[name].pid)}


results = {}

# hook: signed webhooks.
payload = open(f"{corpus}/github-webhooks/issue_comment/created.payload.json", "rb").read()
signature = "sha256=" + hmac.new(SECRET, payload, hashlib.sha256).hexdigest()
results["hook (a webhook)"] = measure("hook", webhooks, lambda i: post("hook", payload, {
    "content-type": "application/json", "x-github-event": "issue_comment",
    "x-github-delivery": str(uuid.uuid4()), "x-hub-signature-256": signature}, "/hook"))

# trigger: pull_request synchronize for kubernetes/kubernetes, each a new head.
template = json.load(open(f"{corpus}/github-webhooks/pull_request/synchronize.payload.json"))
template["repository"] = {**template["repository"], "name": "kubernetes", "full_name": "kubernetes/kubernetes",
                          "owner": {**template["repository"]["owner"], "login": "kubernetes"},
                          "html_url": "https://github.com/kubernetes/kubernetes"}
template["pull_request"] = {**template["pull_request"], "number": 1,
                            "user": {**template["pull_request"]["user"], "login": "alice"},
                            "base": {**template["pull_request"]["base"], "ref": "master",
                                     "sha": pull["base"]["sha"], "repo": template["repository"]},
                            "head": {**template["pull_request"]["head"], "ref": "fix"}}
template["number"] = 1
template["sender"] = {**template["sender"], "login": "alice"}


def pr_event(i):
    event = json.loads(json.dumps(template))
    event["pull_request"]["head"]["sha"] = hashlib.sha1(f"head-{i}".encode()).hexdigest()
    body = json.dumps(event).encode()
    sig = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    return cloudevent("trigger", "dev.prow.github.pull_request", body, {"ghsignature": sig, "action": "synchronize"})


results["trigger (a PR event)"] = measure("trigger", pr_events, pr_event)
jobs = kube("GET", "/apis/prow.k8s.io/v1/namespaces/default/prowjobs")["items"]
results["trigger (a PR event)"]["note"] = f"{len(jobs)} ProwJobs from {pr_events} events"


def job_ref(job, action):
    data = json.dumps({"kind": "ProwJob", "namespace": "default", "name": job["metadata"]["name"],
                       "apiVersion": "prow.k8s.io/v1"}).encode()
    return data, f"dev.knative.apiserver.ref.{action}"


# controller: each job's life, as its ApiServerSource wakes it (job added; later, its pod done).
def controller_life(i):
    data, kind = job_ref(jobs[i], "add")
    return cloudevent("controller", kind, data)


before = cpu_ms(procs["controller"].pid)
failed = sum(1 for i in range(len(jobs)) if controller_life(i) >= 300)
time.sleep(3)  # kwok runs each pod for 500 ms
for job in jobs:
    data, kind = job_ref(job, "update")
    failed += cloudevent("controller", kind, data) >= 300
spent = cpu_ms(procs["controller"].pid) - before
now = kube("GET", "/apis/prow.k8s.io/v1/namespaces/default/prowjobs")["items"]
states = {}
for job in now:
    state = job.get("status", {}).get("state", "")
    states[state] = states.get(state, 0) + 1
results["controller (a job's life)"] = {"events": len(jobs), "failed": failed, "cpu_ms": spent / max(len(jobs), 1),
                                        "peak_mib": peak_mib(procs["controller"].pid),
                                        "note": f"job states after: {states}"}

# crier: each job's report.
def crier_report(i):
    data, kind = job_ref(now[i], "update")
    return cloudevent("crier", kind, data)


results["crier (a job's report)"] = measure("crier", len(now), crier_report)

# horologium: the first ping starts every periodic; then steady pings.
ping = json.dumps({"ping": True}).encode()
first = measure("horologium", 1, lambda i: cloudevent("horologium", "dev.knative.sources.ping", ping))
results["horologium (a ping)"] = measure("horologium", 5, lambda i: cloudevent(
    "horologium", "dev.knative.sources.ping", ping))
count = len(kube("GET", "/apis/prow.k8s.io/v1/namespaces/default/prowjobs")["items"])
results["horologium (a ping)"]["note"] = f"first ping {first['cpu_ms']:.0f} CPU-ms; {count} ProwJobs after"
results["sinker (a ping)"] = measure("sinker", 3, lambda i: cloudevent("sinker", "dev.knative.sources.ping", ping))
results["tide (a ping)"] = measure("tide", 3, lambda i: cloudevent("tide", "dev.knative.sources.ping", ping))

for proc in [*procs.values(), standin]:
    proc.kill()
sink.shutdown()

print("per typical event, Kubernetes' configuration (prepared), release build; peak RSS of the process")
print(f"{'function (event)':<28} {'events':>6} {'failed':>6} {'CPU-ms':>9} {'peak MiB':>9} "
      f"{'Lambda $/1M':>12} {'Knative $/1M':>13}  note")
for name, r in results.items():
    lambda_gb_s = r["cpu_ms"] / 1000 * LAMBDA_MB_PER_VCPU / 1024
    on_lambda = 1_000_000 * (lambda_gb_s * LAMBDA_GB_SECOND + LAMBDA_REQUEST)
    vcpu_hours = r["cpu_ms"] / 3_600_000
    gb_hours = vcpu_hours * r["peak_mib"] / 1024  # memory held while the CPU works
    on_knative = 1_000_000 * (vcpu_hours * AUTOPILOT_VCPU_HOUR + gb_hours * AUTOPILOT_GB_HOUR)
    print(f"{name:<28} {r['events']:>6} {r['failed']:>6} {r['cpu_ms']:>9.2f} {r['peak_mib']:>9.1f} "
          f"{on_lambda:>12.2f} {on_knative:>13.3f}  {r.get('note', '')}")
