// Tools of the list page: saved views, the column chooser, bulk actions and CSV import.
//
// Saved views live in the browser's localStorage, one entry per user and object
// ("kith.views.<user id>.<object>"): Kith has no table for per-user UI preferences and
// adding one needs a migration, so views stay on the device that saved them.
// Bulk actions write one record at a time through the ordinary REST endpoints
// (PATCH / DELETE with the version read), which go through the gateway; each failure is
// reported with the record it concerns.

import { ApiError, api } from "./api.js";
import { h, replace, uid } from "./dom.js";
import { problemNotice, problemTitle } from "./forms.js";
import { fieldLabel, formatNumber, t } from "./i18n.js";
import { recordTitle } from "./refs.js";

// --- saved views ------------------------------------------------------------------------

const VIEWS_PREFIX = "kith.views";

function viewsKey(userId, objectName) {
  return `${VIEWS_PREFIX}.${userId}.${objectName}`;
}

/** Saved views of an object for a user: [{name, q, filters, sort, columns}]. */
export function loadViews(userId, objectName) {
  try {
    const parsed = JSON.parse(localStorage.getItem(viewsKey(userId, objectName)) || "[]");
    return Array.isArray(parsed) ? parsed.filter((view) => view && typeof view.name === "string") : [];
  } catch {
    return [];
  }
}

function storeViews(userId, objectName, views) {
  localStorage.setItem(viewsKey(userId, objectName), JSON.stringify(views));
}

/** Save (or replace by name) a view; returns the new list. */
export function saveView(userId, objectName, view) {
  const views = loadViews(userId, objectName).filter((v) => v.name !== view.name);
  views.push(view);
  views.sort((a, b) => a.name.localeCompare(b.name));
  storeViews(userId, objectName, views);
  return views;
}

export function deleteView(userId, objectName, name) {
  const views = loadViews(userId, objectName).filter((v) => v.name !== name);
  storeViews(userId, objectName, views);
  return views;
}

/**
 * The saved-views control: a select of views, "Save view…" and "Delete view".
 * onApply(view) is called with the chosen view; current() returns the list's state.
 */
export function viewsControl({ userId, objectName, current, onApply }) {
  const selectId = uid("views");
  let views = loadViews(userId, objectName);
  const select = h("select", { id: selectId, class: "views-select" });
  const deleteButton = h("button", { type: "button", class: "button button-small button-danger-quiet" }, t("lists.delete_view"));
  const nameId = uid("view-name");
  const nameInput = h("input", { id: nameId, type: "text", maxlength: "80", required: true, autocomplete: "off" });
  const dialogError = h("p", { class: "field-error", role: "alert" });
  const dialog = h(
    "dialog",
    { class: "small-dialog", "aria-labelledby": `${nameId}-title` },
    h(
      "form",
      {
        method: "dialog",
        on: {
          submit: (event) => {
            event.preventDefault();
            const name = nameInput.value.trim();
            if (!name) {
              dialogError.textContent = t("lists.view_name_required");
              nameInput.focus();
              return;
            }
            views = saveView(userId, objectName, { name, ...current() });
            fill(name);
            dialog.close();
            status.textContent = t("lists.view_saved", { name });
          },
        },
      },
      h("h2", { id: `${nameId}-title` }, t("lists.save_view")),
      h("div", { class: "field" }, h("label", { for: nameId }, t("lists.view_name")), nameInput, dialogError),
      h(
        "div",
        { class: "form-actions" },
        h("button", { type: "submit", class: "button button-primary" }, t("common.save")),
        h("button", { type: "button", class: "button", on: { click: () => dialog.close() } }, t("common.cancel")),
      ),
    ),
  );
  const saveButton = h(
    "button",
    {
      type: "button",
      class: "button button-small",
      on: {
        click: () => {
          nameInput.value = select.value || "";
          dialogError.textContent = "";
          dialog.showModal();
          nameInput.focus();
        },
      },
    },
    t("lists.save_view"),
  );
  const status = h("span", { class: "muted views-status", role: "status" });

  function fill(chosen) {
    replace(
      select,
      h("option", { value: "" }, t("lists.no_view")),
      views.map((view) => h("option", { value: view.name, selected: view.name === chosen }, view.name)),
    );
    select.value = chosen || "";
    deleteButton.hidden = !select.value;
  }

  select.addEventListener("change", () => {
    deleteButton.hidden = !select.value;
    const view = views.find((v) => v.name === select.value);
    if (view) onApply(view);
  });
  deleteButton.addEventListener("click", () => {
    const name = select.value;
    if (!name) return;
    views = deleteView(userId, objectName, name);
    fill("");
    status.textContent = t("lists.view_deleted", { name });
  });
  fill("");
  return h(
    "div",
    { class: "views-control" },
    h("label", { for: selectId }, t("lists.views")),
    select,
    saveButton,
    deleteButton,
    status,
    dialog,
  );
}

// --- columns ----------------------------------------------------------------------------

/** A disclosure with one checkbox per field; onChange(columns) keeps spec order. */
export function columnsControl(objectName, spec, columns, onChange) {
  const order = [...spec.columns, ...Object.keys(spec.fields).filter((f) => !spec.columns.includes(f))];
  const chosen = new Set(columns);
  const boxes = order.map((field) => {
    const id = uid(`col-${field}`);
    const box = h("input", { id, type: "checkbox", dataset: { field }, checked: chosen.has(field) });
    box.addEventListener("change", () => {
      if (box.checked) chosen.add(field);
      else chosen.delete(field);
      if (!chosen.size) {
        chosen.add(field);
        box.checked = true;
        return;
      }
      onChange(order.filter((f) => chosen.has(f)));
    });
    return h("li", { class: "check" }, box, h("label", { for: id }, fieldLabel(objectName, field)));
  });
  return h("details", { class: "columns-menu" }, h("summary", { class: "button button-small" }, t("lists.columns")), h("ul", {}, boxes));
}

// --- bulk actions -----------------------------------------------------------------------

async function eachRecord(records, action, onProgress) {
  const failures = [];
  let done = 0;
  for (const record of records) {
    try {
      await action(record);
    } catch (error) {
      failures.push({ record, error: error instanceof ApiError ? error : new ApiError(0, { detail: String(error) }) });
    }
    done += 1;
    onProgress(done);
  }
  return failures;
}

/** Change the owner of `records` (PATCH with each one's version). */
export function bulkChangeOwner(plural, records, ownerId, onProgress) {
  return eachRecord(records, (record) => api.patch(`/${plural}/${record.id}`, { version: record.version, owner_id: ownerId }), onProgress);
}

/** Delete `records` (DELETE with each one's version). */
export function bulkDelete(plural, records, onProgress) {
  return eachRecord(records, (record) => api.del(`/${plural}/${record.id}`, { version: record.version }), onProgress);
}

/** A report of per-row failures: each record linked, with the reason. */
export function failureReport(objectName, plural, failures, summaryText) {
  return h(
    "div",
    { class: failures.length ? "notice notice-error bulk-report" : "notice notice-ok bulk-report", role: failures.length ? "alert" : "status" },
    h("p", { class: "notice-title" }, summaryText),
    failures.length
      ? h(
        "ul",
        { class: "bulk-failures" },
        failures.map(({ record, error }) =>
          h(
            "li",
            { dataset: { id: record.id } },
            h("a", { href: `/o/${plural}/${record.id}` }, recordTitle(objectName, record)),
            ": ",
            problemTitle(error),
            error.problem && error.problem.detail ? ` — ${error.problem.detail}` : "",
          ),
        ),
      )
      : null,
  );
}

// --- export -----------------------------------------------------------------------------

// kith.transfer.formats.spreadsheet_safe, the rule of every CSV Kith writes: a text a
// spreadsheet would run as a formula (after any apostrophes, it starts with = + - @ tab
// or CR) gets one more apostrophe in front; the importer removes it again. Numbers stay
// numbers (a negative amount is data, not a formula).
export function spreadsheetSafe(text) {
  return /^'*[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

// Field kinds whose values are numbers (the API sends decimals as strings).
const NUMERIC_KINDS = new Set(["int", "decimal", "money", "percent"]);

/** One CSV cell; `numeric` marks a number column, whose numbers are written as numbers. */
export function csvCell(value, numeric = false) {
  if (value === null || value === undefined) return "";
  const isNumber = typeof value === "number"
    || (numeric && typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)));
  let text;
  if (isNumber || typeof value === "boolean") text = String(value);
  else text = spreadsheetSafe(typeof value === "object" ? JSON.stringify(value) : String(value));
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * CSV text of `records`: id, then `columns` (raw values, as the API returns them).
 * `fields` (the object's field descriptors) tells which columns hold numbers.
 */
export function recordsCsv(records, columns, fields = {}) {
  const names = ["id", ...columns.filter((c) => c !== "id")];
  const numeric = names.map((name) => NUMERIC_KINDS.has((fields[name] || {}).kind));
  const lines = [names.join(",")];
  for (const record of records) lines.push(names.map((f, i) => csvCell(record[f], numeric[i])).join(","));
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

/** Offer `text` as a file download. */
export function download(fileName, text, type = "text/csv;charset=utf-8") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: fileName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// --- import -----------------------------------------------------------------------------

const POLL_MS = 400;

async function uploadImport(plural, file) {
  const body = new FormData();
  body.append("file", file);
  let response;
  try {
    response = await fetch(`/api/v1/web/import/${plural}`, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Kith-Client": "web" },
    });
  } catch (error) {
    throw new ApiError(0, { title: "Network error", detail: String(error) });
  }
  const data = (response.headers.get("content-type") || "").includes("json") ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, data || { title: response.statusText });
  return data;
}

/**
 * The import dialog of a list: choose a CSV / JSON Lines file, watch the progress bar,
 * then read the summary and the rejected rows (line, reasons, original cells).
 * onDone() is called after a finished import so the list can reload.
 */
export function importDialog(objectName, spec, onDone) {
  const fileId = uid("import-file");
  const titleId = uid("import-title");
  const fileInput = h("input", { id: fileId, type: "file", accept: ".csv,.jsonl,.ndjson,text/csv", required: true });
  const startButton = h("button", { type: "submit", class: "button button-primary" }, t("import.start"));
  const progress = h("progress", { class: "import-progress", max: "1", value: "0", "aria-labelledby": `${fileId}-progress` });
  const progressText = h("p", { id: `${fileId}-progress`, class: "muted", role: "status" });
  const progressBox = h("div", { class: "import-progress-box", hidden: true }, progress, progressText);
  const result = h("div", { class: "import-result" });
  const dialog = h(
    "dialog",
    { class: "import-dialog", "aria-labelledby": titleId },
    h("h2", { id: titleId }, t("import.title", { object: spec.label })),
    h("p", { class: "muted" }, t("import.help")),
    h(
      "form",
      { on: { submit: (event) => { event.preventDefault(); start(); } } },
      h("div", { class: "field" }, h("label", { for: fileId }, t("import.file")), fileInput),
      h(
        "div",
        { class: "form-actions" },
        startButton,
        h("button", { type: "button", class: "button", on: { click: () => dialog.close() } }, t("lists.close")),
      ),
    ),
    progressBox,
    result,
  );

  function showProgress(job) {
    progressBox.hidden = false;
    const total = Math.max(job.total || 0, 1);
    progress.max = total;
    progress.value = Math.min(job.processed || 0, total);
    progressText.textContent = job.status === "queued"
      ? t("import.queued")
      : t("import.progress", { done: formatNumber(job.processed || 0), total: formatNumber(job.total || 0) });
  }

  function showResult(job) {
    if (job.status === "failed") {
      replace(result, problemNotice(new ApiError(422, { detail: job.error })));
      return;
    }
    const s = job.summary || {};
    const counts = h(
      "dl",
      { class: "import-summary" },
      ["created", "updated", "unchanged", "rejected"].map((key) => [h("dt", {}, t(`import.${key}`)), h("dd", { dataset: { key } }, formatNumber(s[key] || 0))]),
    );
    const parts = [h("p", { class: s.rejected ? "notice notice-warn" : "notice notice-ok", role: "status" }, t(s.rejected ? "import.done_with_rejects" : "import.done", { n: formatNumber(s.rows || 0), rejected: formatNumber(s.rejected || 0) })), counts];
    if (job.rejects && job.rejects.length) {
      const header = job.rejects_header || [];
      parts.push(
        h("h3", {}, t("import.rejected_rows")),
        h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "records import-rejects" },
            h("caption", { class: "visually-hidden" }, t("import.rejected_rows")),
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("import.line")), h("th", { scope: "col" }, t("import.reasons")), header.map((name) => h("th", { scope: "col" }, name)))),
            h(
              "tbody",
              {},
              job.rejects.map((row) => h("tr", { dataset: { line: row.line ?? "" } }, h("th", { scope: "row" }, row.line ?? ""), h("td", { class: "import-reason" }, row.errors), row.cells.map((c) => h("td", {}, c)))),
            ),
          ),
        ),
      );
      if (job.rejects_truncated) parts.push(h("p", { class: "muted" }, t("import.rejects_truncated", { n: formatNumber(job.rejects.length) })));
      if (job.rejects_url) parts.push(h("p", {}, h("a", { href: job.rejects_url, download: "" }, t("import.download_rejects"))));
    }
    replace(result, parts);
  }

  async function start() {
    const file = fileInput.files && fileInput.files[0];
    if (!file) {
      replace(result, h("p", { class: "field-error", role: "alert" }, t("import.choose_file")));
      fileInput.focus();
      return;
    }
    startButton.disabled = true;
    replace(result);
    let job;
    try {
      job = await uploadImport(spec.plural, file);
    } catch (error) {
      startButton.disabled = false;
      const reasons = error.fieldErrors ? error.fieldErrors.map((e) => h("li", {}, e.msg)) : [];
      replace(result, problemNotice(error, reasons));
      return;
    }
    showProgress(job);
    while (job.status === "queued" || job.status === "running") {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      try {
        job = await api.get(`/web/import/jobs/${job.id}`);
      } catch (error) {
        replace(result, problemNotice(error));
        break;
      }
      showProgress(job);
    }
    startButton.disabled = false;
    if (job.status === "done" || job.status === "failed") {
      if (job.status === "done") progress.value = progress.max;
      showResult(job);
      if (job.status === "done") onDone(job);
    }
  }

  const open = h(
    "button",
    {
      type: "button",
      class: "button",
      on: {
        click: () => {
          replace(result);
          progressBox.hidden = true;
          fileInput.value = "";
          dialog.showModal();
        },
      },
    },
    t("import.open"),
  );
  return { button: open, dialog };
}
