// Record-page cards that appear when the features behind them are installed:
// scores with their factors (GET /{plural}/{id}/scores) and, on contacts, the consent view
// (GET /contacts/{id}/consents: what this person allows now, and the history).
// A 404 from either endpoint removes the card instead of showing an error.

import { ApiError, api } from "./api.js";
import { objects } from "./boot.js";
import { factorChart, gauge } from "./charts.js";
import { h, replace, uid } from "./dom.js";
import { problemNotice } from "./forms.js";
import { healthCard } from "./record-health.js";
import { actorKindLabel, formatDateTime, formatNumber, has, locale, t } from "./i18n.js";

function lazyCard(title, load) {
  const id = uid("insight");
  const body = h("div", { class: "card-body" }, h("p", { class: "muted" }, t("app.loading")));
  const section = h("section", { class: "card", "aria-labelledby": id }, h("header", { class: "card-head" }, h("h2", { id }, title)), body);
  load()
    .then((content) => {
      if (content === null) section.remove();
      else replace(body, content);
    })
    .catch((error) => {
      if (error instanceof ApiError && (error.status === 404 || error.status === 403)) section.remove();
      else replace(body, problemNotice(error));
    });
  return section;
}

function label(prefix, value) {
  const key = `${prefix}.${value}`;
  return has(key) ? t(key) : String(value ?? "—");
}

function localized(text) {
  if (!text) return "";
  return locale.startsWith("zh") ? text.zh || text.en : text.en || text.zh;
}

function thinFactors(factors) {
  const thin = (factors || []).filter((f) => f.note);
  if (!thin.length) return null;
  return h(
    "ul",
    { class: "muted small thin-factors" },
    thin.map((f) => h("li", { dataset: { name: f.name } }, `${f.name}: ${localized(f.note)}`)),
  );
}

function scoreBlock(score) {
  if (score.status === "not_enough_data") {
    return h(
      "div",
      { class: "score", dataset: { kind: score.kind, status: score.status } },
      h("p", {}, h("strong", {}, label("score.kind", score.kind)), " ", t("score.not_enough_data")),
      h("p", { class: "muted small" }, localized(score.reason)),
    );
  }
  const pct = Number(score.score);
  return h(
    "div",
    { class: "score", dataset: { kind: score.kind } },
    h(
      "p",
      {},
      h("strong", {}, label("score.kind", score.kind)),
      " ",
      h("span", { class: "badge", dataset: { band: score.band } }, label("score.band", score.band)),
      " ",
      pct <= 1 ? formatNumber(pct, { style: "percent", maximumFractionDigits: 0 }) : formatNumber(pct),
    ),
    pct <= 1 ? gauge(pct, null, label("score.kind", score.kind)) : null,
    score.factors && score.factors.length ? factorChart(score.factors, t("score.factors")) : null,
    thinFactors(score.factors),
    h("p", { class: "muted small" }, t("score.model", { version: score.model_version }), score.scored_at ? ` · ${formatDateTime(score.scored_at)}` : ""),
  );
}

function scoresCard(objectName, record) {
  return lazyCard(t("score.title"), async () => {
    const scores = await api.get(`/${objects[objectName].plural}/${record.id}/scores`);
    const list = Array.isArray(scores) ? scores : scores.items || [];
    if (!list.length) return h("p", { class: "muted" }, t("score.none"));
    return list.map(scoreBlock);
  });
}

function consentCard(record) {
  return lazyCard(t("consent.title"), async () => {
    const data = await api.get(`/contacts/${record.id}/consents`);
    const current = data.current || [];
    const history = data.history || [];
    const table = current.length
      ? h(
          "ul",
          { class: "consent-list", "aria-label": t("consent.current") },
          current.map((c) =>
            h(
              "li",
              { dataset: { state: c.state } },
              h("span", { class: "badge", dataset: { consent: c.state } }, label("consent.state_value", c.state)),
              " ",
              h("strong", {}, label("consent.purpose_value", c.purpose)),
              " / ",
              label("consent.channel_value", c.channel),
              h(
                "div",
                { class: "small muted" },
                t("consent.basis"), ": ", label("consent.basis_value", c.legal_basis), " · ", label("consent.source_value", c.source),
                " · ", t("consent.since"), " ", formatDateTime(c.at),
                c.expires_at ? [" · ", t("consent.expires"), " ", formatDateTime(c.expires_at)] : null,
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, t("consent.none"));
    const events = history.length
      ? h(
          "details",
          {},
          h("summary", {}, t("consent.history", { n: formatNumber(history.length) })),
          h(
            "ol",
            { class: "history" },
            history.map((e) =>
              h(
                "li",
                {},
                h("time", { datetime: e.at }, formatDateTime(e.at)),
                " · ",
                label("consent.purpose_value", e.purpose),
                " / ",
                label("consent.channel_value", e.channel),
                " → ",
                h("strong", {}, label("consent.state_value", e.state)),
                h("div", { class: "small muted" }, label("consent.source_value", e.source), " · ", label("consent.basis_value", e.legal_basis), " · ", actorKindLabel(e.recorded_by_kind), e.note ? ` · ${e.note}` : ""),
              ),
            ),
          ),
        )
      : null;
    return [table, events];
  });
}

/** Cards for the record page's side column (removed when their feature is absent). */
export function insightCards(objectName, record) {
  const cards = [];
  if (objects[objectName].scored) cards.push(scoresCard(objectName, record));
  if (objectName === "contact") cards.push(consentCard(record));
  if (objectName === "contact" || objectName === "account") cards.push(healthCard(objectName, record));
  return cards;
}
