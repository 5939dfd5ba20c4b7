// Building record forms from field descriptors and showing problem+json errors
// next to the fields they name (errors[].loc = ["body", field, ...]).

import { h, replace } from "./dom.js";
import { fieldLabel, t } from "./i18n.js";
import { createControl } from "./widgets.js";

const ERROR_KEYS = {
  missing: "error.required",
  string_too_short: "error.too_short",
  string_too_long: "error.too_long",
  string_pattern_mismatch: "error.pattern",
  literal_error: "error.choice",
  enum: "error.choice",
  int_parsing: "error.integer",
  int_from_float: "error.integer",
  decimal_parsing: "error.number",
  float_parsing: "error.number",
  decimal_max_places: "error.decimal_places",
  decimal_max_digits: "error.number",
  greater_than_equal: "error.range",
  less_than_equal: "error.range",
  greater_than: "error.range",
  date_parsing: "error.date",
  date_from_datetime_parsing: "error.date",
  datetime_parsing: "error.datetime",
  datetime_from_date_parsing: "error.datetime",
  extra_forbidden: "error.extra",
  version_conflict: "error.version_conflict",
};

/** One errors[] entry -> a message in the current language (the server's text as fallback). */
export function errorMessage(entry) {
  const key = ERROR_KEYS[entry.type];
  if (key) return t(key);
  if (entry.type === "value_error" && /email/i.test(entry.msg || "")) return t("error.email");
  return entry.msg || t("error.generic");
}

/** The headline for an API error status. */
export function problemTitle(error) {
  const key = { 0: "error.network", 403: "error.forbidden", 404: "error.not_found", 409: "error.conflict", 422: "error.validation" }[error.status];
  return t(key || "error.generic");
}

/** A notice element describing an error (role=alert). */
export function problemNotice(error, extra = []) {
  return h(
    "div",
    { class: "notice notice-error", role: "alert" },
    h("p", { class: "notice-title" }, problemTitle(error)),
    error.problem && error.problem.detail ? h("p", { class: "notice-detail" }, error.problem.detail) : null,
    extra.length ? h("ul", {}, extra) : null,
  );
}

/**
 * Show `error` on a form: each field error next to its control, the rest in `summary`.
 * Focuses the first invalid control (or the summary).
 */
export function showProblem(objectName, controls, summary, error) {
  for (const control of controls.values()) control.clearError();
  const unmatched = [];
  let first = null;
  for (const entry of error.fieldErrors) {
    const [where, name] = entry.loc || [];
    const control = where === "body" ? controls.get(name) : undefined;
    if (control) {
      control.setError(errorMessage(entry));
      first ??= control;
    } else {
      const label = name ? `${fieldLabel(objectName, String(name))}: ` : "";
      unmatched.push(h("li", {}, label, errorMessage(entry)));
    }
  }
  replace(summary, problemNotice(error, unmatched));
  summary.hidden = false;
  if (first) first.focus();
  else summary.focus();
}

export function clearProblem(controls, summary) {
  for (const control of controls.values()) control.clearError();
  summary.replaceChildren();
  summary.hidden = true;
}

/**
 * Controls for `fields` of `objectName` with initial `values`.
 * readOnly: field names shown disabled with a note. Returns Map name -> control.
 */
export function buildControls(objectName, fields, values, { readOnly = new Set(), disabled = false } = {}) {
  const controls = new Map();
  for (const field of fields) {
    const locked = disabled || readOnly.has(field.name);
    const note = readOnly.has(field.name) ? t("record.read_only_field") : null;
    controls.set(field.name, createControl(objectName, field, values[field.name], { disabled: locked, note }));
  }
  const pipeline = controls.get("pipeline_id");
  const stage = controls.get("stage_id");
  if (pipeline && stage && stage.bindPipeline) stage.bindPipeline(pipeline);
  return controls;
}

/** Values of enabled controls. */
export function collectValues(controls, readOnly = new Set()) {
  const values = {};
  for (const [name, control] of controls) {
    if (!readOnly.has(name)) values[name] = control.getValue();
  }
  return values;
}
