#!/usr/bin/env python3
"""Writes the fuzz targets' seed inputs: from the team's corpus (../shared/corpus: GitHub's
webhook examples, Kubernetes' and upstream's Prow configuration), which must not be copied into
the repository, plus the small hand-written seeds below.

Usage: seeds.py OUT_DIR [CORPUS_DIR]   (without CORPUS_DIR, only the hand-written seeds)

Each target's seeds go to OUT_DIR/<target>/, one file per input, in the input format its
fuzz_targets/<target>.rs describes.
"""

import base64
import glob
import hashlib
import json
import os
import re
import sys


def write(out, target, name, data):
    if isinstance(data, str):
        data = data.encode()
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def http_like(first_line, headers, body):
    """The targets' request format: a first line, `Name: value` headers, an empty line, a body."""
    if isinstance(body, str):
        body = body.encode()
    head = first_line + "\n" + "".join(f"{k}: {v}\n" for k, v in headers) + "\n"
    return head.encode() + body


def webhook(mode, event, delivery, body, content_type="application/json"):
    headers = [("X-GitHub-Event", event), ("X-GitHub-Delivery", delivery)]
    if content_type:
        headers.append(("Content-Type", content_type))
    return http_like(mode, headers, body)


# Hand-written seeds: ours.

SMALL_PULL = json.dumps({
    "action": "opened", "number": 7,
    "pull_request": {"id": 1, "number": 7, "title": "t", "body": "/lgtm", "state": "open",
                     "user": {"login": "alice", "id": 1}, "html_url": "https://github.com/octo-org/r/pull/7",
                     "head": {"ref": "f", "sha": "a" * 40}, "base": {"ref": "main", "sha": "b" * 40}},
    "repository": {"id": 1, "name": "r", "full_name": "octo-org/r", "owner": {"login": "octo-org", "id": 2},
                   "html_url": "https://github.com/octo-org/r"},
    "sender": {"login": "alice", "id": 1},
})


def hand_written_webhooks(out):
    for mode in ["signed", "forged", "scoped", "scoped-org", "refused", "unsigned"]:
        write(out, "webhook_intake", f"hand-{mode}", webhook(mode, "pull_request", "d-1", SMALL_PULL))
    write(out, "webhook_intake", "hand-ping", webhook("signed", "ping", "d-2", '{"zen": "Keep it logically awesome."}'))
    write(out, "webhook_intake", "hand-unknown-event", webhook("signed", "workflow_job", "d-3", '{"action": "queued"}'))
    write(out, "webhook_intake", "hand-form", webhook("signed", "push", "d-4", "payload=%7B%7D", "application/x-www-form-urlencoded"))
    write(out, "webhook_intake", "hand-no-event", http_like("signed", [("X-GitHub-Delivery", "d-5"), ("Content-Type", "application/json")], "{}"))
    write(out, "webhook_intake", "hand-bad-signature", http_like("unsigned", [
        ("X-GitHub-Event", "ping"), ("X-GitHub-Delivery", "d-6"), ("Content-Type", "application/json"),
        ("X-Hub-Signature-256", "sha256=" + "0" * 64)], "{}"))
    write(out, "webhook_intake", "hand-length", http_like("signed", [
        ("X-GitHub-Event", "ping"), ("X-GitHub-Delivery", "d-7"), ("Content-Type", "application/json"),
        ("Content-Length", "99999999999")], "{}"))


COMMANDS = [
    "/test all", "/test pull-test-infra-unit", "/test manual", "/test", "/test ?", "/retest",
    "/retest pull-test-infra-unit", "/retest-required", "/test-manual-required", "/ok-to-test",
    "/ok-to-test cancel", "/lgtm", "/lgtm cancel", "/lgtm no-issue", "/approve", "/approve no-issue",
    "/approve cancel", "/assign", "/assign @bob @carol", "/unassign @alice", "/cc @bob", "/uncc @bob",
    "/cc @kubernetes/sig-testing", "/hold", "/hold cancel", "/unhold", "/label kind/custom",
    "/remove-label kind/custom", "/label cve", "/kind bug", "/remove-kind bug", "/area infra",
    "/priority important-soon", "/remove-priority important-soon", "/triage accepted", "/sig testing",
    "/lifecycle frozen", "/lifecycle stale", "/remove-lifecycle stale", "/close", "/close not-planned",
    "/reopen", "/milestone v1.0", "/milestone clear", "/status approved-for-milestone",
    "/override pull-test-infra-unit", "/override cancel", "/retitle A better title", "/meow",
    "/meow caturday", "/meowvie", "/help", "/remove-help", "/good-first-issue",
    "/remove-good-first-issue", "/skip", "/release-note-none", "/release-note-edit", "/auto-cc",
    "/woof", "/honk",
    "```release-note\nAdded a flag.\n```",
    "Looks good!\n/lgtm\n/approve\n/hold",
    "```\n/test all\n```\n/retest",
    "~~~\n/lgtm\n~~~",
    "<!-- /lgtm -->\n/kind bug\r\n/area infra",
    "/test pull-test-infra-unit pull-test-infra-docs",
    "Fixes #123\n\n```release-note\nNONE\n```",
]


def hand_written_commands(out):
    for i, text in enumerate(COMMANDS):
        # Flags: where the text appears (bits 0-1) and who wrote it (bits 2-6); see commands.rs.
        for flags in [0x0C, 0x01 | 0x04, 0x02 | 0x20, 0x03 | 0x10 | 0x40]:
            write(out, "commands", f"hand-{i:02}-{flags:02x}", bytes([flags]) + text.encode())


TEMPLATES = [
    "{{.Spec.Job}}/{{.Status.BuildID}}",
    "{{if eq .Spec.Type \"presubmit\"}}pull{{else if eq .Spec.Type \"batch\"}}batch{{else}}logs{{end}}",
    "{{range $i, $p := .Spec.Refs.Pulls}}{{$i}}:{{$p.Number}}{{end}}",
    "{{range .Spec.ExtraRefs}}x{{else}}none{{end}}",
    "{{with index .Spec.Refs.Pulls 0}}{{.Number}} by {{.Author}}{{end}}",
    "{{len .Spec.Refs.Pulls}} {{printf \"%s/%d %q %v %5.2f\" .Spec.Job 7 \"x\" .Spec.Report 1.5}}",
    "{{.Spec.Job | printf \"[%s]\"}}",
    "{{if and .Spec.Refs (not .Spec.Report) (or .Status.URL false)}}yes{{end}}",
    "{{if lt 1 2}}{{if ge .Status.Retries 0}}ok{{end}}{{end}}",
    "a  {{- .Spec.Job -}}  b {{/* comment */}}",
    "{{$.Metadata.Name}} {{.ObjectMeta.Name}} {{.Labels}}",
    "{{index .Spec.Refs \"org\"}} {{index .Metadata.Labels \"prow.k8s.io/type\"}}",
    "{{ print 1 2.5 \"s\" true nil }}",
    "{{(.Spec.Refs).Org}}{{end}}",
]


def hand_written_templates(out):
    for i, text in enumerate(TEMPLATES):
        write(out, "go_template", f"hand-{i:02}", text)


def cloudevent_binary(mode, ce_type, body, extra=()):
    headers = [("ce-specversion", "1.0"), ("ce-id", "d-1"), ("ce-source", "https://github.com/octo-org/r"),
               ("ce-type", ce_type), ("content-type", "application/json")] + list(extra)
    return http_like(mode, headers, body)


def hand_written_cloudevents(out):
    write(out, "cloudevent", "hand-binary-signed", cloudevent_binary("signed", "dev.prow.github.pull_request", SMALL_PULL,
                                                                  [("ce-action", "opened"), ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]))
    write(out, "cloudevent", "hand-binary-unsigned", cloudevent_binary("unsigned", "dev.prow.github.issue_comment", "{}",
                                                                    [("ce-ghsignature", "sha256=" + "0" * 64)]))
    write(out, "cloudevent", "hand-ping", cloudevent_binary("", "dev.knative.sources.ping", '{"body": "resync"}'))
    write(out, "cloudevent", "hand-apiserver", cloudevent_binary("", "dev.knative.apiserver.resource.update",
                                                                  '{"metadata": {"name": "job-1", "namespace": "default"}, "kind": "ProwJob"}'))
    write(out, "cloudevent", "hand-apiserver-ref", cloudevent_binary("", "dev.knative.apiserver.ref.add",
                                                                      '{"name": "job-1", "kind": "ProwJob", "apiVersion": "prow.k8s.io/v1"}'))
    structured = {"specversion": "1.0", "id": "d-2", "source": "https://github.com/octo-org/r",
                  "type": "dev.prow.github.pull_request", "datacontenttype": "application/json",
                  "time": "2026-01-01T00:00:00Z", "ghsignature": "sha256=" + "0" * 64, "action": "opened",
                  "data": json.loads(SMALL_PULL)}
    write(out, "cloudevent", "hand-structured-signed", http_like("signed", [("content-type", "application/cloudevents+json")], json.dumps(structured)))
    structured_b64 = dict(structured, data_base64=base64.b64encode(b"{}").decode())
    del structured_b64["data"]
    write(out, "cloudevent", "hand-structured-base64", http_like("signed", [("content-type", "application/cloudevents+json; charset=utf-8")], json.dumps(structured_b64)))
    v03 = {"specversion": "0.3", "id": "x", "source": "/s", "type": "dev.prow.github.ping", "datacontentencoding": "base64", "data": "e30="}
    write(out, "cloudevent", "hand-structured-v03", http_like("", [("content-type", "application/cloudevents+json")], json.dumps(v03)))


def envelope(event_type, data, message_id="m-1", camel=True, attributes=None,
             subscription="projects/p/subscriptions/s"):
    attrs = {"prow.k8s.io/pubsub.EventType": event_type}
    attrs.update(attributes or {})
    message = {"data": base64.b64encode(json.dumps(data).encode()).decode(), "attributes": attrs}
    if camel:
        message.update({"messageId": message_id, "publishTime": "2026-01-01T00:00:00Z"})
    else:
        message.update({"message_id": message_id, "publish_time": "2026-01-01T00:00:00Z"})
    return json.dumps({"message": message, "subscription": subscription})


def hand_written_pushes(out):
    refs = {"org": "kubernetes", "repo": "test-infra", "base_ref": "main", "base_sha": "b" * 40,
            "pulls": [{"number": 7, "author": "alice", "sha": "a" * 40}]}
    bodies = {
        "periodic": envelope("prow.k8s.io/pubsub.PeriodicProwJobEvent",
                             {"name": "ci-periodic", "envs": {"A": "c", "B": "d"}, "labels": {"l": "v" * 70},
                              "annotations": {"a": "b"}}),
        "periodic-refs": envelope("prow.k8s.io/pubsub.PeriodicProwJobEvent", {"name": "ci-periodic", "refs": refs}, camel=False),
        "presubmit": envelope("prow.k8s.io/pubsub.PresubmitProwJobEvent", {"name": "pull-unit", "refs": refs}),
        "presubmit-no-pull": envelope("prow.k8s.io/pubsub.PresubmitProwJobEvent", {"name": "pull-unit", "refs": dict(refs, pulls=[])}),
        "postsubmit": envelope("prow.k8s.io/pubsub.PostsubmitProwJobEvent", {"name": "post-push", "refs": dict(refs, pulls=[])}),
        "cluster-not-allowed": envelope("prow.k8s.io/pubsub.PostsubmitProwJobEvent", {"name": "post-gpu", "refs": dict(refs, pulls=[])}),
        "unknown-subscription": envelope("prow.k8s.io/pubsub.PeriodicProwJobEvent", {"name": "ci-periodic"},
                                         subscription="projects/q/subscriptions/s"),
        "unknown-job": envelope("prow.k8s.io/pubsub.PeriodicProwJobEvent", {"name": "nope"}),
        "unknown-type": envelope("prow.k8s.io/pubsub.Other", {"name": "ci-periodic"}),
        "no-id": envelope("prow.k8s.io/pubsub.PeriodicProwJobEvent", {"name": "ci-periodic"}, message_id=""),
        "not-base64": json.dumps({"message": {"data": "%%%", "messageId": "m", "attributes": {"prow.k8s.io/pubsub.EventType": "x"}}}),
    }
    for name, body in bodies.items():
        write(out, "pubsub_push", f"hand-{name}", http_like("token", [("Content-Type", "application/json")], body))
    write(out, "pubsub_push", "hand-bearer", http_like("", [("Authorization", "Bearer fuzz-push-token")], bodies["periodic"]))
    write(out, "pubsub_push", "hand-wrong-token", http_like("token=nope", [], bodies["periodic"]))


def hand_written_config(out):
    write(out, "config_load", "hand-minimal", "pod_namespace: test-pods\n\0presubmits:\n  o/r:\n  - name: j\n    always_run: true\n    spec: {containers: [{image: a}]}\n\0plugins:\n  o: {plugins: [lgtm]}\n\0presubmits:\n- name: in-repo\n  spec: {containers: [{image: a}]}\n")
    write(out, "config_load", "hand-flow", "{a: [1, 2, {b: c}], d: \"e\\u0041\", f: 'g''h', i: !!str 5}\n")
    write(out, "config_load", "hand-anchors", "a: &x {b: 1}\nc: *x\nd:\n  <<: *x\n  e: |\n    text\n  f: >-\n    folded\n---\nsecond: doc\n")


# Seeds from the corpus: generated, never copied into the repository.

def corpus_webhooks(out, corpus):
    for path in sorted(glob.glob(os.path.join(corpus, "github-webhooks", "*", "*.json"))):
        event = os.path.basename(os.path.dirname(path))
        with open(path, "rb") as f:
            body = f.read()
        delivery = hashlib.sha1(path.encode()).hexdigest()[:12]
        name = f"corpus-{event}-{os.path.basename(path)}"
        write(out, "webhook_intake", name, webhook("signed", event, delivery, body))
        # The same payload forwarded by hook as a binary-mode CloudEvent.
        write(out, "cloudevent", name, cloudevent_binary("signed", f"dev.prow.github.{event}", body))
        try:
            payload = json.loads(body)
        except ValueError:
            continue
        for key in ["comment", "review", "pull_request", "issue"]:
            text = (payload.get(key) or {}).get("body") if isinstance(payload.get(key), dict) else None
            if text:
                seed = bytes([0x0C]) + text.encode()
                write(out, "commands", "corpus-" + hashlib.sha1(seed).hexdigest()[:12], seed)
                break


def corpus_config(out, corpus):
    k8s = os.path.join(corpus, "k8s-prow", "config")
    for path in [os.path.join(k8s, "prow", "config.yaml"), os.path.join(corpus, "prow-integration", "config.yaml")]:
        if os.path.exists(path):
            with open(path, "rb") as f:
                text = f.read()
            write(out, "config_load", "corpus-config-" + path.replace(os.sep, "_")[-40:], text)
            for template in re.findall(rb"'([^'\n]*\{\{[^'\n]*)'|\"([^\"\n]*\{\{[^\"\n]*)\"", text):
                template = template[0] or template[1]
                write(out, "go_template", "corpus-" + hashlib.sha1(template).hexdigest()[:12], template)
    plugins = os.path.join(k8s, "prow", "plugins.yaml")
    if os.path.exists(plugins):
        with open(plugins, "rb") as f:
            write(out, "config_load", "corpus-plugins.yaml", b"\0\0" + f.read())
    # A sample of the job files, spread over their sizes: all 600 would make the first pass over
    # the seeds take longer than a CI run. Small ones also go in as a pull request's .prow.yaml.
    jobs = sorted(glob.glob(os.path.join(k8s, "jobs", "**", "*.yaml"), recursive=True), key=os.path.getsize)
    sample = [p for p in jobs if os.path.getsize(p) <= 16384][::12]
    for path in sample:
        with open(path, "rb") as f:
            text = f.read()
        name = os.path.relpath(path, k8s).replace(os.sep, "_")
        write(out, "config_load", f"corpus-job-{name}", b"\0" + text)
        if len(text) <= 4096:
            write(out, "config_load", f"corpus-inrepo-{name}", b"\0\0\0" + text)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = sys.argv[1]
    hand_written_webhooks(out)
    hand_written_commands(out)
    hand_written_templates(out)
    hand_written_cloudevents(out)
    hand_written_pushes(out)
    hand_written_config(out)
    if len(sys.argv) == 3:
        corpus = sys.argv[2]
        corpus_webhooks(out, corpus)
        corpus_config(out, corpus)
    for target in sorted(os.listdir(out)):
        print(f"seeds: {target}: {len(os.listdir(os.path.join(out, target)))}")


if __name__ == "__main__":
    main()
