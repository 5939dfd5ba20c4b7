// Creating a record: a form generated from the OpenAPI schema of the create body.
// Query parameters prefill fields (/o/contacts/new?account_id=...).

import { api, ApiError } from "./api.js";
import { objects, recordUrl } from "./boot.js";
import { h, replace } from "./dom.js";
import { buildControls, clearProblem, showProblem } from "./forms.js";
import { t } from "./i18n.js";
import { can, loadMe } from "./me.js";
import { formFields } from "./schema.js";

function initialValues(objectName, fields, me) {
  const spec = objects[objectName];
  const params = new URLSearchParams(location.search);
  const values = {};
  for (const field of fields) {
    if (field.default !== undefined && field.default !== null) values[field.name] = field.default;
    const preset = spec.form_defaults[field.name];
    if (preset !== undefined) values[field.name] = preset === "@me" ? me.id : preset;
    if (params.has(field.name)) values[field.name] = params.get(field.name);
  }
  return values;
}

export async function render(root, page) {
  const objectName = page.object;
  const spec = objects[objectName];
  const me = await loadMe();
  const title = t("new.title", { object: t(`object.${objectName}`) });
  if (!can(me, objectName, "create")) {
    replace(root, h("h1", { class: "page-title" }, title), h("p", { class: "notice" }, t("error.no_create")));
    return;
  }
  const readOnly = new Set((me.read_only_fields || {})[objectName] || []);
  const hidden = new Set((me.hidden_fields || {})[objectName] || []);
  const writable = (field) => !readOnly.has(field.name) && !hidden.has(field.name);
  const groups = await formFields(objectName);
  const primary = groups.primary.filter(writable);
  const more = groups.more.filter(writable);
  const values = initialValues(objectName, [...primary, ...more], me);
  const controls = buildControls(objectName, [...primary, ...more], values);
  const params = new URLSearchParams(location.search);

  const summary = h("div", { class: "form-summary", tabindex: "-1", hidden: true });
  const details = h(
    "details",
    { class: "more-fields", open: more.some((field) => params.has(field.name)) },
    h("summary", {}, t("new.more_fields")),
    h("div", { class: "form-grid" }, more.map((field) => controls.get(field.name).element)),
  );
  const submit = h("button", { type: "submit", class: "button button-primary" }, t("new.create"));
  const form = h(
    "form",
    { class: "form record-form", novalidate: true },
    summary,
    h("div", { class: "form-grid" }, primary.map((field) => controls.get(field.name).element)),
    more.length ? details : null,
    h("div", { class: "form-actions" }, submit, h("a", { class: "button", href: `/o/${spec.plural}` }, t("common.cancel"))),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblem(controls, summary);
    const body = {};
    for (const [name, control] of controls) {
      const value = control.getValue();
      if (value !== null && value !== undefined) body[name] = value;
    }
    submit.disabled = true;
    try {
      const created = await api.post(`/${spec.plural}`, body);
      location.assign(recordUrl(objectName, created.id));
    } catch (error) {
      submit.disabled = false;
      if (!(error instanceof ApiError)) throw error;
      const moreNames = new Set(more.map((field) => field.name));
      if (error.fieldErrors.some((entry) => moreNames.has((entry.loc || [])[1]))) details.open = true;
      showProblem(objectName, controls, summary, error);
    }
  });

  document.title = `${title} · Kith`;
  replace(
    root,
    h("nav", { class: "breadcrumbs", "aria-label": t("nav.breadcrumbs") }, h("a", { href: `/o/${spec.plural}` }, spec.label)),
    h("h1", { class: "page-title" }, title),
    form,
  );
  const first = controls.get((primary[0] || {}).name);
  if (first) first.focus();
}
