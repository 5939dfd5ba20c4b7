// Dashboards: pipeline funnel, ticket SLA, agent activity (from /api/v1/web/stats/*), and
// the forecast with intervals and the churn-risk distribution from the intelligence API when
// it is installed (a 404 shows "not available").

import { ApiError, api } from "./api.js";
import { horizontalBars, intervalChart, stackedColumns } from "./charts.js";
import { h, replace, uid } from "./dom.js";
import { problemNotice } from "./forms.js";
import { formatDate, formatMoney, formatNumber, locale, t } from "./i18n.js";
import { can, loadMe } from "./me.js";

function panel(titleKey, load, extra = null) {
  const id = uid("dash");
  const body = h("div", { class: "card-body" }, h("p", { class: "muted" }, t("app.loading")));
  const card = h("section", { class: "card", "aria-labelledby": id }, h("header", { class: "card-head" }, h("h2", { id }, t(titleKey)), extra), body);
  const run = async () => {
    try {
      replace(body, await load());
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) replace(body, h("p", { class: "muted", dataset: { state: "unavailable" } }, t("dash.unavailable")));
      else if (error instanceof ApiError && error.status === 403) replace(body, h("p", { class: "muted" }, t("dash.forbidden")));
      else replace(body, problemNotice(error));
    }
  };
  run();
  return { card, run };
}

/** Each currency on its own; a total across currencies only converted, and said so. */
function stageMoney(stage, fx) {
  const sums = Object.entries(stage.amounts || {});
  if (!sums.length) return null;
  const parts = sums.map(([code, amount]) => formatMoney(amount, code)).join(" + ");
  if (sums.length === 1 || stage.amount === null || !fx) return parts;
  return `${parts} ${t("dash.converted", { amount: formatMoney(stage.amount, fx.base), date: formatDate(fx.as_of) })}`;
}

function funnelPanel(pipelines) {
  const select = h("select", { id: "dash-pipeline", "aria-label": t("board.pipeline") }, pipelines.map((p) => h("option", { value: p.id, selected: p.is_default }, p.name)));
  const p = panel("dash.funnel", async () => {
    const data = await api.get("/web/stats/pipeline", { pipeline_id: select.value || undefined });
    if (!data.stages.length) return h("p", { class: "empty" }, t("dash.no_data"));
    const bar = (s) => ({
      label: s.name,
      value: s.count,
      kind: s.kind === "open" ? null : s.kind,
      centered: s.kind === "open",
      sublabel: data.amounts_visible ? stageMoney(s, data.fx) : null,
    });
    const open = data.stages.filter((s) => s.kind === "open");
    const closed = data.stages.filter((s) => s.kind !== "open");
    return [
      h("h3", {}, t("dash.open_stages")),
      horizontalBars(open.map(bar), t("dash.open_stages")),
      closed.length ? [h("h3", {}, t("dash.closed_stages")), horizontalBars(closed.map(bar), t("dash.closed_stages"))] : null,
    ];
  }, select);
  select.addEventListener("change", p.run);
  return p.card;
}

function slaPanel() {
  return panel("dash.sla", async () => {
    const data = await api.get("/web/stats/tickets", { days: 30 });
    const items = data.states.map((s) => ({ label: t(`sla.${s.state}`), value: s.count, kind: s.state }));
    return [h("p", { class: "muted small" }, t("dash.sla_note", { days: data.days })), horizontalBars(items, t("dash.sla"))];
  }).card;
}

function agentPanel() {
  return panel("dash.agents", async () => {
    const data = await api.get("/web/stats/agents", { days: 14 });
    const dayFormat = new Intl.DateTimeFormat(locale, { month: "numeric", day: "numeric", timeZone: "UTC" });
    const series = data.series.map((d) => ({ label: dayFormat.format(new Date(`${d.day}T00:00:00Z`)), values: d }));
    const total = data.agents.reduce((sum, a) => sum + a.count, 0);
    return [
      stackedColumns(series, data.outcomes, (k) => t(`decision.status.${k}`), t("dash.agents")),
      h("p", { class: "muted small" }, t("dash.agents_total", { n: formatNumber(total) })),
      data.agents.length ? h("ul", { class: "tag-list" }, data.agents.map((a) => h("li", {}, `${a.name} · ${formatNumber(a.count)}`))) : null,
    ];
  }).card;
}

const FORECAST_DIMENSIONS = ["total", "team", "owner", "product", "pipeline"];

function forecastPoints(series) {
  return series.map((p) => ({ label: p.period, actual: p.actual, forecast: p.forecast, lower: p.lower, upper: p.upper }));
}

// One group: its chart with the interval, the chosen method beside its baseline (seasonal-naive,
// or naive for a series shorter than two seasons),
// and the pipeline-weighted estimate (flagged when it could not be backtested).
function forecastGroupView(group, money) {
  const mase = (v) => formatNumber(v, { maximumFractionDigits: 2 });
  const facts = [];
  if (group.model) {
    facts.push(t("forecast.method", { method: group.method, mase: mase(group.model.mase) }));
    const baselineKey = group.baseline.name === "naive" ? "forecast.baseline_naive" : "forecast.baseline";
    facts.push(`${t(baselineKey, { mase: mase(group.baseline.mase) })} · ${t(group.model.better_than_baseline ? "forecast.beats" : "forecast.not_beats")}`);
  } else {
    facts.push(t("forecast.insufficient", { reason: group.reason || "" }));
  }
  const pipe = group.pipeline;
  const expected = pipe.points.reduce((sum, p) => sum + p.expected, 0);
  facts.push(`${t("forecast.pipeline", { n: formatNumber(pipe.open_deals), amount: money(expected) })}${pipe.backtested ? "" : ` (${t("forecast.not_backtested")})`}`);
  const points = forecastPoints(group.series);
  return [
    h("ul", { class: "muted small", dataset: { method: group.method } }, facts.map((f) => h("li", {}, f))),
    points.length ? intervalChart(points, `${t("dash.forecast")} · ${group.name}`, money) : h("p", { class: "empty" }, t("dash.no_data")),
  ];
}

function forecastPanel() {
  const by = h("select", { id: "dash-forecast-by", "aria-label": t("forecast.by") }, FORECAST_DIMENSIONS.map((d) => h("option", { value: d }, t(`forecast.by.${d}`))));
  const p = panel("dash.forecast", async () => {
    const data = await api.get("/intelligence/forecast", { period: "month", by: by.value });
    const currency = data.currency || "CNY";
    const money = (v) => formatMoney(v, currency);
    const groups = data.groups || [];
    if (!groups.length) {
      const series = data.series || [];
      if (!series.length) return h("p", { class: "empty" }, t("dash.no_data"));
      return intervalChart(forecastPoints(series), t("dash.forecast"), money);
    }
    const body = h("div", {});
    const pick = h("select", { id: "dash-forecast-series", "aria-label": t("forecast.series") }, groups.map((g, i) => h("option", { value: String(i) }, g.name)));
    const show = () => replace(body, forecastGroupView(groups[Number(pick.value)], money));
    pick.addEventListener("change", show);
    show();
    return [
      groups.length > 1 ? h("label", { class: "small" }, `${t("forecast.series")} `, pick) : null,
      body,
      data.omitted_groups ? h("p", { class: "muted small" }, t("forecast.omitted", { n: formatNumber(data.omitted_groups) })) : null,
    ];
  }, by);
  by.addEventListener("change", p.run);
  return p.card;
}

function churnPanel() {
  return panel("dash.churn", async () => {
    const data = await api.get("/intelligence/churn/distribution");
    const bins = data.bins || [];
    if (!bins.length) return h("p", { class: "empty" }, t("dash.no_data"));
    const pct = (v) => formatNumber(v, { style: "percent", maximumFractionDigits: 0 });
    const kind = (b) => (Number(b.from) >= 0.7 ? "breached" : Number(b.from) >= 0.4 ? "at_risk" : "on_track");
    return horizontalBars(bins.map((b) => ({ label: `${pct(b.from)}–${pct(b.to)}`, value: b.count, kind: kind(b) })), t("dash.churn"));
  }).card;
}

export async function render(root) {
  const me = await loadMe();
  const cards = [];
  if (can(me, "deal", "read")) {
    const pipelines = (await api.get("/pipelines", { limit: 200 })).items;
    cards.push(funnelPanel(pipelines), forecastPanel());
  }
  if (can(me, "ticket", "read")) cards.push(slaPanel());
  if (can(me, "contact", "read") || can(me, "account", "read")) cards.push(churnPanel());
  cards.push(agentPanel());
  replace(root, h("div", { class: "page-head" }, h("h1", { class: "page-title" }, t("dashboards.title"))), h("div", { class: "dash-grid" }, cards));
}
