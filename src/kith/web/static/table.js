// Record tables for lists, the home page and related lists.

import { fieldSpec, recordUrl } from "./boot.js";
import { renderValue } from "./display.js";
import { h } from "./dom.js";
import { fieldLabel, t } from "./i18n.js";
import { recordTitle } from "./refs.js";
import { ticketDueCell } from "./sla.js";

function cell(objectName, field, record, isTitle) {
  if (isTitle) {
    const own = record[field] ? renderValue(objectName, field, record[field], record).textContent : "";
    return h("a", { href: recordUrl(objectName, record.id), class: "record-link" }, own || recordTitle(objectName, record));
  }
  if (objectName === "ticket" && field === "resolution_due_at") return ticketDueCell(record);
  return renderValue(objectName, field, record[field], record);
}

/**
 * recordTable("contact", items, ["name", "title"], {sort: "-name", onSort(field)})
 * The first column links to the record. Sortable headers are buttons with aria-sort.
 */
export function recordTable(objectName, items, columns, { sort, onSort, caption } = {}) {
  const sortField = sort ? sort.replace(/^-/, "") : null;
  const descending = Boolean(sort && sort.startsWith("-"));
  const head = columns.map((field) => {
    const label = fieldLabel(objectName, field);
    const sortable = onSort && fieldSpec(objectName, field).sortable;
    if (!sortable) return h("th", { scope: "col" }, label);
    const active = sortField === field;
    const direction = active ? (descending ? "descending" : "ascending") : "none";
    return h(
      "th",
      { scope: "col", "aria-sort": direction },
      h(
        "button",
        {
          type: "button",
          class: "sort-button",
          dataset: { direction },
          title: t("list.sort_by", { field: label }),
          on: { click: () => onSort(field) },
        },
        label,
        h("span", { class: "sort-indicator", "aria-hidden": "true" }, active ? (descending ? "▼" : "▲") : "↕"),
      ),
    );
  });
  const rows = items.map((record) =>
    h("tr", {}, columns.map((field, index) => h(index ? "td" : "th", index ? {} : { scope: "row" }, cell(objectName, field, record, index === 0)))),
  );
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "records" },
      caption ? h("caption", { class: "visually-hidden" }, caption) : null,
      h("thead", {}, h("tr", {}, head)),
      h("tbody", {}, rows),
    ),
  );
}
