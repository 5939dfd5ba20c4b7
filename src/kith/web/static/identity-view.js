// Shared pieces of the identity screens: labels of identity kinds, fields and comparison
// levels, a record's features as a small definition list, a pair's evidence.

import { h } from "./dom.js";
import { formatNumber, has, t } from "./i18n.js";

export const FEATURES = ["name_key", "phone", "email", "device_id", "wechat_id", "card_no", "city", "birth_date"];

export function kindLabel(kind) {
  return has(`identity.kind.${kind}`) ? t(`identity.kind.${kind}`) : kind;
}

export function fieldName(field) {
  return has(`identity.field.${field}`) ? t(`identity.field.${field}`) : field;
}

function levelName(level) {
  return has(`identity.level.${level}`) ? t(`identity.level.${level}`) : level;
}

export function percent(p) {
  return formatNumber(p, { style: "percent", maximumFractionDigits: 1 });
}

/** A record's comparable fields (what the model saw). */
export function featureList(features) {
  const rows = [];
  for (const key of FEATURES) {
    const value = features && features[key];
    if (value === null || value === undefined || value === "") continue;
    rows.push(h("dt", {}, fieldName(key)), h("dd", {}, String(value)));
  }
  return rows.length ? h("dl", { class: "mini-dl" }, rows) : h("p", { class: "muted small" }, t("identity.none"));
}

/** Each field's level and how many bits it moved the odds (positive: agreed). */
export function evidenceList(explanation) {
  const fields = (explanation && explanation.fields) || [];
  return h(
    "ul",
    { class: "plain-list evidence-list" },
    fields.map((f) => {
      const agreed = f.match_weight > 0;
      return h(
        "li",
        { dataset: { field: f.field, agreed: agreed ? "yes" : "no" } },
        h("span", { class: agreed ? "badge badge-ok" : "badge badge-warn" }, agreed ? t("identity.agreed") : t("identity.disagreed")),
        " ",
        h("strong", {}, fieldName(f.field)),
        " · ",
        levelName(f.level),
        " · ",
        h("span", { class: "mono" }, `${f.match_weight > 0 ? "+" : ""}${formatNumber(f.match_weight, { maximumFractionDigits: 1 })}`),
      );
    }),
  );
}
