// deck's only script: every page works without it; it makes filters apply as they change, shows
// times in the reader's zone, opens the folded log stretch a #L link points into, and reloads a
// running job's page until it ends.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.filters");
  if (form) {
    form.querySelectorAll("select").forEach((s) => s.addEventListener("change", () => form.requestSubmit()));
  }
  document.querySelectorAll("time[datetime]").forEach((t) => {
    const at = new Date(t.getAttribute("datetime"));
    if (!isNaN(at)) { t.title = t.textContent; t.textContent = at.toLocaleString(); }
  });
  const openTarget = () => {
    const target = location.hash && document.getElementById(location.hash.slice(1));
    if (target) {
      const folded = target.closest("details");
      if (folded) folded.open = true;
      target.scrollIntoView({ block: "center" });
    }
  };
  window.addEventListener("hashchange", openTarget);
  openTarget();
  const filter = document.getElementById("command-filter");
  if (filter) {
    filter.addEventListener("input", () => {
      const words = filter.value.toLowerCase();
      document.querySelectorAll("#commands tbody tr").forEach((row) => {
        row.hidden = words !== "" && !row.textContent.toLowerCase().includes(words);
      });
    });
  }
  const actions = document.getElementById("actions");
  if (actions) {
    const act = async (what, extra) => {
      const result = document.getElementById("action-result");
      const query = new URLSearchParams({ prowjob: actions.dataset.prowjob, ...extra });
      const answer = await fetch(`/${what}?${query}`, {
        method: "POST",
        headers: { "X-CSRF-Token": actions.dataset.csrf },
        credentials: "same-origin",
      });
      result.textContent = await answer.text();
      result.className = answer.ok ? "ok" : "refused";
    };
    const rerun = document.getElementById("rerun");
    if (rerun) rerun.addEventListener("click", () => act("rerun", {}));
    const abort = document.getElementById("abort");
    if (abort) abort.addEventListener("click", () => act("abort", {}));
  }
  // A running job: its output so far, every two seconds, until it ends; then the whole page.
  const live = document.getElementById("live");
  if (live) {
    const source = live.dataset.log;
    const output = document.getElementById("live-log");
    const poll = async () => {
      if (!source) { setTimeout(() => location.reload(), 5000); return; }
      try {
        const answer = await fetch(source, { credentials: "same-origin" });
        const state = answer.headers.get("X-Prow-Job-State") || "";
        if (answer.ok) {
          const follow = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
          output.textContent = await answer.text();
          if (follow) window.scrollTo(0, document.body.scrollHeight);
        }
        if (state !== "" && state !== "pending" && state !== "triggered") { location.reload(); return; }
      } catch (e) { /* try again */ }
      setTimeout(poll, 2000);
    };
    poll();
  }
});
