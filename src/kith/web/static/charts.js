// Small SVG charts built node by node (no library, no HTML parsing): diverging factor bars,
// horizontal bars (funnel, distributions), stacked columns by day, a line with an interval
// band, a histogram and a gauge. Every chart has role="img", a <title> and a
// visually-hidden data table next to it for screen readers; colours come from CSS classes.

import { h } from "./dom.js";
import { formatNumber, has, t } from "./i18n.js";

const NS = "http://www.w3.org/2000/svg";

/** s("rect", {x: 1}, child...) — an SVG element; text children become text nodes. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function frame(width, height, label, ...children) {
  return s(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", "aria-label": label, class: "chart", preserveAspectRatio: "xMinYMin meet" },
    s("title", {}, label),
    children,
  );
}

/** A visually hidden table with the chart's numbers. */
export function dataTable(caption, headers, rows) {
  return h(
    "table",
    { class: "visually-hidden" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, row.map((x) => h("td", {}, x))))),
  );
}

function clip(text, max) {
  const value = String(text ?? "");
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** A factor's readable name: the label `factor.<name>` (zh-CN/en), else the name made readable. */
export function factorLabel(name) {
  const key = `factor.${name}`;
  if (has(key)) return t(key);
  const text = String(name ?? "").replace(/[_-]+/g, " ").trim();
  return text ? text[0].toUpperCase() + text.slice(1) : "—";
}

function factorValue(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "number") return formatNumber(value, { maximumFractionDigits: 2 });
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * Factors of a decision or a score: bars to the right push towards it (for a model, the
 * log-odds contribution), to the left against.
 * factors: [{name, value, contribution, description?}]
 */
export function factorChart(factors, label) {
  const rows = factors || [];
  const width = 520;
  const labelWidth = 190;
  const valueWidth = 56;
  const row = 28;
  const half = (width - labelWidth - valueWidth) / 2;
  const axis = labelWidth + half;
  const largest = Math.max(...rows.map((f) => Math.abs(Number(f.contribution) || 0)), 1e-9);
  const height = rows.length * row + 8;
  const signed = (value) => `${value >= 0 ? "+" : ""}${formatNumber(value, { maximumFractionDigits: 3 })}`;
  const bars = rows.map((factor, i) => {
    const value = Number(factor.contribution) || 0;
    const w = Math.max(1, (half * Math.abs(value)) / largest);
    const y = i * row + 4;
    const name = factorLabel(factor.name);
    const valueText = s("title", {}, `${name} (${factor.name}): ${signed(value)}${factor.description ? ` — ${factor.description}` : ""}`);
    return s(
      "g",
      { class: "factor", "data-name": factor.name },
      valueText,
      s("text", { x: labelWidth - 8, y: y + row / 2 + 4, "text-anchor": "end", class: "chart-label" }, clip(`${name} = ${factorValue(factor.value)}`, 30)),
      s("rect", { x: value >= 0 ? axis : axis - w, y: y + 4, width: w, height: row - 10, rx: 2, class: value >= 0 ? "bar-pos" : "bar-neg" }),
      s("text", { x: width - 4, y: y + row / 2 + 4, "text-anchor": "end", class: "chart-value" }, signed(value)),
    );
  });
  const svg = frame(width, height, label, s("line", { x1: axis, x2: axis, y1: 0, y2: height, class: "axis" }), bars);
  return h(
    "figure",
    { class: "chart-figure" },
    svg,
    dataTable(label, [t("chart.factor"), t("chart.value"), t("chart.contribution")], rows.map((f) => [factorLabel(f.name), factorValue(f.value), String(f.contribution)])),
  );
}

/** Confidence against threshold on a 0..1 scale. */
export function gauge(confidence, threshold, label) {
  const width = 320;
  const height = 36;
  const x = (v) => 8 + Math.max(0, Math.min(1, Number(v))) * (width - 16);
  const meets = confidence != null && threshold != null ? Number(confidence) >= Number(threshold) : null;
  return frame(
    width,
    height,
    label,
    s("rect", { x: 8, y: 10, width: width - 16, height: 12, rx: 6, class: "gauge-track" }),
    confidence != null ? s("rect", { x: 8, y: 10, width: Math.max(2, x(confidence) - 8), height: 12, rx: 6, class: meets === false ? "gauge-low" : "gauge-fill" }) : null,
    threshold != null ? s("line", { x1: x(threshold), x2: x(threshold), y1: 4, y2: 30, class: "gauge-threshold" }) : null,
  );
}

/** Horizontal bars: [{label, value, sublabel?, kind?}] — funnels and distributions. */
export function horizontalBars(items, label, { format = (v) => formatNumber(v) } = {}) {
  const width = 640;
  const labelWidth = 180;
  const valueWidth = 150;
  const row = 30;
  const largest = Math.max(...items.map((i) => Number(i.value) || 0), 1e-9);
  const height = items.length * row + 4;
  const plot = width - labelWidth - valueWidth;
  const rows = items.map((item, i) => {
    const w = Math.max(item.value ? 2 : 0, (plot * (Number(item.value) || 0)) / largest);
    const y = i * row + 2;
    return s(
      "g",
      { class: "hbar" },
      s("title", {}, `${item.label}: ${format(item.value)}${item.sublabel ? ` · ${item.sublabel}` : ""}`),
      s("text", { x: labelWidth - 8, y: y + row / 2 + 4, "text-anchor": "end", class: "chart-label" }, clip(item.label, 22)),
      s("rect", { x: labelWidth + (item.centered ? (plot - w) / 2 : 0), y: y + 4, width: w, height: row - 8, rx: 3, class: ["bar", item.kind ? `bar-${item.kind}` : null] }),
      s("text", { x: width - 4, y: y + row / 2 + 4, "text-anchor": "end", class: "chart-value" }, clip(`${format(item.value)}${item.sublabel ? ` · ${item.sublabel}` : ""}`, 26)),
    );
  });
  return h(
    "figure",
    { class: "chart-figure" },
    frame(width, height, label, rows),
    dataTable(label, [t("chart.category"), t("chart.value")], items.map((i) => [i.label, `${format(i.value)}${i.sublabel ? ` · ${i.sublabel}` : ""}`])),
  );
}

/** Stacked columns: series [{label, values: {key: n}}], keys in stacking order. */
export function stackedColumns(series, keys, keyLabel, label) {
  const width = 640;
  const height = 220;
  const left = 36;
  const bottom = 24;
  const plotH = height - bottom - 8;
  const totals = series.map((p) => keys.reduce((sum, k) => sum + (Number(p.values[k]) || 0), 0));
  const largest = Math.max(...totals, 1);
  const step = (width - left) / Math.max(series.length, 1);
  const columns = series.map((point, i) => {
    let y = 8 + plotH;
    const parts = keys.map((k) => {
      const v = Number(point.values[k]) || 0;
      const hgt = (plotH * v) / largest;
      y -= hgt;
      return v ? s("rect", { x: left + i * step + 3, y, width: Math.max(2, step - 6), height: hgt, class: `stack-${k}` }, s("title", {}, `${point.label} · ${keyLabel(k)}: ${formatNumber(v)}`)) : null;
    });
    const showLabel = series.length <= 16 || i % Math.ceil(series.length / 8) === 0;
    return s("g", {}, parts, showLabel ? s("text", { x: left + i * step + step / 2, y: height - 6, "text-anchor": "middle", class: "chart-tick" }, point.label) : null);
  });
  const fractions = largest >= 2 ? [0, 0.5, 1] : [0, 1];
  const ticks = fractions.map((f) => s("g", {}, s("line", { x1: left, x2: width, y1: 8 + plotH * (1 - f), y2: 8 + plotH * (1 - f), class: "grid" }), s("text", { x: left - 4, y: 12 + plotH * (1 - f), "text-anchor": "end", class: "chart-tick" }, formatNumber(Math.round(largest * f)))));
  const legend = h("ul", { class: "chart-legend" }, keys.map((k) => h("li", {}, h("span", { class: `swatch stack-${k}`, "aria-hidden": "true" }), keyLabel(k))));
  return h(
    "figure",
    { class: "chart-figure" },
    frame(width, height, label, ticks, columns),
    legend,
    dataTable(label, ["", ...keys.map(keyLabel)], series.map((p) => [p.label, ...keys.map((k) => formatNumber(Number(p.values[k]) || 0))])),
  );
}

/** Forecast: actual line, forecast line and a lower..upper band. points: [{label, actual, forecast, lower, upper}] */
export function intervalChart(points, label, format = (v) => formatNumber(v)) {
  const width = 640;
  const height = 240;
  const left = 64;
  const bottom = 24;
  const plotH = height - bottom - 10;
  const values = points.flatMap((p) => [p.actual, p.forecast, p.lower, p.upper]).filter((v) => v !== null && v !== undefined).map(Number);
  const top = Math.max(...values, 1);
  const low = Math.min(0, ...values);
  const x = (i) => left + (points.length <= 1 ? 0 : (i * (width - left - 10)) / (points.length - 1));
  const y = (v) => 10 + plotH * (1 - (Number(v) - low) / (top - low || 1));
  const path = (key) => {
    const parts = points.map((p, i) => (p[key] === null || p[key] === undefined ? null : `${x(i)},${y(p[key])}`));
    const segments = [];
    let current = [];
    for (const part of parts) {
      if (part) current.push(part);
      else if (current.length) { segments.push(current); current = []; }
    }
    if (current.length) segments.push(current);
    return segments.map((seg) => `M${seg.join("L")}`).join(" ");
  };
  const banded = points.map((p, i) => ({ i, p })).filter(({ p }) => p.lower != null && p.upper != null);
  const band = banded.length
    ? `M${banded.map(({ i, p }) => `${x(i)},${y(p.upper)}`).join("L")}L${[...banded].reverse().map(({ i, p }) => `${x(i)},${y(p.lower)}`).join("L")}Z`
    : null;
  const ticks = [0, 0.5, 1].map((f) => {
    const v = low + (top - low) * f;
    return s("g", {}, s("line", { x1: left, x2: width, y1: y(v), y2: y(v), class: "grid" }), s("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end", class: "chart-tick" }, format(Math.round(v))));
  });
  const labels = points.map((p, i) => (points.length <= 12 || i % Math.ceil(points.length / 8) === 0 ? s("text", { x: x(i), y: height - 6, "text-anchor": "middle", class: "chart-tick" }, p.label) : null));
  const dots = points.map((p, i) => (p.actual != null ? s("circle", { cx: x(i), cy: y(p.actual), r: 3, class: "dot-actual" }, s("title", {}, `${p.label}: ${format(p.actual)}`)) : null));
  const legend = h(
    "ul",
    { class: "chart-legend" },
    h("li", {}, h("span", { class: "swatch swatch-actual", "aria-hidden": "true" }), t("chart.actual")),
    h("li", {}, h("span", { class: "swatch swatch-forecast", "aria-hidden": "true" }), t("chart.forecast")),
    h("li", {}, h("span", { class: "swatch swatch-band", "aria-hidden": "true" }), t("chart.interval")),
  );
  return h(
    "figure",
    { class: "chart-figure" },
    frame(width, height, label, ticks, band ? s("path", { d: band, class: "band" }) : null, s("path", { d: path("forecast"), class: "line-forecast" }), s("path", { d: path("actual"), class: "line-actual" }), dots, labels),
    legend,
    dataTable(label, ["", t("chart.actual"), t("chart.forecast"), t("chart.lower"), t("chart.upper")], points.map((p) => [p.label, ...[p.actual, p.forecast, p.lower, p.upper].map((v) => (v == null ? "—" : format(v)))])),
  );
}
