// The service report for signed-in agents: figures from /agent/api/insights for a date range.
"use strict";

const $ = (id) => document.getElementById(id);

function shown(value) {
  if (value === null || value === undefined) return "n/a";
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

function fillTable(id, header, rows) {
  const table = $(id);
  table.replaceChildren();
  const head = table.insertRow();
  for (const name of header) head.appendChild(Object.assign(document.createElement("th"), { textContent: name }));
  for (const row of rows) {
    const line = table.insertRow();
    row.forEach((cell, index) => {
      const td = line.insertCell();
      td.textContent = typeof cell === "number" ? shown(cell) : cell;
      if (index > 0 && typeof cell === "number") td.className = "number";
    });
  }
}

async function show(since, until) {
  const query = since ? `?since=${since}&until=${until}` : "";
  const response = await fetch(`/agent/api/insights${query}`, { credentials: "same-origin" });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401) {
    $("signed-out").hidden = false;
    $("insights").hidden = true;
    return;
  }
  $("insights-error").textContent = response.ok ? "" : data.error || "The report could not be made.";
  if (!response.ok) return;
  $("insights").hidden = false;
  $("range").elements.since.value = data.since;
  $("range").elements.until.value = data.until;
  fillTable("summary", ["Measure", "Value"], data.summary.map((r) => [r.metric, r.value]));
  fillTable("csat-intent", ["Intent", "CSAT", "Ratings"], data.csat_by_intent.map((r) => [r.intent, r.average, r.ratings]));
  fillTable("csat-flow", ["Flow", "CSAT", "Ratings"], data.csat_by_flow.map((r) => [r.flow, r.average, r.ratings]));
  fillTable("fallbacks", ["Message", "Times"], data.top_fallback_messages.map((r) => [r.message, r.times]));
  fillTable("comments", ["Rated at", "Rating", "Comment"], data.comments.map((r) => [r.rated_at, r.rating, r.comment]));
  $("csat-chart").src = data.charts.csat;
  $("intent-chart").src = data.charts.intent_mix;
}

$("range").addEventListener("submit", (event) => {
  event.preventDefault();
  show(event.target.elements.since.value, event.target.elements.until.value);
});
show();
