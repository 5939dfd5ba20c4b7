// A record page: fields with inline edit (PATCH with the record's version; a 409
// shows the current values and lets the user re-apply), object-specific cards,
// related lists and the timeline.

import { api, ApiError } from "./api.js";
import { objects } from "./boot.js";
import { enumBadge, isEmpty, renderValue } from "./display.js";
import { announce, h, replace } from "./dom.js";
import { buildControls, clearProblem, problemNotice, showProblem } from "./forms.js";
import { fieldLabel, t } from "./i18n.js";
import { canOnRecord, loadMe } from "./me.js";
import { extraCards } from "./record-extras.js";
import { insightCards } from "./record-insights.js";
import { prepareDisplay, recordTitle, rememberTitle, stageOf } from "./refs.js";
import { relatedCards } from "./related.js";
import { inputFields } from "./schema.js";
import { timelineCard } from "./timeline.js";
import { toLocalInput } from "./widgets.js";

const SYSTEM_FIELDS = [
  "created_at", "created_by_kind", "created_by_id", "updated_at", "updated_by_kind", "updated_by_id",
  "version", "external_id", "id",
];
const BADGE_FIELDS = ["status", "priority", "kind", "tier", "direction"];
const CONFLICT_IGNORED = new Set(["version", "updated_at", "updated_by_kind", "updated_by_id"]);

function blank(value) {
  return value === null || value === undefined || value === "";
}

/** Does an input value equal the stored value, for this field kind? */
function sameValue(kind, stored, edited) {
  if (blank(stored) && blank(edited)) return true;
  if (kind === "bool") return Boolean(stored) === Boolean(edited);
  if (blank(stored) || blank(edited)) return false;
  if (kind === "decimal" || kind === "int") return Number(stored) === Number(edited);
  if (kind === "datetime") return toLocalInput(stored) === toLocalInput(edited);
  return String(stored) === String(edited);
}

function breadcrumbs(spec) {
  return h("nav", { class: "breadcrumbs", "aria-label": t("nav.breadcrumbs") }, h("a", { href: `/o/${spec.plural}` }, spec.label));
}

export async function render(root, page) {
  const objectName = page.object;
  const spec = objects[objectName];
  const path = `/${spec.plural}/${page.id}`;
  const me = await loadMe();
  let record;
  try {
    record = await api.get(path);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
      replace(root, breadcrumbs(spec), h("h1", { class: "page-title" }, t("record.not_found")), h("p", {}, t("record.not_found_body")));
      return;
    }
    throw error;
  }

  const readOnly = new Set((me.read_only_fields || {})[objectName] || []);
  const canEdit = canOnRecord(me, objectName, "update", record);
  const canDelete = canOnRecord(me, objectName, "delete", record);
  let schemaFields = null;
  let editing = false;
  let showEmpty = false;

  const title = h("h1", { class: "page-title", tabindex: "-1" });
  const badges = h("div", { class: "record-badges" });
  const actions = h("div", { class: "record-actions" });
  const flashArea = h("div", { class: "flash" });
  const conflictArea = h("div", { class: "conflict-area", tabindex: "-1" });
  const details = h("section", { class: "card", "aria-labelledby": "details-title" });
  const side = h("div", { class: "record-side" });
  const extras = h("div", { class: "record-extras" });
  const relatedArea = h("div", { class: "record-related" });

  const ctx = {
    me,
    canEdit,
    readOnly,
    record: () => record,
    save: (changes) => save(changes, null),
    refresh,
    flash,
  };

  // --- helpers ---------------------------------------------------------------------
  function flash(...nodes) {
    replace(flashArea, h("p", { class: "notice notice-ok", role: "status" }, nodes));
  }

  function flashError(error) {
    replace(flashArea, problemNotice(error));
  }

  function displayFields() {
    const order = [...spec.form_fields, ...Object.keys(spec.fields)];
    return [...new Set(order)].filter((field) => field in record && !SYSTEM_FIELDS.includes(field) && field !== "custom");
  }

  function fieldRow(field) {
    return h(
      "div",
      { class: "field-row", dataset: { field } },
      h("dt", {}, fieldLabel(objectName, field)),
      h("dd", {}, renderValue(objectName, field, record[field], record)),
    );
  }

  async function prepare() {
    await prepareDisplay(objectName, [record], [...Object.keys(record)]);
    rememberTitle(objectName, record);
  }

  // --- header ----------------------------------------------------------------------
  function renderHeader() {
    const text = recordTitle(objectName, record);
    title.textContent = text;
    document.title = `${text} · ${spec.label} · Kith`;
    const nodes = BADGE_FIELDS.filter((field) => !isEmpty(record[field]) && spec.fields[field]?.kind === "enum")
      .map((field) => enumBadge(objectName, field, record[field]));
    if (objectName === "deal" && stageOf(record.stage_id)) {
      nodes.unshift(h("span", { class: "badge badge-stage" }, stageOf(record.stage_id).name));
    }
    replace(badges, nodes);
    renderActions();
  }

  function renderActions() {
    const nodes = [];
    if (canDelete) {
      nodes.push(h("button", { type: "button", class: "button button-danger-quiet", on: { click: confirmDelete } }, t("record.delete")));
    }
    replace(actions, nodes);
  }

  function confirmDelete() {
    const yes = h("button", { type: "button", class: "button button-danger" }, t("record.delete_yes"));
    const no = h("button", { type: "button", class: "button" }, t("common.cancel"));
    no.addEventListener("click", () => {
      renderActions();
      actions.querySelector("button")?.focus();
    });
    yes.addEventListener("click", async () => {
      yes.disabled = true;
      try {
        await api.del(path, { version: record.version });
        location.assign(`/o/${spec.plural}`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        renderActions();
        flashError(error);
        if (error.status === 409) await refresh();
      }
    });
    replace(actions, h("div", { class: "confirm", role: "group", "aria-label": t("record.delete") }, h("span", {}, t("record.delete_confirm")), yes, no));
    no.focus();
  }

  // --- details (view and edit) -------------------------------------------------------
  function renderDetails() {
    const head = h("header", { class: "card-head" }, h("h2", { id: "details-title" }, t("record.details")));
    if (editing) {
      replace(details, head, editForm());
      return;
    }
    if (canEdit) {
      head.append(h("div", { class: "card-actions" }, h("button", { type: "button", class: "button button-small", on: { click: startEdit } }, t("record.edit"))));
    }
    const fields = displayFields();
    const filled = fields.filter((field) => !isEmpty(record[field]) || typeof record[field] === "boolean");
    const empty = fields.filter((field) => !filled.includes(field));
    const toggle = empty.length
      ? h("button", {
        type: "button",
        class: "link-button",
        "aria-expanded": String(showEmpty),
        on: { click: () => { showEmpty = !showEmpty; renderDetails(); } },
      }, showEmpty ? t("record.hide_empty") : t("record.show_empty", { n: empty.length }))
      : null;
    const custom = record.custom && Object.keys(record.custom).length
      ? [h("h3", {}, t("record.custom_fields")), h("dl", { class: "fields" }, Object.entries(record.custom).map(([key, value]) => h("div", { class: "field-row" }, h("dt", {}, key), h("dd", {}, value !== null && typeof value === "object" ? renderValue(objectName, "custom", value) : String(value ?? "—")))))]
      : null;
    replace(
      details,
      head,
      h(
        "div",
        { class: "card-body" },
        h("dl", { class: "fields" }, (showEmpty ? fields : filled).map(fieldRow)),
        toggle,
        custom,
        h(
          "details",
          { class: "system-fields" },
          h("summary", {}, t("record.system")),
          h("dl", { class: "fields" }, SYSTEM_FIELDS.filter((field) => field in record).map(fieldRow)),
        ),
      ),
    );
  }

  async function startEdit() {
    schemaFields ??= (await inputFields(objectName)).filter((field) => field.kind !== "json");
    editing = true;
    clearConflict();
    renderDetails();
    details.querySelector("input:not([disabled]), select:not([disabled]), textarea:not([disabled])")?.focus();
  }

  function editForm() {
    const order = displayFields();
    const rank = (name) => (order.includes(name) ? order.indexOf(name) : order.length);
    const editable = schemaFields
      .filter((field) => field.name in record)
      .sort((a, b) => rank(a.name) - rank(b.name));
    const editableNames = new Set(editable.map((field) => field.name));
    const controls = buildControls(objectName, editable, record, { readOnly });
    const summary = h("div", { class: "form-summary", tabindex: "-1", hidden: true });
    const fixed = order.filter((field) => !editableNames.has(field));
    const submit = h("button", { type: "submit", class: "button button-primary" }, t("common.save"));
    const cancel = h("button", { type: "button", class: "button" }, t("common.cancel"));
    const form = h(
      "form",
      { class: "form card-body", novalidate: true },
      summary,
      h("div", { class: "form-grid" }, [...controls.values()].map((control) => control.element)),
      fixed.length
        ? [h("h3", {}, t("record.not_editable")), h("dl", { class: "fields" }, fixed.map(fieldRow))]
        : null,
      h("div", { class: "form-actions" }, submit, cancel),
    );
    cancel.addEventListener("click", () => {
      editing = false;
      clearConflict();
      renderDetails();
      title.focus();
    });
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !event.defaultPrevented) cancel.click();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearProblem(controls, summary);
      // PATCH bodies are not checked as strictly as create bodies: keep required fields filled.
      const blanks = [...controls.values()].filter((control) => control.field.required && blank(control.getValue()));
      if (blanks.length) {
        for (const control of blanks) control.setError(t("error.required"));
        blanks[0].focus();
        return;
      }
      const changes = {};
      for (const [name, control] of controls) {
        if (readOnly.has(name)) continue;
        const value = control.getValue();
        if (!sameValue(control.field.kind, record[name], value)) changes[name] = value;
      }
      if (!Object.keys(changes).length) {
        editing = false;
        renderDetails();
        announce(t("record.no_changes"));
        return;
      }
      submit.disabled = true;
      await save(changes, { controls, summary });
      submit.disabled = false;
    });
    return form;
  }

  // --- saving and conflicts -------------------------------------------------------------
  async function save(changes, form) {
    try {
      record = await api.patch(path, { version: record.version, ...changes });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 409) {
        await showConflict(changes, form);
      } else if (form) {
        showProblem(objectName, form.controls, form.summary, error);
      } else {
        flashError(error);
      }
      return false;
    }
    editing = false;
    clearConflict();
    await renderAll();
    flash(t("record.saved"));
    title.focus();
    return true;
  }

  function clearConflict() {
    conflictArea.replaceChildren();
  }

  async function showConflict(mine, form) {
    const before = record;
    record = await api.get(path);
    const theirs = Object.keys(record).filter(
      (field) => !CONFLICT_IGNORED.has(field) && JSON.stringify(before[field]) !== JSON.stringify(record[field]),
    );
    const fields = [...new Set([...Object.keys(mine), ...theirs])];
    await prepareDisplay(objectName, [record, before, mine], fields);
    const reapply = h("button", { type: "button", class: "button button-primary" }, t("conflict.reapply"));
    const discard = h("button", { type: "button", class: "button" }, t("conflict.discard"));
    reapply.addEventListener("click", () => {
      clearConflict();
      save(mine, form);
    });
    discard.addEventListener("click", async () => {
      clearConflict();
      editing = false;
      await renderAll();
      title.focus();
    });
    const rows = Object.keys(mine).map((field) =>
      h(
        "tr",
        {},
        h("th", { scope: "row" }, fieldLabel(objectName, field)),
        h("td", {}, renderValue(objectName, field, mine[field], mine)),
        h("td", {}, renderValue(objectName, field, record[field], record)),
      ),
    );
    const others = theirs.filter((field) => !(field in mine));
    replace(
      conflictArea,
      h(
        "div",
        { class: "notice notice-warn conflict", role: "alert" },
        h("p", { class: "notice-title" }, t("conflict.title")),
        h("p", {}, t("conflict.body")),
        h(
          "table",
          { class: "mini-table" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("conflict.field")), h("th", { scope: "col" }, t("conflict.yours")), h("th", { scope: "col" }, t("conflict.current")))),
          h("tbody", {}, rows),
        ),
        others.length
          ? [
            h("p", {}, t("conflict.their_changes")),
            h("ul", {}, others.map((field) => h("li", {}, fieldLabel(objectName, field), ": ", renderValue(objectName, field, before[field], before), " → ", renderValue(objectName, field, record[field], record)))),
          ]
          : null,
        h("div", { class: "form-actions" }, reapply, discard),
      ),
    );
    renderHeader();
    conflictArea.focus();
  }

  // --- assembling ------------------------------------------------------------------------
  let timeline = null;

  async function renderExtras() {
    replace(extras, await extraCards(objectName, record, ctx), insightCards(objectName, record));
  }

  async function renderAll() {
    await prepare();
    renderHeader();
    renderDetails();
    await renderExtras();
    if (timeline) timeline.reload();
  }

  async function refresh() {
    record = await api.get(path);
    editing = false;
    await renderAll();
  }

  await prepare();
  renderHeader();
  renderDetails();
  timeline = timelineCard(objectName, record);
  replace(relatedArea, relatedCards(objectName, record, me));
  replace(side, extras, timeline.element);
  replace(
    root,
    breadcrumbs(spec),
    h("header", { class: "record-head" }, h("div", { class: "record-heading" }, title, badges), actions),
    flashArea,
    conflictArea,
    h("div", { class: "record-grid" }, h("div", { class: "record-main" }, details, relatedArea), side),
  );
  await renderExtras();
}
