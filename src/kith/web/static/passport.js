// Pieces of the decision passport shared by the passport page and the approvals inbox.

import { objects, recordUrl } from "./boot.js";
import { factorChart, gauge } from "./charts.js";
import { h } from "./dom.js";
import { actorKindLabel, formatDateTime, formatNumber, has, t } from "./i18n.js";
import { shortId, titleOf } from "./refs.js";

export function actorBadge(kind, name) {
  return h("span", { class: "actor-badge", dataset: { kind: kind || "system" } }, actorKindLabel(kind), name ? ` · ${name}` : "");
}

export function statusBadge(status) {
  const key = `decision.status.${status}`;
  return h("span", { class: "badge", dataset: { value: status || "" } }, has(key) ? t(key) : status || "—");
}

export function riskBadge(level) {
  if (!level) return null;
  return h("span", { class: "badge risk", dataset: { risk: level } }, t(`decision.risk.${level}`));
}

export function subjectLink(type, id) {
  if (!type || !id) return h("span", { class: "muted" }, "—");
  if (!objects[type]) return h("span", {}, `${type} ${shortId(id)}`);
  return h("a", { href: recordUrl(type, id) }, `${objects[type].label} · ${titleOf(type, id) || shortId(id)}`);
}

function scalar(value) {
  if (value === null || value === undefined || value === "") return h("span", { class: "muted" }, "—");
  if (typeof value === "object") return h("code", { class: "pre-wrap" }, JSON.stringify(value, null, 1));
  return String(value);
}

/** A definition list of a JSON object's top-level keys (masked snapshots). */
export function jsonList(data) {
  const entries = Object.entries(data || {});
  if (!entries.length) return h("p", { class: "muted" }, "—");
  return h("dl", { class: "mini-dl" }, entries.map(([key, value]) => [h("dt", {}, key), h("dd", {}, scalar(value))]));
}

/** The "why": engine, summary, confidence vs threshold, factors chart, inputs. */
export function rationaleBlock(rationale) {
  if (!rationale) return h("p", { class: "muted" }, t("passport.no_rationale"));
  const confidence = rationale.confidence;
  const threshold = rationale.threshold;
  const numbers = [];
  if (confidence != null) numbers.push(h("span", {}, t("passport.confidence"), ": ", h("strong", {}, formatNumber(confidence, { style: "percent", maximumFractionDigits: 1 }))));
  if (threshold != null) numbers.push(h("span", {}, t("passport.threshold"), ": ", h("strong", {}, formatNumber(threshold, { style: "percent", maximumFractionDigits: 1 }))));
  return h(
    "div",
    { class: "rationale" },
    rationale.summary ? h("p", { class: "rationale-summary" }, rationale.summary) : null,
    h(
      "p",
      { class: "muted small" },
      t("passport.engine"), ": ", h("code", {}, `${rationale.engine || "?"} ${rationale.engine_version || ""}`.trim()),
      rationale.prompt_version ? [" · ", t("passport.prompt_version"), ": ", h("code", {}, rationale.prompt_version)] : null,
    ),
    numbers.length ? h("div", { class: "gauge-row" }, h("p", { class: "gauge-numbers" }, numbers), gauge(confidence, threshold, t("passport.gauge_label"))) : null,
    rationale.factors && rationale.factors.length
      ? [h("h3", {}, t("passport.factors")), factorChart(rationale.factors, t("passport.factors"))]
      : null,
    rationale.inputs && Object.keys(rationale.inputs).length ? [h("h3", {}, t("passport.inputs")), jsonList(rationale.inputs)] : null,
  );
}

export function when(value) {
  return value ? h("time", { datetime: value }, formatDateTime(value)) : h("span", { class: "muted" }, "—");
}
