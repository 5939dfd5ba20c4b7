// Rendering field values for reading: enums as badges, references as links, dates and
// money per locale. Call refs.prepareDisplay() first so names and titles are known.

import { fieldSpec, objects, recordUrl } from "./boot.js";
import { h } from "./dom.js";
import {
  actorKindLabel, enumLabel, fieldLabel, formatDate, formatDateTime, formatMoney, formatNumber, has, t,
} from "./i18n.js";
import { shortId, stageOf, teamName, titleOf, userName } from "./refs.js";

export function isEmpty(value) {
  return value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length);
}

function empty() {
  return h("span", { class: "muted", "aria-label": t("common.empty") }, "—");
}

function safeHref(url) {
  const text = String(url).trim();
  if (/^https?:\/\//i.test(text)) return text;
  if (/^[\w.-]+\.[a-z]{2,}(\/.*)?$/i.test(text)) return `https://${text}`;
  return null;
}

function refLink(target, id) {
  if (!objects[target]) return h("span", {}, shortId(id));
  const title = titleOf(target, id);
  // Looked up and not found: deleted, or not the reader's to see; never a bare "#1a2b3c".
  if (title === null) return h("span", { class: "muted", title: id }, t("common.unavailable_record", { object: objects[target].label }));
  return h("a", { href: recordUrl(target, id) }, title || shortId(id));
}

/** A badge for an enum value; CSS colours it by field and value. */
export function enumBadge(objectName, field, value) {
  return h("span", { class: "badge", dataset: { field, value: String(value) } }, enumLabel(objectName, field, value));
}

function renderJson(objectName, value) {
  if (Array.isArray(value) && value.every((row) => row && typeof row === "object" && !Array.isArray(row))) {
    const keys = [...new Set(value.flatMap((row) => Object.keys(row)))];
    return h(
      "table",
      { class: "mini-table" },
      h("thead", {}, h("tr", {}, keys.map((key) => h("th", { scope: "col" }, fieldLabel(objectName, key))))),
      h("tbody", {}, value.map((row) => h("tr", {}, keys.map((key) => h("td", {}, jsonCell(objectName, key, row[key])))))),
    );
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    // An id of something that is not a record a person can open (a mailbox, a thread)
    // is Kith's bookkeeping, not something to read: left out.
    const entries = Object.entries(value).filter(([key, item]) => !internalId(key, item));
    if (!entries.length) return empty();
    return h(
      "dl",
      { class: "mini-dl" },
      entries.map(([key, item]) => [h("dt", {}, fieldLabel(objectName, key)), h("dd", {}, jsonCell(objectName, key, item))]),
    );
  }
  return h("span", {}, JSON.stringify(value));
}

function isId(key, value) {
  return key.endsWith("_id") && typeof value === "string" && /^[0-9a-f]{32}$/.test(value);
}

function internalId(key, value) {
  return isId(key, value) && !objects[key.slice(0, -3)];
}

function jsonCell(objectName, key, value) {
  if (isEmpty(value)) return empty();
  if (isId(key, value)) {
    const target = key.slice(0, -3);
    return objects[target] ? refLink(target, value) : shortId(value);
  }
  if (typeof value === "object") return JSON.stringify(value);
  return enumLabel(objectName, key, value);
}

/** A node showing `value` of `field` on a record of `objectName` (the whole record gives context). */
export function renderValue(objectName, field, value, record = {}) {
  if (isEmpty(value) && typeof value !== "boolean") return empty();
  const info = fieldSpec(objectName, field);
  switch (info.kind) {
    case "enum":
      return enumBadge(objectName, field, value);
    case "ref":
      if (info.target === "stage") {
        const stage = stageOf(value);
        // a stage of a pipeline not loaded here (e.g. a deal's change in an account's timeline)
        return stage ? h("span", {}, stage.name) : h("span", { class: "muted", title: value }, t("common.stage_not_loaded"));
      }
      return refLink(info.target, value);
    case "user":
      return h("span", {}, userName(value) || shortId(value));
    case "team":
      return h("span", {}, teamName(value) || shortId(value));
    case "actor_kind":
      return h("span", { class: "actor-badge", dataset: { kind: value } }, actorKindLabel(value));
    case "money":
      return h("span", { class: "num" }, formatMoney(value, info.currency_field ? record[info.currency_field] : "CNY"));
    case "decimal":
    case "int":
      return h("span", { class: "num" }, formatNumber(value));
    case "percent":
      return h("span", { class: "num" }, formatNumber(Number(value) / 100, { style: "percent" }));
    case "date":
      return h("time", { datetime: value }, formatDate(value));
    case "datetime":
      return h("time", { datetime: value, title: value }, formatDateTime(value));
    case "bool":
      return h("span", {}, value ? t("common.yes") : t("common.no"));
    case "email":
      return h("a", { href: `mailto:${value}` }, value);
    case "phone":
      return h("a", { href: `tel:${String(value).replace(/[^\d+]/g, "")}` }, value);
    case "url": {
      const href = safeHref(value);
      return href ? h("a", { href, rel: "noopener noreferrer", target: "_blank" }, value) : h("span", {}, value);
    }
    case "longtext":
      return h("div", { class: "pre-wrap" }, value);
    case "json":
      return renderJson(objectName, value);
    case "id":
      return h("code", {}, value);
    default: {
      // Codes stored as text (an industry, a ticket category) read as words when known.
      const key = `value.${objectName}.${field}.${value}`;
      return h("span", {}, has(key) ? t(key) : String(value));
    }
  }
}

/** Plain-text form of a value (for titles, timeline changes of masked values, ...). */
export function valueText(objectName, field, value, record = {}) {
  if (isEmpty(value)) return "—";
  return renderValue(objectName, field, value, record).textContent;
}
