// The dashboard page of projections-api: plain DOM and SVG, no library, works offline on loopback.
"use strict";

const $ = (id) => document.getElementById(id);
const LEVELS = { MINISTRY: "Bộ", PROVINCE: "Tỉnh", DEPARTMENT: "Sở, ngành", DISTRICT: "Huyện", COMMUNE: "Xã" };
const STATUS = { SCORED: "", EMPTY: "(không có hồ sơ)", NOT_APPLICABLE: "(không áp dụng)", TRACKING: "(theo dõi)" };
let current = { indicator: null, dossier: null, live: null };
// Vietnamese names for the dashboards and their columns (the API keeps stable English identifiers).
const DASHBOARDS = {
  dashboard_backlog: "Hồ sơ đang tồn", dashboard_overdue: "Hồ sơ quá hạn", dashboard_timeliness: "Đúng hạn, trễ hạn",
  dashboard_throughput: "Tiếp nhận, giải quyết theo ngày", dashboard_handling_time: "Thời gian giải quyết",
  dashboard_postal_sla: "Chỉ tiêu bưu chính", dashboard_portal_sync_latency: "Đồng bộ Cổng DVCQG",
};
const COLUMNS = {
  unit_code: "Đơn vị", current_unit_code: "Đơn vị đang xử lý", procedure_code: "Thủ tục", channel: "Kênh",
  open_dossiers: "Đang tồn", awaiting_supplement: "Chờ bổ sung", awaiting_payment: "Chờ nộp phí", overdue: "Quá hạn",
  oldest_received_at: "Tiếp nhận sớm nhất", dossier_id: "Mã định danh", dossier_code: "Mã hồ sơ", status: "Trạng thái",
  received_at: "Tiếp nhận lúc", original_due_at: "Hạn ban đầu", effective_due_at: "Hạn hiện hành", overdue_by: "Quá hạn",
  month: "Tháng", day: "Ngày", received: "Tiếp nhận", early: "Trước hạn", on_time: "Đúng hạn", late: "Trễ hạn",
  pending_in_time: "Đang trong hạn", pending_overdue: "Đang quá hạn", undetermined: "Chưa xác định",
  on_time_percent: "% đúng hạn", finished: "Đã giải quyết", returned: "Đã trả", avg_days: "Số ngày TB",
  avg_days_without_supplement_waits: "Số ngày TB (trừ chờ bổ sung)", direction: "Chiều", route_class: "Tuyến",
  shipments: "Bưu gửi", completed: "Hoàn thành", within_sla: "Đạt chỉ tiêu", open_overdue: "Đang quá chỉ tiêu",
  returned_to_agency: "Chuyển hoàn", lost_or_damaged: "Thất lạc, hư hỏng", avg_hours: "Số giờ TB",
  status_code: "Trạng thái DVCQG", syncs: "Lượt đồng bộ", accepted: "Chấp nhận", rejected: "Từ chối",
  avg_latency_ms: "Độ trễ TB (ms)", p50_latency_ms: "Trung vị (ms)", p95_latency_ms: "P95 (ms)", max_latency_ms: "Tối đa (ms)",
};

$("token").value = localStorage.getItem("motcua.token") || "";
// A link may carry the query in its fragment (#unit=H44&period=2026-10&token=…): the fragment never
// reaches the server, so a printed demo link or a headless screenshot opens the page already filled in.
for (const [key, value] of new URLSearchParams(location.hash.slice(1))) {
  if (["token", "unit", "period", "ruleset", "as_of"].includes(key) && value) $(key).value = value;
}

function headers() {
  const token = $("token").value.trim();
  localStorage.setItem("motcua.token", token);
  return token ? { Authorization: "Bearer " + token } : {};
}

function params(extra) {
  const p = new URLSearchParams();
  p.set("unit", $("unit").value.trim());
  for (const id of ["period", "ruleset", "as_of"]) {
    const v = $(id).value.trim();
    if (v) p.set(id, v);
  }
  for (const [k, v] of Object.entries(extra || {})) if (v !== undefined && v !== null) p.set(k, v);
  return p;
}

async function api(path, query) {
  const response = await fetch(path + (query ? "?" + query.toString() : ""), { headers: headers() });
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const problem = await response.json();
      detail = problem.detail_vi || problem.title_vi || problem.detail || detail;
    } catch (e) { /* not a problem document */ }
    throw new Error(response.status + ": " + detail);
  }
  return response.json();
}

async function download(path, query, format) {
  query.set("format", format);
  const response = await fetch(path + "?" + query.toString(), { headers: headers() });
  if (!response.ok) { status("Không tải được: " + response.status); return; }
  const blob = await response.blob();
  const disposition = response.headers.get("Content-Disposition") || "";
  const name = (disposition.match(/filename="([^"]+)"/) || [null, "bang." + format])[1];
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  URL.revokeObjectURL(a.href);
}

function status(text, warn) {
  $("status").textContent = text;
  $("status").className = warn ? "warn" : "";
}

const fmt = (v, digits = 2) => (v === null || v === undefined ? "—" : Number(v).toFixed(digits));
const when = (iso) => (iso ? new Date(iso).toLocaleString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" }) : "—");

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

// Agencies before communes, then by code read as numbers (H44.2 before H44.10, H44.99 before H44.100).
const LEVEL_ORDER = { MINISTRY: 0, PROVINCE: 1, DEPARTMENT: 2, DISTRICT: 3, COMMUNE: 4 };
const codeKey = (code) => code.split(".").map((part) => (/^\d+$/.test(part) ? part.padStart(6, "0") : part)).join(".");
function unitOrder(a, b) {
  const level = (LEVEL_ORDER[a.unit_level] ?? 9) - (LEVEL_ORDER[b.unit_level] ?? 9);
  return level || codeKey(a.unit_code).localeCompare(codeKey(b.unit_code));
}

function renderTree(results) {
  const body = $("tree").querySelector("tbody");
  body.replaceChildren();
  [results[0], ...results.slice(1).sort(unitOrder)].forEach((r, i) => {
    const tr = document.createElement("tr");
    tr.className = "clickable";
    cell(tr, (i ? "  └ " : "") + r.unit_code + " — " + r.unit_name);
    cell(tr, LEVELS[r.unit_level] || r.unit_level);
    cell(tr, fmt(r.total) + " / " + fmt(r.maximum, 0), "num");
    cell(tr, r.band.name_vi || r.band.code);
    tr.onclick = () => { $("unit").value = r.unit_code; load(); };
    body.appendChild(tr);
  });
}

function renderIndex(r) {
  $("index-title").textContent = `Chỉ số ${r.unit_code} — ${r.unit_name} · ${r.period.start} … ${r.period.end}`;
  $("index-total").textContent =
    `Tổng: ${fmt(r.total)} / ${fmt(r.maximum, 0)} điểm · ${r.ruleset_title_vi}` +
    (r.knowledge_time ? ` · như đã biết lúc ${when(r.knowledge_time)}` : " · dữ liệu hiện có") +
    ` · đánh giá tại ${when(r.evaluation_time)}` + (r.warnings.length ? " · ⚠ " + r.warnings.join("; ") : "");
  const groups = $("groups");
  groups.replaceChildren();
  for (const g of r.groups) {
    const div = document.createElement("div");
    div.className = "group";
    const h = document.createElement("h3");
    h.textContent = `${g.code} — ${g.name_vi}: ${fmt(g.points)} / ${fmt(g.maximum, 1)}` + (g.excluded ? " (loại trừ)" : "");
    div.appendChild(h);
    const table = document.createElement("table");
    table.innerHTML = "<thead><tr><th>Chỉ tiêu</th><th>Tử số</th><th>Mẫu số</th><th>Tỷ lệ</th><th></th><th>Điểm</th></tr></thead>";
    const body = document.createElement("tbody");
    for (const i of g.indicators) {
      const tr = document.createElement("tr");
      tr.className = "clickable";
      tr.title = "Xem hồ sơ trong tử số, mẫu số và lý do";
      cell(tr, `${i.ref} ${i.name_vi} ${STATUS[i.status] || ""}`);
      cell(tr, i.numerator, "num");
      cell(tr, i.denominator, "num");
      const ratio = i.ratio === null ? null : Number(i.ratio);
      cell(tr, ratio === null ? "—" : i.value_kind === "RATIO" ? (100 * ratio).toFixed(2) + "%" : ratio.toFixed(2) + " ngày", "num");
      const bar = cell(tr, "");
      const pct = Number(i.maximum) > 0 ? Math.max(0, Math.min(1, Number(i.points) / Number(i.maximum))) : 0;
      bar.innerHTML = `<div class="bar"><span style="width:${(100 * pct).toFixed(1)}%"></span></div>`;
      cell(tr, fmt(i.points) + " / " + fmt(i.maximum, 1), "num");
      tr.onclick = () => explain(i);
      body.appendChild(tr);
    }
    table.appendChild(body);
    div.appendChild(table);
    groups.appendChild(div);
  }
}

function member() {
  return document.querySelector("input[name=member]:checked").value;
}

async function explain(indicator) {
  current.indicator = indicator;
  $("explain-section").hidden = false;
  $("explain-title").textContent = `Giải trình: ${indicator.ref} ${indicator.name_vi} (${indicator.numerator}/${indicator.denominator})`;
  try {
    const data = await api(`/index/indicators/${indicator.id}/dossiers`, params({ member: member() }));
    const body = $("explain").querySelector("tbody");
    body.replaceChildren();
    for (const row of data.rows) {
      const tr = document.createElement("tr");
      if (row.subject_kind === "DOSSIER") {
        tr.className = "clickable";
        tr.onclick = () => showTimeline(row.subject_id, row.subject_code);
      }
      cell(tr, row.subject_code || row.subject_id);
      cell(tr, row.unit_code || "");
      cell(tr, row.in_numerator ? "✓" : "");
      cell(tr, row.in_denominator ? "✓" : "");
      cell(tr, row.reason_vi);
      body.appendChild(tr);
    }
    $("explain-section").scrollIntoView({ behavior: "smooth" });
  } catch (e) { status(e.message, true); }
}

async function showTimeline(dossierId, code) {
  $("timeline-section").hidden = false;
  $("timeline-title").textContent = "Dòng thời gian hồ sơ " + (code || dossierId);
  const q = new URLSearchParams();
  if ($("as_of").value.trim()) q.set("as_of", $("as_of").value.trim());
  try {
    const data = await api(`/dossiers/${dossierId}/timeline`, q);
    const body = $("timeline").querySelector("tbody");
    body.replaceChildren();
    for (const row of data.rows) {
      const tr = document.createElement("tr");
      cell(tr, row.ordinal);
      cell(tr, row.kind);
      cell(tr, when(row.at));
      cell(tr, when(row.effective_due_at));
      cell(tr, row.note);
      body.appendChild(tr);
    }
    $("timeline-section").scrollIntoView({ behavior: "smooth" });
  } catch (e) { status(e.message, true); }
}

// -- charts (plain SVG) ----------------------------------------------------------------------------------

function svgEl(name, attrs, text) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

function bars(svg, labels, series, colors, names) {
  svg.replaceChildren();
  const W = svg.clientWidth || 400, H = 200, pad = 28;
  const totals = labels.map((_, i) => series.reduce((s, values) => s + (values[i] || 0), 0));
  const max = Math.max(1, ...totals);
  const step = (W - pad * 2) / Math.max(1, labels.length);
  labels.forEach((label, i) => {
    let y = H - pad;
    series.forEach((values, s) => {
      const h = ((values[i] || 0) / max) * (H - pad * 2);
      y -= h;
      svg.appendChild(svgEl("rect", { x: pad + i * step + 1, y, width: Math.max(1, step - 2), height: h, fill: colors[s] },));
      svg.lastChild.appendChild(svgEl("title", {}, `${label} · ${names[s]}: ${values[i] || 0}`));
    });
    // Only as many labels as fit side by side (about 45 px each).
    const every = Math.max(1, Math.ceil(labels.length / Math.max(1, Math.floor((W - pad * 2) / 45))));
    if (i % every === 0)
      svg.appendChild(svgEl("text", { x: pad + i * step + step / 2, y: H - 8, "font-size": 9, "text-anchor": "middle" }, label));
  });
  svg.appendChild(svgEl("text", { x: 4, y: 12, "font-size": 10 }, String(max)));
  names.forEach((n, s) => svg.appendChild(svgEl("text", { x: W - 150, y: 14 + 12 * s, "font-size": 10, fill: colors[s] }, "■ " + n)));
}

function sumBy(rows, key, fields) {
  const out = new Map();
  for (const r of rows) {
    const k = String(r[key]);
    const acc = out.get(k) || fields.map(() => 0);
    fields.forEach((f, i) => { acc[i] += Number(r[f] || 0); });
    out.set(k, acc);
  }
  return new Map([...out.entries()].sort());
}

async function loadCharts() {
  const q = new URLSearchParams();
  q.set("unit", $("unit").value.trim());
  if ($("as_of").value.trim()) q.set("as_of", $("as_of").value.trim());
  try {
    const [through, timely, backlog] = await Promise.all([
      api("/dashboards/dashboard_throughput", q),
      api("/dashboards/dashboard_timeliness", q),
      api("/dashboards/dashboard_backlog", q),
    ]);
    const byDay = sumBy(through.rows, "day", ["received", "finished"]);
    bars($("chart-throughput"), [...byDay.keys()].map((d) => d.slice(5)),
      [[...byDay.values()].map((v) => v[0]), [...byDay.values()].map((v) => v[1])],
      ["#2d6cdf", "#1f7a3f"], ["Tiếp nhận", "Giải quyết"]);
    const byUnit = sumBy(timely.rows, "unit_code", ["early", "on_time", "late", "pending_overdue"]);
    bars($("chart-timeliness"), [...byUnit.keys()],
      [0, 1, 2, 3].map((i) => [...byUnit.values()].map((v) => v[i])),
      ["#1f7a3f", "#6cb36c", "#c0392b", "#e67e22"], ["Trước hạn", "Đúng hạn", "Trễ hạn", "Đang quá hạn"]);
    const open = sumBy(backlog.rows, "unit_code", ["open_dossiers", "overdue"]);
    bars($("chart-backlog"), [...open.keys()],
      [[...open.values()].map((v) => v[0] - v[1]), [...open.values()].map((v) => v[1])],
      ["#2d6cdf", "#c0392b"], ["Trong hạn", "Quá hạn"]);
  } catch (e) { status(e.message, true); }
}

// The projector's faust windows (wall-clock minutes): the machinery's pulse, refreshed every 15 s.
const ACTIVITY = [
  ["dossier-received", "Tiếp nhận", "#2d6cdf"],
  ["result-issued", "Có kết quả", "#1f7a3f"],
  ["result-returned", "Trả kết quả", "#8e44ad"],
];

async function loadActivity() {
  const q = new URLSearchParams({ minutes: "60" });
  try {
    const data = await api("/activity", q);
    const minutes = data.minutes;
    const named = new Set(ACTIVITY.map((a) => a[0]));
    const series = ACTIVITY.map(([kind]) => minutes.map((m) => m.counts[kind] || 0));
    series.push(minutes.map((m) => Object.entries(m.counts).filter(([k]) => !named.has(k)).reduce((s, [, n]) => s + n, 0)));
    const labels = minutes.map((m) => new Date(m.start).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" }));
    bars($("chart-activity"), labels, series, [...ACTIVITY.map((a) => a[2]), "#95a5a6"], [...ACTIVITY.map((a) => a[1]), "Sự kiện khác"]);
    const total = minutes.reduce((s, m) => s + m.total, 0);
    $("activity-note").textContent = `(${total.toLocaleString("vi-VN")} sự kiện)`;
  } catch (e) {
    $("activity-note").textContent = "(chưa xem được: " + e.message + ")";
  }
}

// Times come from the server as ISO 8601 (often UTC); people read business time, +07:00.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
function shown(value) {
  const text = String(value);
  return ISO_TIME.test(text) ? when(text) : text;
}

async function loadDashboardTable() {
  const stem = $("dashboard").value;
  if (!stem) return;
  const q = new URLSearchParams();
  q.set("unit", $("unit").value.trim());
  if ($("as_of").value.trim()) q.set("as_of", $("as_of").value.trim());
  try {
    const data = await api("/dashboards/" + stem, q);
    const head = $("dashboard-table").querySelector("thead");
    const body = $("dashboard-table").querySelector("tbody");
    head.replaceChildren();
    body.replaceChildren();
    const hr = document.createElement("tr");
    for (const c of data.columns) {
      const th = document.createElement("th");
      th.textContent = COLUMNS[c] || c;
      th.title = c;
      hr.appendChild(th);
    }
    head.appendChild(hr);
    for (const row of data.rows) {
      const tr = document.createElement("tr");
      for (const c of data.columns) cell(tr, row[c] === null ? "" : shown(row[c]));
      body.appendChild(tr);
    }
  } catch (e) { status(e.message, true); }
}

async function load() {
  status("Đang tải…");
  try {
    const [tree] = await Promise.all([api("/index/tree", params())]);
    renderTree(tree);
    renderIndex(tree[0]);
    status("Đã cập nhật lúc " + new Date().toLocaleTimeString("vi-VN"));
  } catch (e) { status(e.message, true); }
  loadCharts();
  loadActivity();
  loadDashboardTable();
}

// -- live view: the server pushes the current period's index whenever the projection moves ---------------

async function startLive() {
  const controller = new AbortController();
  current.live = controller;
  const q = new URLSearchParams();
  q.set("unit", $("unit").value.trim());
  if ($("ruleset").value) q.set("ruleset", $("ruleset").value);
  try {
    const response = await fetch("/live?" + q.toString(), { headers: headers(), signal: controller.signal });
    if (!response.ok) throw new Error(response.status + " " + response.statusText);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const message = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = message.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (data) {
          renderIndex(JSON.parse(data));
          status("Trực tiếp · cập nhật lúc " + new Date().toLocaleTimeString("vi-VN"));
          loadCharts();
        }
      }
    }
  } catch (e) {
    if (e.name !== "AbortError") status("Mất kết nối trực tiếp: " + e.message, true);
  }
}

$("live").onchange = () => {
  if (current.live) { current.live.abort(); current.live = null; }
  if ($("live").checked) startLive();
};
$("query").onsubmit = (e) => { e.preventDefault(); load(); };
document.querySelectorAll("input[name=member]").forEach((r) => { r.onchange = () => current.indicator && explain(current.indicator); });
document.querySelectorAll("[data-export]").forEach((a) => {
  a.onclick = (e) => { e.preventDefault(); download(a.dataset.export, params(), a.dataset.format); };
});
for (const format of ["csv", "xlsx"]) {
  $("explain-" + format).onclick = (e) => {
    e.preventDefault();
    if (current.indicator) download(`/index/indicators/${current.indicator.id}/dossiers`, params({ member: member() }), format);
  };
  $("dashboard-" + format).onclick = (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    q.set("unit", $("unit").value.trim());
    if ($("as_of").value.trim()) q.set("as_of", $("as_of").value.trim());
    download("/dashboards/" + $("dashboard").value, q, format);
  };
}
$("dashboard").onchange = loadDashboardTable;

(async () => {
  if (!$("token").value) { status("Nhập mã truy cập (vai trò auditor, operator hoặc agency_lead) rồi bấm Xem.", true); }
  try {
    const list = await api("/dashboards");
    for (const stem of list.dashboards) {
      const option = document.createElement("option");
      option.value = stem;
      option.textContent = DASHBOARDS[stem] || stem.replace("dashboard_", "").replaceAll("_", " ");
      $("dashboard").appendChild(option);
    }
    await load();
    setInterval(() => { if (!document.hidden && $("token").value) loadActivity(); }, 15000);
  } catch (e) { status(e.message, true); }
})();
