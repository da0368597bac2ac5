// The web page of the solve service: submit a scenario, watch the job, show the report.
// Plain JavaScript against the service's own API (the same endpoints as curl uses).
"use strict";

const $ = (id) => document.getElementById(id);
const POLL_MS = 300;

$("token").value = sessionStorage.getItem("wdnopt-token") || "";

function headers(extra) {
  const token = $("token").value.trim();
  sessionStorage.setItem("wdnopt-token", token);
  return Object.assign({ Authorization: "Bearer " + token }, extra || {});
}

function text(el, value) {
  el.textContent = value;
  return el;
}

const ACTIVE = ["queued", "running"];
let watched = null;

function reason(job) {
  return (job.error || []).join("; ");
}

function showStatus(job) {
  const box = $("status");
  box.replaceChildren();
  box.append("Job ", text(document.createElement("code"), job.id), ": ");
  box.append(text(Object.assign(document.createElement("span"), { className: "state", id: "state" }), job.status));
  const p = job.progress;
  if (p && p.total && ACTIVE.includes(job.status)) {
    const bar = Object.assign(document.createElement("progress"), { max: p.total, value: p.done });
    box.append(" ", bar, " " + p.done + "/" + p.total + " " + p.stage);
  }
  if (job.error && job.error.length) {
    box.append(" ", text(Object.assign(document.createElement("span"), { className: "reason", id: "reason" }), reason(job)));
  }
  $("cancel").hidden = !ACTIVE.includes(job.status);
}

async function cancelJob(id) {
  const r = await fetch("/jobs/" + id, { method: "DELETE", headers: headers() });
  if (!r.ok) showErrors(await problems(r));
  loadReports();
}

$("cancel").addEventListener("click", () => { if (watched) cancelJob(watched); });

function showErrors(list) {
  const ul = $("errors");
  ul.replaceChildren(...list.map((m) => text(document.createElement("li"), m)));
}

async function problems(response) {
  try {
    const body = await response.json();
    if (Array.isArray(body.detail)) return body.detail.map((d) => d.message);
  } catch (e) { /* not JSON */ }
  return [response.status + " " + response.statusText];
}

function formatNumber(x) {
  if (x === null || x === undefined) return "–";
  return Math.abs(x - Math.round(x)) < 1e-9 * Math.max(1, Math.abs(x))
    ? Math.round(x).toLocaleString("en")
    : x.toLocaleString("en", { maximumFractionDigits: 2 });
}

function unit(report) {
  if (report.kind === "routing") return "periods" in report ? "$ for the day" : "$/day";
  return report.objective_kind || "";
}

async function showReport(id) {
  const [json, html] = await Promise.all([
    fetch("/reports/" + id, { headers: headers() }),
    fetch("/reports/" + id + "?format=html", { headers: headers() }),
  ]);
  if (!json.ok) { showErrors(await problems(json)); return; }
  const report = (await json.json()).report;
  const cost = report.objective === null || report.objective === undefined
    ? "" : ": " + (report.kind === "routing"
      ? "total cost " + formatNumber(report.objective) + " " + unit(report)
      : "objective (" + unit(report) + ") " + formatNumber(report.objective));
  text($("headline"), (report.seasons ? "by season" : report.status) + cost);
  $("report").srcdoc = await html.text();
  $("result").hidden = false;
  loadReports();
}

async function watch(id) {
  watched = id;
  try {
    for (;;) {
      const r = await fetch("/jobs/" + id, { headers: headers() });
      if (!r.ok) { showErrors(await problems(r)); return; }
      const job = await r.json();
      showStatus(job);
      if (job.status === "done") { await showReport(id); return; }
      if (!ACTIVE.includes(job.status)) { showErrors(job.error || []); loadReports(); return; }
      await new Promise((ok) => setTimeout(ok, POLL_MS));
    }
  } finally {
    watched = null;
    $("cancel").hidden = true;
  }
}

$("file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  $("scenario").value = await file.text();
  if (file.name.endsWith(".json")) $("format").value = "json";
  else if (file.name.endsWith(".toml")) $("format").value = "toml";
});

$("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  showErrors([]);
  $("result").hidden = true;
  const body = $("scenario").value;
  let format = $("format").value;
  if (format === "auto") format = body.trimStart().startsWith("{") ? "json" : "toml";
  const params = new URLSearchParams();
  for (const name of ["time_limit", "algorithm", "season"]) {
    const value = $(name).value.trim();
    if (value) params.set(name, value);
  }
  if ($("figures").checked) params.set("figures", "true");
  const type = format === "json" ? "application/json" : "application/toml";
  $("submit").disabled = true;
  try {
    const r = await fetch("/solve" + (params.size ? "?" + params : ""), {
      method: "POST", headers: headers({ "Content-Type": type }), body,
    });
    if (r.status !== 202) { text($("status"), "Refused:"); showErrors(await problems(r)); return; }
    const job = await r.json();
    showStatus(job);
    loadReports();
    await watch(job.id);
  } catch (e) {
    showErrors([String(e)]);
  } finally {
    $("submit").disabled = false;
  }
});

async function loadReports() {
  if (!$("token").value.trim()) return;
  const r = await fetch("/jobs?limit=20", { headers: headers() });
  if (!r.ok) return;
  const rows = (await r.json()).jobs.map((job) => {
    const tr = document.createElement("tr");
    tr.className = "job-" + job.status;
    const outcome = job.status === "done" ? formatNumber(job.objective) : reason(job);
    for (const v of [job.finished_at || job.created_at, job.kind, job.name, job.result_status || job.status, outcome]) {
      tr.append(text(document.createElement("td"), v || ""));
    }
    const td = document.createElement("td");
    if (job.status === "done") {
      const open = text(document.createElement("button"), "show");
      open.type = "button";
      open.addEventListener("click", () => { showErrors([]); showReport(job.id); });
      td.append(open);
    } else if (ACTIVE.includes(job.status)) {
      const stop = text(document.createElement("button"), "cancel");
      stop.type = "button";
      stop.className = "cancel";
      stop.addEventListener("click", () => cancelJob(job.id));
      td.append(stop);
    }
    tr.append(td);
    return tr;
  });
  $("reports").tBodies[0].replaceChildren(...rows);
}

$("refresh").addEventListener("click", loadReports);
loadReports();
