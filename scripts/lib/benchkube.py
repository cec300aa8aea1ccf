"""What the benchmark drivers (bench-cost.py, traffic-model.py) share: free loopback ports, a
function's /healthz, and the Kubernetes API of a running kube-testenv, with every build cluster
Kubernetes' jobs name pointed at it."""

import glob
import json
import os
import re
import socket
import ssl
import time
import urllib.error
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_healthy(port, proc, name, log):
    """Waits until the process answers /healthz; exits naming `log` if it dies first."""
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.02)
    raise SystemExit(f"{name} did not answer /healthz")


class Kube:
    """The Kubernetes API of the kube-testenv whose kubeconfig is `kubeconfig`."""

    def __init__(self, kubeconfig):
        text = open(kubeconfig).read()
        self.server = re.search(r"server: (\S+)", text).group(1)
        self.token = re.search(r"token: (\S+)", text).group(1)
        self.ca_file = re.search(r"certificate-authority: (\S+)", text).group(1)
        self.tls = ssl.create_default_context(cafile=self.ca_file)

    def __call__(self, method, path, body=None):
        request = urllib.request.Request(
            self.server + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=self.tls) as r:
            return json.load(r)

    def ensure_namespace(self, name):
        try:
            self("POST", "/api/v1/namespaces", {"metadata": {"name": name}})
        except urllib.error.HTTPError as e:
            if e.code != 409:
                raise

    def write_build_clusters(self, k8s, folder):
        """A kubeconfig in `folder` with a context for every build cluster the jobs under `k8s`
        name, each this control plane (upstream's --kubeconfig-dir: contexts are aliases)."""
        clusters = {"default"}
        for path in glob.glob(f"{k8s}/jobs/**/*.yaml", recursive=True):
            clusters.update(re.findall(r"^\s+cluster: ([a-z0-9-]+)\s*$", open(path).read(), re.M))
        os.makedirs(folder, exist_ok=True)
        with open(f"{folder}/kubeconfig", "w") as f:
            f.write("apiVersion: v1\nkind: Config\n")
            f.write(f"clusters: [{{name: testenv, cluster: {{server: {self.server}, "
                    f"certificate-authority: {self.ca_file}}}}}]\n")
            f.write(f"users: [{{name: testenv, user: {{token: {self.token}}}}}]\n")
            f.write("contexts:\n")
            for c in sorted(clusters):
                f.write(f"- {{name: {c}, context: {{cluster: testenv, user: testenv}}}}\n")
            f.write("current-context: default\n")
