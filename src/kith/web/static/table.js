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
 * `select` ({selected: Set of ids, onChange(selected)}) adds a checkbox column and a
 * "select all on this page" box.
 */
export function recordTable(objectName, items, columns, { sort, onSort, caption, select } = {}) {
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
  const boxes = [];
  let allBox = null;
  if (select) {
    const sync = () => {
      const count = boxes.filter((box) => box.checked).length;
      allBox.checked = count > 0 && count === boxes.length;
      allBox.indeterminate = count > 0 && count < boxes.length;
      select.onChange(select.selected);
    };
    allBox = h("input", {
      type: "checkbox",
      class: "row-select-all",
      "aria-label": t("lists.select_all"),
      on: {
        change: () => {
          for (const box of boxes) {
            box.checked = allBox.checked;
            if (box.checked) select.selected.add(box.dataset.id);
            else select.selected.delete(box.dataset.id);
          }
          sync();
        },
      },
    });
    for (const record of items) {
      const box = h("input", {
        type: "checkbox",
        class: "row-select",
        dataset: { id: record.id },
        "aria-label": t("lists.select_row", { title: recordTitle(objectName, record) }),
        on: {
          change: () => {
            if (box.checked) select.selected.add(record.id);
            else select.selected.delete(record.id);
            sync();
          },
        },
      });
      box.checked = select.selected.has(record.id);
      boxes.push(box);
    }
    head.unshift(h("th", { scope: "col", class: "select-cell" }, allBox));
  }
  const rows = items.map((record, rowIndex) =>
    h(
      "tr",
      { dataset: { id: record.id } },
      select ? h("td", { class: "select-cell" }, boxes[rowIndex]) : null,
      columns.map((field, index) => h(index ? "td" : "th", index ? {} : { scope: "row" }, cell(objectName, field, record, index === 0))),
    ),
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
