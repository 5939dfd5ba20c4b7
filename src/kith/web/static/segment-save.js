// "Save as segment" on the contacts and accounts lists: the list's filters become a saved,
// refreshable segment (POST /api/v1/segments, then a first refresh for its size).
// The full-text search is not part of a segment; the dialog says so when one is active.

import { api } from "./api.js";
import { h, uid } from "./dom.js";
import { t } from "./i18n.js";

export const SEGMENT_OBJECTS = new Set(["contact", "account"]);

function slug(text) {
  const ascii = text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  return /^[a-z]/.test(ascii) && ascii.length >= 2 ? ascii.slice(0, 80) : `segment_${Date.now().toString(36)}`;
}

function messageOf(error) {
  const first = error.fieldErrors && error.fieldErrors[0];
  return first ? `${first.loc.slice(1).join(".")}: ${first.msg}` : error.message;
}

/** { button, dialog, status } for a list of `objectName` whose filters `current()` returns. */
export function saveSegmentControl({ objectName, current }) {
  const ids = { zh: uid("seg-zh"), en: uid("seg-en"), name: uid("seg-name") };
  const zhInput = h("input", { id: ids.zh, type: "text", maxlength: "200", required: true });
  const enInput = h("input", { id: ids.en, type: "text", maxlength: "200", required: true });
  const nameInput = h("input", { id: ids.name, type: "text", maxlength: "80", pattern: "[a-z][a-z0-9_]{1,79}", required: true });
  const searchNote = h("p", { class: "muted", hidden: true }, t("segments.search_not_saved"));
  const error = h("p", { class: "field-error", role: "alert" });
  const status = h("span", { class: "muted", role: "status" });
  const submit = h("button", { type: "submit", class: "button button-primary" }, t("common.save"));

  async function save(event) {
    event.preventDefault();
    const { filters } = current();
    const body = {
      name: nameInput.value.trim() || slug(enInput.value),
      label_zh: zhInput.value.trim(),
      label_en: enInput.value.trim(),
      object_type: objectName,
      definition: { filters },
    };
    submit.disabled = true;
    error.textContent = "";
    try {
      const segment = await api.post("/segments", body);
      const refreshed = await api.post(`/segments/${segment.id}/refresh`, {});
      dialog.close();
      status.textContent = t("segments.saved", { label: segment.label_zh || segment.label_en, n: refreshed.total });
    } catch (problem) {
      error.textContent = messageOf(problem);
    } finally {
      submit.disabled = false;
    }
  }

  const dialog = h(
    "dialog",
    { class: "small-dialog", "aria-labelledby": `${ids.name}-title` },
    h(
      "form",
      { method: "dialog", on: { submit: save } },
      h("h2", { id: `${ids.name}-title` }, t("segments.save_as")),
      h("p", { class: "muted" }, t("segments.explain")),
      searchNote,
      h("div", { class: "field" }, h("label", { for: ids.zh }, t("segments.label_zh")), zhInput),
      h("div", { class: "field" }, h("label", { for: ids.en }, t("segments.label_en")), enInput),
      h("div", { class: "field" }, h("label", { for: ids.name }, t("segments.key")), nameInput),
      error,
      h(
        "div",
        { class: "form-actions" },
        submit,
        h("button", { type: "button", class: "button", on: { click: () => dialog.close() } }, t("common.cancel")),
      ),
    ),
  );

  const button = h(
    "button",
    {
      type: "button",
      class: "button",
      on: {
        click: () => {
          const { filters, q } = current();
          if (!filters.length) {
            status.textContent = t("segments.needs_filter");
            return;
          }
          searchNote.hidden = !q;
          error.textContent = "";
          dialog.showModal();
          zhInput.focus();
        },
      },
    },
    t("segments.save_as"),
  );
  return { button, dialog, status };
}
