// The medpolicy workbench: a client of the JSON API like any other (POST /v1/extract,
// POST /v1/determinations, POST /v1/claims/837). No PHI is kept: the note and the encounter
// live in this page only; the API key, if one is needed, in this tab's sessionStorage.
"use strict";

const state = { extraction: null, encounter: null, chosen: null, all: [] };
const $ = (id) => document.getElementById(id);
const keyStorage = "medpolicy.apiKey";

// ---- API ------------------------------------------------------------------------------------

async function call(method, path, body, contentType, accept) {
  const headers = {};
  const key = $("api-key").value.trim();
  if (key) headers["Authorization"] = "Bearer " + key;
  if (contentType) headers["Content-Type"] = contentType;
  if (accept) headers["Accept"] = accept;
  let response;
  try {
    response = await fetch(path, { method, headers, body });
  } catch (error) {
    return { ok: false, problem: { status: 0, title: "Network error", detail: "the server could not be reached: " + error.message } };
  }
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok) {
    let problem = { status: response.status, title: response.statusText, detail: "HTTP " + response.status };
    if (type.includes("json")) { try { problem = await response.json(); } catch (_) { /* keep the status */ } }
    return { ok: false, problem };
  }
  if (type.includes("json")) return { ok: true, json: await response.json(), response };
  return { ok: true, blob: await response.blob(), response };
}

// ---- Errors next to their fields --------------------------------------------------------------

function showError(id, message) {
  const element = $(id);
  element.textContent = message;
  element.hidden = false;
  const field = document.querySelector(`[aria-describedby~="${id}"]`);
  if (field) field.setAttribute("aria-invalid", "true");
}

function clearErrors(scope) {
  for (const element of scope.querySelectorAll(".error")) { element.hidden = true; element.textContent = ""; }
  for (const field of scope.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
}

// The field a located error (a JSON path such as "lines[0].code") belongs to.
function errorTargetFor(path) {
  const clean = (path || "").replace(/^\$\.?/, "").replace(/^\//, "");
  if (clean.startsWith("lines")) return "lines-error";
  if (clean.startsWith("procedure.sites")) return "sites-error";
  if (clean.startsWith("diagnoses")) return "enc-diagnoses-error";
  for (const field of document.querySelectorAll("#encounter-form [data-path]")) {
    const own = field.getAttribute("aria-describedby");
    if (own && clean === field.dataset.path) return own.split(" ").pop();
  }
  return null;
}

// A problem+json answer shown where it belongs: a key problem under the key, located errors
// under their fields, the rest above the form's button.
function showProblem(problem, fallbackId) {
  if (problem.status === 401) { showError("api-key-error", problem.detail); $("api-key").focus(); return; }
  const located = Array.isArray(problem.errors) ? problem.errors : [];
  const unplaced = [];
  for (const error of located) {
    const target = errorTargetFor(error.path);
    if (target && fallbackId === "form-error") showError(target, error.message); else unplaced.push(error);
  }
  if (located.length > 0 && unplaced.length === 0) { showError(fallbackId, problem.title + ": see the fields marked."); return; }
  const element = $(fallbackId);
  element.textContent = "";
  const heading = document.createElement("span");
  heading.textContent = (problem.title ? problem.title + ": " : "") + (unplaced.length ? "" : problem.detail);
  element.appendChild(heading);
  if (unplaced.length) {
    const list = document.createElement("ul");
    for (const error of unplaced) {
      const item = document.createElement("li");
      item.textContent = (error.path ? error.path + ": " : "") + error.message;
      list.appendChild(item);
    }
    element.appendChild(list);
  }
  element.hidden = false;
}

// ---- 1. Note → extraction ---------------------------------------------------------------------

async function extract(event) {
  event.preventDefault();
  clearErrors($("note-form"));
  $("api-key-error").hidden = true;
  const query = new URLSearchParams();
  if ($("note-date").value) query.set("date", $("note-date").value);
  if ($("payer").value) query.set("payer", $("payer").value);
  const result = await call("POST", "/v1/extract?" + query, $("note").value, "text/plain; charset=utf-8");
  if (!result.ok) {
    const detail = result.problem.detail || "";
    const target = result.problem.status === 400 && detail.startsWith("date") ? "note-date-error"
      : result.problem.status === 400 && detail.startsWith("payer") ? "payer-error" : "note-error";
    if (result.problem.status === 401) showProblem(result.problem, target); else showError(target, detail);
    $("note").focus();
    return;
  }
  state.extraction = result.json;
  state.encounter = draftEncounter(result.json);
  showFacts(result.json, $("note").value);
  fillForm(state.encounter);
  for (const id of ["facts-section", "encounter-section", "download-section"]) $(id).hidden = false;
  for (const id of ["determination-section", "coding-section", "checklist-section"]) $(id).hidden = true;
}

// The draft the note gave, or one built from its facts when it lacked a date or a procedure code.
function draftEncounter(extraction) {
  if (extraction.encounter) return structuredClone(extraction.encounter);
  const encounter = {
    id: "note-draft", member: { id: "" }, coverage: { payer: $("payer").value },
    dateOfService: extraction.dateOfService || $("note-date").value || "",
    lines: (extraction.procedureCodes || []).map((code) => ({ code })),
  };
  if (extraction.diagnoses && extraction.diagnoses.length) encounter.diagnoses = extraction.diagnoses.slice();
  if (extraction.procedure) encounter.procedure = structuredClone(extraction.procedure);
  if (extraction.clinical) encounter.clinical = structuredClone(extraction.clinical);
  return encounter;
}

function valueAt(object, path) {
  let value = object;
  for (const part of path.replace(/\[(\d+)\]/g, ".$1").split(".")) {
    if (value === undefined || value === null) return undefined;
    value = value[part];
  }
  return value;
}

function showFacts(extraction, note) {
  const target = $("note-highlighted");
  target.textContent = "";
  // Offsets are UTF-16 code units, as JavaScript strings count; overlapping spans keep the first.
  const spans = (extraction.evidence || []).slice().sort((a, b) => a.start - b.start || b.end - a.end);
  let at = 0;
  const source = extraction.encounter || extraction;
  for (const span of spans) {
    if (span.start < at || span.end > note.length) continue;
    target.appendChild(document.createTextNode(note.slice(at, span.start)));
    const mark = document.createElement("mark");
    const value = valueAt(source, span.fact);
    mark.textContent = note.slice(span.start, span.end);
    mark.dataset.fact = span.fact;
    mark.title = span.fact + (value === undefined || typeof value === "object" ? "" : " = " + value);
    mark.tabIndex = 0;
    if (value === false) mark.className = "negated";
    target.appendChild(mark);
    at = span.end;
  }
  target.appendChild(document.createTextNode(note.slice(at)));
  const questions = $("questions");
  questions.textContent = "";
  const asked = extraction.questions || [];
  for (const question of asked.length ? asked : ["None: every fact the policy needs was found or is left for the form."]) {
    const item = document.createElement("li");
    item.textContent = question;
    questions.appendChild(item);
  }
}

// ---- 2. The encounter form --------------------------------------------------------------------

function setField(id, value) { $(id).value = value === undefined || value === null ? "" : String(value); }

function cell(row, element) { const td = document.createElement("td"); td.appendChild(element); row.appendChild(td); return element; }

function input(value, label, attributes) {
  const element = document.createElement("input");
  element.value = value === undefined || value === null ? "" : String(value);
  element.setAttribute("aria-label", label);
  for (const [name, content] of Object.entries(attributes || {})) element.setAttribute(name, content);
  return element;
}

function removeButton(row, label) {
  const button = document.createElement("button");
  button.type = "button"; button.className = "secondary small"; button.textContent = "Remove";
  button.setAttribute("aria-label", label);
  button.addEventListener("click", () => row.remove());
  return button;
}

function addLineRow(line) {
  const row = document.createElement("tr");
  const n = $("lines").children.length + 1;
  cell(row, input(line.code, `Line ${n} CPT code`, { "data-key": "code" }));
  cell(row, input(line.units, `Line ${n} units`, { "data-key": "units", inputmode: "numeric" }));
  cell(row, input((line.modifiers || []).join(", "), `Line ${n} modifiers`, { "data-key": "modifiers" }));
  cell(row, input((line.diagnosisPointers || []).join(", "), `Line ${n} diagnosis pointers`, { "data-key": "diagnosisPointers" }));
  cell(row, input(line.charge, `Line ${n} charge`, { "data-key": "charge", inputmode: "decimal" }));
  cell(row, removeButton(row, `Remove line ${n}`));
  $("lines").appendChild(row);
}

function addSiteRow(site) {
  const row = document.createElement("tr");
  const n = $("sites").children.length + 1;
  cell(row, input(site.muscle, `Muscle ${n}`, { "data-key": "muscle" }));
  const side = document.createElement("select");
  side.appendChild($("laterality-options").content.cloneNode(true));
  side.value = site.laterality || "";
  side.setAttribute("aria-label", `Muscle ${n} side`);
  side.dataset.key = "laterality";
  cell(row, side);
  cell(row, input(site.triggerPoints, `Muscle ${n} trigger points`, { "data-key": "triggerPoints", inputmode: "numeric" }));
  cell(row, removeButton(row, `Remove muscle ${n}`));
  $("sites").appendChild(row);
}

function fillForm(encounter) {
  setField("enc-id", encounter.id);
  setField("enc-member", encounter.member && encounter.member.id);
  setField("enc-birth", encounter.member && encounter.member.birthDate);
  setField("enc-sex", encounter.member && encounter.member.sex);
  setField("enc-payer", encounter.coverage && encounter.coverage.payer);
  setField("enc-lob", encounter.coverage && encounter.coverage.lineOfBusiness);
  setField("enc-dos", encounter.dateOfService);
  setField("enc-pos", encounter.placeOfService);
  setField("enc-diagnoses", (encounter.diagnoses || []).join(", "));
  $("lines").textContent = "";
  for (const line of encounter.lines || []) addLineRow(line);
  $("sites").textContent = "";
  const procedure = encounter.procedure || {};
  for (const site of procedure.sites || []) addSiteRow(site);
  setField("enc-injectate", procedure.injectate ? procedure.injectate.join(", ") : "");
  setField("enc-guidance", procedure.imagingGuidance);
  const clinical = encounter.clinical || {};
  const findings = clinical.findings || {};
  for (const select of document.querySelectorAll("[data-finding]")) {
    const value = findings[select.dataset.finding];
    select.value = value === undefined ? "" : String(value);
  }
  const documents = new Set(clinical.documentation || []);
  for (const box of document.querySelectorAll("[data-document]")) box.checked = documents.has(box.dataset.document);
  const carried = Object.assign({}, clinical);
  delete carried.findings; delete carried.documentation;
  if (encounter.history) carried.history = encounter.history;
  $("carried").textContent = JSON.stringify(carried, null, 2);
}

const list = (text) => text.split(",").map((part) => part.trim()).filter((part) => part.length > 0);
// A number when the text is one, else the text itself, so that the API names the bad field.
const numberOr = (text) => (text.trim() === "" ? undefined : (Number.isFinite(Number(text)) ? Number(text) : text.trim()));

// The encounter as the form now says, on top of what the note gave (facts the form does not show are kept).
function readForm() {
  const encounter = structuredClone(state.encounter || {});
  const text = (id) => $(id).value.trim();
  encounter.id = text("enc-id");
  encounter.member = Object.assign({}, encounter.member, { id: text("enc-member") });
  if (text("enc-birth")) encounter.member.birthDate = text("enc-birth"); else delete encounter.member.birthDate;
  if (text("enc-sex")) encounter.member.sex = text("enc-sex"); else delete encounter.member.sex;
  encounter.coverage = { payer: text("enc-payer") };
  if (text("enc-lob")) encounter.coverage.lineOfBusiness = text("enc-lob");
  encounter.dateOfService = text("enc-dos");
  if (text("enc-pos")) encounter.placeOfService = text("enc-pos"); else delete encounter.placeOfService;
  const diagnoses = list($("enc-diagnoses").value).map((code) => code.toUpperCase());
  if (diagnoses.length) encounter.diagnoses = diagnoses; else delete encounter.diagnoses;
  encounter.lines = [...$("lines").children].map((row) => {
    const get = (key) => row.querySelector(`[data-key="${key}"]`).value;
    const line = { code: get("code").trim() };
    const units = numberOr(get("units")); if (units !== undefined) line.units = units;
    const modifiers = list(get("modifiers")).map((m) => m.toUpperCase()); if (modifiers.length) line.modifiers = modifiers;
    const pointers = list(get("diagnosisPointers")).map(numberOr); if (pointers.length) line.diagnosisPointers = pointers;
    const charge = numberOr(get("charge")); if (charge !== undefined) line.charge = charge;
    return line;
  });
  const procedure = Object.assign({}, encounter.procedure);
  procedure.sites = [...$("sites").children].map((row) => {
    const get = (key) => row.querySelector(`[data-key="${key}"]`).value;
    const site = { muscle: get("muscle").trim() };
    if (get("laterality")) site.laterality = get("laterality");
    const points = numberOr(get("triggerPoints")); if (points !== undefined) site.triggerPoints = points;
    return site;
  });
  if (!procedure.sites.length) delete procedure.sites;
  const injectate = list($("enc-injectate").value);
  if (injectate.length || (encounter.procedure && encounter.procedure.injectate)) procedure.injectate = injectate;
  if (text("enc-guidance")) procedure.imagingGuidance = text("enc-guidance"); else delete procedure.imagingGuidance;
  if (Object.keys(procedure).length) encounter.procedure = procedure; else delete encounter.procedure;
  const clinical = Object.assign({}, encounter.clinical);
  const findings = {};
  for (const select of document.querySelectorAll("[data-finding]")) {
    if (select.value) findings[select.dataset.finding] = select.value === "true";
  }
  if (Object.keys(findings).length) clinical.findings = findings; else delete clinical.findings;
  const documents = [...document.querySelectorAll("[data-document]:checked")].map((box) => box.dataset.document);
  if (documents.length) clinical.documentation = documents; else delete clinical.documentation;
  if (Object.keys(clinical).length) encounter.clinical = clinical; else delete encounter.clinical;
  return encounter;
}

// ---- 3. Determinations --------------------------------------------------------------------------

async function determine(event) {
  if (event) event.preventDefault();
  clearErrors($("encounter-form"));
  $("api-key-error").hidden = true;
  const encounter = readForm();
  state.encounter = encounter;
  const body = JSON.stringify(encounter);
  const [chosen, all] = await Promise.all([
    call("POST", "/v1/determinations?record=false", body, "application/json"),
    call("POST", "/v1/determinations?payers=all&record=false", body, "application/json"),
  ]);
  if (!chosen.ok) { showProblem(chosen.problem, "form-error"); return; }
  if (!all.ok) { showProblem(all.problem, "form-error"); return; }
  state.chosen = chosen.json;
  state.all = all.json;
  showDetermination(chosen.json, all.json);
  showCoding(chosen.json, encounter);
  showChecklist(chosen.json);
  for (const id of ["determination-section", "coding-section", "checklist-section"]) $(id).hidden = false;
}

function badge(outcome) {
  const element = document.createElement("span");
  element.className = "outcome " + outcome;
  element.textContent = outcome.replace("_", " ");
  return element;
}

// Every reason of a determination, claim-level then line by line, each once.
function allReasons(determination) {
  const reasons = [...determination.reasons];
  for (const line of determination.lines) {
    for (const reason of line.reasons) reasons.push(Object.assign({ line: line.index, code: line.code }, reason));
  }
  return reasons;
}

function showDetermination(chosen, all) {
  const outcome = $("outcome");
  outcome.textContent = "";
  const strong = document.createElement("strong");
  strong.textContent = chosen.payer + ": ";
  outcome.appendChild(strong);
  outcome.appendChild(badge(chosen.outcome));
  outcome.dataset.outcome = chosen.outcome;
  const policy = document.createElement("span");
  policy.textContent = chosen.policy ? "  under " + chosen.policy.title + " (" + chosen.policy.id + ")" : "  no policy applies";
  outcome.appendChild(policy);
  const reasons = $("reasons");
  reasons.textContent = "";
  for (const reason of allReasons(chosen)) {
    const item = document.createElement("li");
    const where = reason.line ? `Line ${reason.line} (${reason.code}): ` : "";
    const codes = reason.carc ? ` [CARC ${reason.carc}${reason.rarc.length ? ", RARC " + reason.rarc.join(" ") : ""}]` : "";
    item.textContent = where + reason.message + codes;
    reasons.appendChild(item);
  }
  const body = $("all-payers").querySelector("tbody");
  body.textContent = "";
  for (const determination of all) {
    const row = document.createElement("tr");
    row.dataset.payer = determination.payer;
    if (determination.payer === chosen.payer) row.className = "chosen";
    const th = document.createElement("th"); th.scope = "row"; th.textContent = determination.payer; row.appendChild(th);
    const outcomeCell = document.createElement("td"); outcomeCell.appendChild(badge(determination.outcome));
    outcomeCell.dataset.outcome = determination.outcome; row.appendChild(outcomeCell);
    const policyCell = document.createElement("td");
    policyCell.textContent = determination.policy ? determination.policy.id : "none"; row.appendChild(policyCell);
    const codingCell = document.createElement("td");
    codingCell.textContent = determination.coding.recommended.map(lineText).join("; ") || "none"; row.appendChild(codingCell);
    const reasonCell = document.createElement("td");
    reasonCell.textContent = String(allReasons(determination).length); row.appendChild(reasonCell);
    body.appendChild(row);
  }
}

function lineText(line) {
  const modifiers = (line.modifiers || []).length ? "-" + line.modifiers.join("-") : "";
  return `${line.code}${modifiers} × ${line.units === undefined ? 1 : line.units}`;
}

// ---- 4. Coding fixes ------------------------------------------------------------------------------

function showCoding(determination, encounter) {
  const body = $("coding").querySelector("tbody");
  body.textContent = "";
  const rows = Math.max(encounter.lines.length, determination.coding.recommended.length);
  for (let i = 0; i < rows; i++) {
    const row = document.createElement("tr");
    for (const line of [encounter.lines[i], determination.coding.recommended[i]]) {
      const td = document.createElement("td"); td.textContent = line ? lineText(line) : "—"; row.appendChild(td);
    }
    body.appendChild(row);
  }
  const issues = $("coding-issues");
  issues.textContent = "";
  for (const issue of determination.coding.issues) {
    const item = document.createElement("li");
    item.textContent = (issue.lines ? `Line ${issue.lines.join(", ")}: ` : "") + issue.message;
    issues.appendChild(item);
  }
  const same = JSON.stringify(encounter.lines.map(lineText)) === JSON.stringify(determination.coding.recommended.map(lineText));
  $("apply-coding").disabled = same || determination.coding.recommended.length === 0;
  $("apply-coding").textContent = same ? "The claim carries the recommended coding" : "Apply the recommended coding";
}

// One click: the claim's lines become the recommended ones (pointers and charges kept per code), then decide again.
async function applyCoding() {
  if (!state.chosen) return;
  const encounter = readForm();
  const byCode = new Map(encounter.lines.map((line) => [line.code, line]));
  const first = encounter.lines[0] || {};
  encounter.lines = state.chosen.coding.recommended.map((recommended) => {
    const before = byCode.get(recommended.code) || {};
    const line = { code: recommended.code, units: recommended.units };
    if (recommended.modifiers.length) line.modifiers = recommended.modifiers.slice();
    const pointers = before.diagnosisPointers || first.diagnosisPointers;
    if (pointers) line.diagnosisPointers = pointers.slice();
    if (before.charge !== undefined) line.charge = before.charge;
    return line;
  });
  state.encounter = encounter;
  fillForm(encounter);
  await determine();
  $("outcome").focus();
}

// ---- 5. Documentation checklist ---------------------------------------------------------------------

function showChecklist(determination) {
  const checklist = $("checklist");
  checklist.textContent = "";
  const add = (text, detail) => {
    const item = document.createElement("li");
    item.textContent = text;
    if (detail) { const span = document.createElement("span"); span.className = "rule"; span.textContent = " — " + detail; item.appendChild(span); }
    checklist.appendChild(item);
    return item;
  };
  for (const reason of allReasons(determination)) {
    if (reason.carc && !/Not documented|Not decided/.test(reason.message)) continue;
    const criterion = reason.message.replace(/^Not decided[^:]*: /, "").replace(/^Not documented: /, "");
    add("Document in the note: " + criterion, reason.rule + (reason.citation ? ", " + reason.citation.source + " § " + reason.citation.section : ""));
  }
  for (const element of determination.documentation.missing) {
    const box = document.querySelector(`[data-document="${element}"]`);
    const label = box ? box.parentElement.textContent.trim() : element.replaceAll("_", " ");
    const item = add("", "then tick it under Documents on file");
    item.textContent = "";
    const choice = document.createElement("label");
    choice.className = "check";
    const tick = document.createElement("input");
    tick.type = "checkbox";
    tick.addEventListener("change", () => { if (box) box.checked = tick.checked; });
    choice.appendChild(tick);
    choice.appendChild(document.createTextNode(" Add to the record: " + label));
    item.appendChild(choice);
  }
  for (const request of determination.documentation.requests) {
    add("The payer will request: " + request.name, request.loinc ? "LOINC " + request.loinc + (request.timeFrame ? " (" + request.timeFrame + ")" : "") : "");
  }
  if (!checklist.children.length) add("Nothing to add: every criterion is documented.");
}

// ---- 6. Downloads -----------------------------------------------------------------------------------

function save(blob, name) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

const fileName = (encounter) => (encounter.id || "encounter").replace(/[^A-Za-z0-9._-]/g, "_");

function downloadJSON() {
  const encounter = readForm();
  save(new Blob([JSON.stringify(encounter, null, 2) + "\n"], { type: "application/json" }), fileName(encounter) + ".json");
}

async function download837() {
  $("download-error").hidden = true;
  const encounter = readForm();
  const result = await call("POST", "/v1/claims/837", JSON.stringify(encounter), "application/json", "application/edi-x12");
  if (!result.ok) { showProblem(result.problem, "download-error"); return; }
  save(result.blob, fileName(encounter) + ".837");
}

// ---- Wiring -----------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  const key = $("api-key");
  key.value = sessionStorage.getItem(keyStorage) || "";
  key.addEventListener("input", () => {
    if (key.value) sessionStorage.setItem(keyStorage, key.value); else sessionStorage.removeItem(keyStorage);
  });
  $("note-form").addEventListener("submit", extract);
  $("encounter-form").addEventListener("submit", determine);
  $("add-line").addEventListener("click", () => addLineRow({}));
  $("add-site").addEventListener("click", () => addSiteRow({}));
  $("apply-coding").addEventListener("click", applyCoding);
  $("download-json").addEventListener("click", downloadJSON);
  $("download-837").addEventListener("click", download837);
  $("outcome").tabIndex = -1;
  document.body.dataset.ready = "true";
});
