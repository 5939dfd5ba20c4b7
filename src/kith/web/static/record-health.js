// The customer-health card of a contact or account record: the value and band of the
// published "customer health" concept, each indicator's points (which sum to the value),
// and, when a source is missing or stale, why it was left out. Without any value or
// history (no concept published), or on a 404/403, the card is removed.

import { ApiError, api } from "./api.js";
import { h, replace, uid } from "./dom.js";
import { problemNotice } from "./forms.js";
import { formatDateTime, formatNumber, locale, t } from "./i18n.js";

const CONCEPT = "customer_health";

function zh() {
  return locale.startsWith("zh");
}

function bandLabel(current) {
  return zh() ? current.band_label_zh : current.band_label_en;
}

function contributionRow(c) {
  const label = zh() ? c.label_zh : c.label_en;
  const ok = c.status === "ok";
  const fill = h("span", { class: "health-fill" });
  // Through the CSSOM: the page's CSP refuses inline style attributes.
  fill.style.width = `${Math.max(0, Math.min(100, Number(c.points)))}%`;
  return h(
    "li",
    { class: "health-row", dataset: { status: c.status, key: c.key } },
    h("span", { class: "health-label" }, label),
    h(
      "span",
      { class: "health-bar", role: "img", "aria-label": t("health.points", { points: formatNumber(c.points) }) },
      fill,
    ),
    h("span", { class: "health-points" }, ok ? formatNumber(c.points, { maximumFractionDigits: 1 }) : "—"),
    h(
      "span",
      { class: "muted small health-detail" },
      ok
        ? t("health.raw", {
            raw: formatNumber(c.raw, { maximumFractionDigits: 2 }),
            weight: formatNumber(c.effective_weight, { style: "percent", maximumFractionDigits: 0 }),
          })
        : t(`health.status.${c.status}`),
    ),
  );
}

function body(data) {
  const current = data.current;
  if (!current) return h("p", { class: "muted" }, t("health.none"));
  const value = current.value == null ? t("health.unknown") : formatNumber(current.value, { maximumFractionDigits: 0 });
  const reasons = current.reasons || [];
  return [
    h(
      "p",
      { class: "health-value" },
      h("strong", { class: "health-number" }, value),
      " ",
      h("span", { class: "badge", dataset: { band: current.band } }, bandLabel(current)),
      current.degraded ? h("span", { class: "badge", dataset: { band: "degraded" } }, t("health.degraded")) : null,
    ),
    h("ul", { class: "health-list", "aria-label": t("health.contributions") }, current.contributions.map(contributionRow)),
    reasons.length
      ? h("details", { class: "small" }, h("summary", {}, t("health.why_partial")), h("ul", {}, reasons.map((r) => h("li", {}, r))))
      : null,
    h(
      "p",
      { class: "muted small" },
      t("health.version", { version: current.version, at: formatDateTime(current.computed_at) }),
      data.history.length > 1 ? ` · ${t("health.history", { n: data.history.length })}` : "",
    ),
  ];
}

export function healthCard(objectName, record) {
  const id = uid("health");
  const content = h("div", { class: "card-body" }, h("p", { class: "muted" }, t("app.loading")));
  const section = h(
    "section",
    { class: "card health-card", "aria-labelledby": id },
    h("header", { class: "card-head" }, h("h2", { id }, t("health.title"))),
    content,
  );
  api
    .get(`/concepts/${CONCEPT}/customers/${objectName}/${record.id}`)
    .then((data) => {
      // No concept computed for anyone yet (none published): no card, no noise.
      if (!data.current && !data.history.length) section.remove();
      else replace(content, ...[].concat(body(data)));
    })
    .catch((error) => {
      if (error instanceof ApiError && (error.status === 404 || error.status === 403)) section.remove();
      else replace(content, problemNotice(error));
    });
  return section;
}
