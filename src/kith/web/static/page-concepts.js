// Concepts: the mapping editor of business concepts such as "customer health".
// Each indicator maps one system's measure (a source) to the concept with a
// normalisation, a window, a freshness limit and a weight; the weights must sum to 1.
// "Sample" shows the source's raw values on real customers and what the normalisation
// makes of them; "Preview" computes the whole concept on 20 customers without saving;
// a saved draft is published from the versions list (every customer is recomputed).

import { api } from "./api.js";
import { announce, h, replace } from "./dom.js";
import { problemNotice } from "./forms.js";
import { formatDateTime, formatNumber, locale, t } from "./i18n.js";

const METHODS = ["minmax", "zscore", "thresholds"];
const DIRECTIONS = ["higher_better", "lower_better"];
const zh = () => locale.startsWith("zh");
const pick = (en, cn) => (zh() ? cn || en : en || cn);

function field(label, control) {
  return h("label", { class: "concept-field" }, h("span", { class: "small muted" }, label), control);
}

function input(value, attrs = {}) {
  return h("input", { value: value ?? "", ...attrs });
}

function select(options, value, labelOf) {
  const el = h("select", {}, options.map((o) => h("option", { value: o }, labelOf(o))));
  el.value = value;
  return el;
}

function table(headers, rows) {
  return h(
    "div",
    { class: "table-scroll" },
    h("table", { class: "data-table" }, h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, rows)),
  );
}

function breakpointsText(list) {
  return (list || []).map((b) => `${b.at}:${b.score}`).join(", ");
}

function parseBreakpoints(text) {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [at, score] = part.split(":").map((x) => Number(x.trim()));
      return { at, score };
    });
}

class IndicatorRow {
  constructor(editor, data) {
    this.editor = editor;
    const n = data.normalisation || { method: "minmax", min: 0, max: 1 };
    this.key = input(data.key, { required: true, pattern: "[a-z][a-z0-9_]{0,63}", "aria-label": t("concepts.key") });
    this.labelEn = input(data.label_en, { required: true });
    this.labelZh = input(data.label_zh, { required: true });
    this.source = select(editor.sources.map((s) => s.name), data.source || "csat", (name) => {
      const s = editor.sources.find((x) => x.name === name);
      return s ? `${pick(s.label_en, s.label_zh)} · ${pick(s.system_en, s.system_zh)}` : name;
    });
    this.method = select(METHODS, n.method, (m) => t(`concepts.method.${m}`));
    this.direction = select(DIRECTIONS, n.direction || "higher_better", (d) => t(`concepts.direction.${d}`));
    this.min = input(n.min, { type: "number", step: "any" });
    this.max = input(n.max, { type: "number", step: "any" });
    this.breakpoints = input(breakpointsText(n.breakpoints), { placeholder: "1:0, 3:0.4, 5:1" });
    this.window = input(data.window_days ?? 180, { type: "number", min: 1, max: 3650 });
    this.freshness = input(data.freshness_days ?? 90, { type: "number", min: 1, max: 3650 });
    this.weight = input(data.weight ?? 0, { type: "number", min: 0, max: 1, step: "0.05" });
    this.sample = h("div", { class: "concept-sample", "aria-live": "polite" });
    this.weight.addEventListener("input", () => editor.updateSum());
    this.method.addEventListener("change", () => this.showMethod());
    const remove = h("button", { type: "button", class: "button-secondary", on: { click: () => editor.remove(this) } }, t("concepts.remove"));
    const sampleButton = h("button", { type: "button", class: "button-secondary", on: { click: () => this.loadSample() } }, t("concepts.sample"));
    this.minWrap = field(t("concepts.min"), this.min);
    this.maxWrap = field(t("concepts.max"), this.max);
    this.bpWrap = field(t("concepts.breakpoints"), this.breakpoints);
    this.dirWrap = field(t("concepts.direction"), this.direction);
    this.el = h(
      "fieldset",
      { class: "concept-indicator" },
      h("legend", {}, t("concepts.indicator")),
      h(
        "div",
        { class: "concept-grid" },
        field(t("concepts.key"), this.key),
        field(t("concepts.label_en"), this.labelEn),
        field(t("concepts.label_zh"), this.labelZh),
        field(t("concepts.source"), this.source),
        field(t("concepts.method"), this.method),
        this.dirWrap,
        this.minWrap,
        this.maxWrap,
        this.bpWrap,
        field(t("concepts.window"), this.window),
        field(t("concepts.freshness"), this.freshness),
        field(t("concepts.weight"), this.weight),
      ),
      h("p", { class: "concept-actions" }, sampleButton, " ", remove),
      this.sample,
    );
    this.showMethod();
  }

  showMethod() {
    const m = this.method.value;
    this.minWrap.hidden = this.maxWrap.hidden = m !== "minmax";
    this.bpWrap.hidden = m !== "thresholds";
    this.dirWrap.hidden = m === "thresholds";
  }

  normalisation() {
    const m = this.method.value;
    if (m === "thresholds") return { method: m, breakpoints: parseBreakpoints(this.breakpoints.value) };
    if (m === "minmax") return { method: m, direction: this.direction.value, min: Number(this.min.value), max: Number(this.max.value) };
    return { method: m, direction: this.direction.value };
  }

  value() {
    return {
      key: this.key.value.trim(),
      label_en: this.labelEn.value.trim(),
      label_zh: this.labelZh.value.trim(),
      source: this.source.value,
      weight: Number(this.weight.value),
      window_days: Number(this.window.value),
      freshness_days: Number(this.freshness.value),
      normalisation: this.normalisation(),
    };
  }

  async loadSample() {
    replace(this.sample, h("p", { class: "muted small" }, t("app.loading")));
    try {
      const out = await api.post("/concepts/sample", {
        source: this.source.value,
        subject_type: this.editor.subject.value,
        window_days: Number(this.window.value),
        normalisation: this.normalisation(),
      });
      const p = out.population;
      const summary = t("concepts.sample_summary", {
        n: p.customers_with_data,
        mean: formatNumber(p.mean, { maximumFractionDigits: 2 }),
        std: formatNumber(p.std, { maximumFractionDigits: 2 }),
      });
      const rows = out.rows.map((r) =>
        h("tr", {}, h("td", {}, r.name), h("td", {}, formatNumber(r.raw, { maximumFractionDigits: 2 })), h("td", {}, r.normalised == null ? "—" : formatNumber(r.normalised, { maximumFractionDigits: 2 })), h("td", {}, String(r.samples))),
      );
      replace(
        this.sample,
        h("p", { class: "small" }, summary),
        rows.length ? table([t("concepts.customer"), t("concepts.raw"), t("concepts.normalised"), t("concepts.samples")], rows) : h("p", { class: "muted" }, t("concepts.no_data")),
      );
    } catch (error) {
      replace(this.sample, problemNotice(error));
    }
  }
}

class Editor {
  constructor(root, sources, reload) {
    this.sources = sources;
    this.reload = reload;
    this.rows = [];
    this.conceptKey = input("customer_health", { required: true, pattern: "[a-z][a-z0-9_]{0,63}" });
    this.labelEn = input("Customer health", { required: true });
    this.labelZh = input("客户健康度", { required: true });
    this.coverage = input(0.5, { type: "number", min: 0.05, max: 1, step: "0.05" });
    this.subject = select(["contact", "account"], "contact", (s) => t(`concepts.subject.${s}`));
    this.sum = h("p", { class: "concept-sum", "aria-live": "polite" });
    this.list = h("div", { class: "concept-indicators" });
    this.output = h("div", { class: "concept-output", "aria-live": "polite" });
    this.bands = null;
    const add = h("button", { type: "button", class: "button-secondary", on: { click: () => this.add({ key: `indicator_${this.rows.length + 1}`, label_en: "", label_zh: "", weight: 0 }) } }, t("concepts.add"));
    const preview = h("button", { type: "button", on: { click: () => this.preview() } }, t("concepts.preview"));
    const save = h("button", { type: "button", on: { click: () => this.save() } }, t("concepts.save"));
    this.el = h(
      "section",
      { class: "card" },
      h("header", { class: "card-head" }, h("h2", {}, t("concepts.editor"))),
      h(
        "div",
        { class: "card-body" },
        h("div", { class: "concept-grid" }, field(t("concepts.concept_key"), this.conceptKey), field(t("concepts.label_en"), this.labelEn), field(t("concepts.label_zh"), this.labelZh), field(t("concepts.min_coverage"), this.coverage), field(t("concepts.preview_on"), this.subject)),
        this.list,
        h("p", {}, add),
        this.sum,
        h("p", { class: "concept-actions" }, preview, " ", save),
        this.output,
      ),
    );
    root.append(this.el);
  }

  load(version) {
    this.conceptKey.value = version.concept_key;
    this.labelEn.value = version.label_en;
    this.labelZh.value = version.label_zh;
    this.coverage.value = version.definition.min_coverage;
    this.bands = version.definition.bands;
    this.rows = [];
    replace(this.list);
    version.definition.indicators.forEach((ind) => this.add(ind));
    this.updateSum();
  }

  add(data) {
    const row = new IndicatorRow(this, data);
    this.rows.push(row);
    this.list.append(row.el);
    this.updateSum();
  }

  remove(row) {
    this.rows = this.rows.filter((r) => r !== row);
    row.el.remove();
    this.updateSum();
  }

  updateSum() {
    const total = this.rows.reduce((acc, r) => acc + Number(r.weight.value || 0), 0);
    const ok = Math.abs(total - 1) < 1e-6;
    this.sum.dataset.ok = ok ? "yes" : "no";
    this.sum.textContent = t(ok ? "concepts.sum_ok" : "concepts.sum_bad", { sum: formatNumber(total, { maximumFractionDigits: 3 }) });
  }

  definition() {
    const out = { indicators: this.rows.map((r) => r.value()), min_coverage: Number(this.coverage.value) };
    if (this.bands) out.bands = this.bands;
    return out;
  }

  async preview() {
    replace(this.output, h("p", { class: "muted" }, t("app.loading")));
    try {
      const out = await api.post("/concepts/preview", { concept_key: this.conceptKey.value, definition: this.definition(), subject_type: this.subject.value });
      const rows = out.rows.map((r) =>
        h(
          "tr",
          { dataset: { band: r.band } },
          h("td", {}, r.name),
          h("td", {}, r.value == null ? t("health.unknown") : formatNumber(r.value, { maximumFractionDigits: 1 })),
          h("td", {}, h("span", { class: "badge", dataset: { band: r.band } }, t(`concepts.band.${r.band}`) || r.band)),
          h("td", { class: "small muted" }, r.degraded ? r.reasons.join("; ") : ""),
        ),
      );
      replace(this.output, h("h3", {}, t("concepts.preview_title")), table([t("concepts.customer"), t("concepts.value"), t("concepts.band"), t("concepts.why")], rows));
    } catch (error) {
      replace(this.output, problemNotice(error));
    }
  }

  async save() {
    try {
      const saved = await api.post("/concepts", { concept_key: this.conceptKey.value, label_en: this.labelEn.value, label_zh: this.labelZh.value, definition: this.definition() });
      announce(t("concepts.saved", { version: saved.version }));
      replace(this.output, h("p", { class: "notice", role: "status" }, t("concepts.saved", { version: saved.version })));
      await this.reload();
    } catch (error) {
      replace(this.output, problemNotice(error));
    }
  }
}

function versionsCard(versions, editor, reload) {
  const status = h("div", { "aria-live": "polite" });
  const rows = versions
    .slice()
    .reverse()
    .map((v) => {
      const publish = h(
        "button",
        {
          type: "button",
          on: {
            click: async () => {
              try {
                const out = await api.post(`/concepts/${v.concept_key}/versions/${v.version}/publish`, {});
                announce(t("concepts.published", { version: v.version, n: out.recompute.computed }));
                await reload();
              } catch (error) {
                replace(status, problemNotice(error));
              }
            },
          },
        },
        t("concepts.publish"),
      );
      const edit = h("button", { type: "button", class: "button-secondary", on: { click: () => { editor.load(v); editor.el.scrollIntoView(); } } }, t("concepts.edit"));
      return h(
        "tr",
        { dataset: { status: v.status } },
        h("td", {}, pick(v.label_en, v.label_zh)),
        h("td", {}, `v${v.version}`),
        h("td", {}, h("span", { class: "badge", dataset: { value: v.status } }, t(`concepts.status.${v.status}`))),
        h("td", {}, v.published_at ? formatDateTime(v.published_at) : "—"),
        h("td", {}, edit, " ", v.status === "draft" ? publish : null),
      );
    });
  return h(
    "section",
    { class: "card" },
    h("header", { class: "card-head" }, h("h2", {}, t("concepts.versions"))),
    h("div", { class: "card-body" }, status, rows.length ? table([t("concepts.concept"), t("concepts.version"), t("concepts.status"), t("concepts.published_at"), ""], rows) : h("p", { class: "muted" }, t("concepts.none"))),
  );
}

async function overviewCard(published) {
  if (!published) return null;
  const key = published.concept_key;
  const [dist, movers] = await Promise.all([api.get(`/concepts/${key}/distribution`), api.get(`/concepts/${key}/movers`, { days: 30, limit: 10 })]);
  const bands = dist.bands.map((b) => h("li", {}, h("span", { class: "badge", dataset: { band: b.name } }, pick(b.label_en, b.label_zh)), ` ${formatNumber(b.count)}`));
  bands.push(h("li", {}, h("span", { class: "badge" }, t("health.unknown")), ` ${formatNumber(dist.unknown)}`));
  const moverRows = movers.map((m) => h("tr", {}, h("td", {}, h("a", { href: `/o/${m.subject_type}s/${m.subject_id}` }, m.name)), h("td", {}, `${formatNumber(m.before)} → ${formatNumber(m.after)}`), h("td", {}, formatNumber(m.delta, { signDisplay: "always" }))));
  return h(
    "section",
    { class: "card" },
    h("header", { class: "card-head" }, h("h2", {}, pick(published.label_en, published.label_zh), ` v${published.version}`)),
    h(
      "div",
      { class: "card-body" },
      h("ul", { class: "concept-bands", "aria-label": t("concepts.distribution") }, bands),
      h("p", { class: "muted small" }, t("concepts.degraded_count", { n: dist.degraded, total: dist.total })),
      h("h3", {}, t("concepts.movers")),
      moverRows.length ? table([t("concepts.customer"), t("concepts.value"), t("concepts.delta")], moverRows) : h("p", { class: "muted" }, t("concepts.no_movers")),
    ),
  );
}

// Health by segment: each saved segment's members by band, and how many moved up or
// down in the last 7 and 30 days (at least `move_points`), with the biggest mover.
async function segmentsCard(published) {
  if (!published) return null;
  const board = await api.get(`/concepts/${published.concept_key}/segments`);
  const bandName = (name) => {
    const band = board.bands.find((b) => b.name === name);
    return band ? pick(band.label_en, band.label_zh) : t("health.unknown");
  };
  const rows = board.segments.map((row) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, row.segment_id ? h("a", { href: `/segments?segment=${encodeURIComponent(row.name)}` }, pick(row.label_en, row.label_zh)) : pick(row.label_en, row.label_zh)),
      h("td", {}, formatNumber(row.members)),
      h(
        "td",
        {},
        h("ul", { class: "concept-bands compact" }, Object.entries(row.bands).map(([name, n]) => h("li", {}, h("span", { class: "badge", dataset: { band: name } }, bandName(name)), ` ${formatNumber(n)}`))),
      ),
      h("td", {}, `${formatNumber(row.moved["7"].up)} / ${formatNumber(row.moved["7"].down)}`),
      h("td", {}, `${formatNumber(row.moved["30"].up)} / ${formatNumber(row.moved["30"].down)}`),
      h(
        "td",
        {},
        row.biggest_mover
          ? h("a", { href: `/o/${board.subject_type}s/${row.biggest_mover.subject_id}` }, `${row.biggest_mover.name} ${formatNumber(row.biggest_mover.delta, { signDisplay: "always" })}`)
          : "—",
      ),
    ),
  );
  return h(
    "section",
    { class: "card", id: "concept-segments" },
    h("header", { class: "card-head" }, h("h2", {}, t("concepts.by_segment"))),
    h(
      "div",
      { class: "card-body" },
      h("p", { class: "muted small" }, t("concepts.by_segment_intro", { points: board.move_points })),
      table([t("concepts.segment"), t("concepts.members"), t("concepts.distribution"), t("concepts.moved_7"), t("concepts.moved_30"), t("concepts.biggest_mover")], rows),
      board.segments.length > 1 ? null : h("p", { class: "muted" }, t("concepts.no_segments")),
    ),
  );
}

export async function render(root) {
  const sources = await api.get("/concepts/sources");
  const top = h("div", { class: "concept-top" });
  replace(root, h("h1", {}, t("concepts.title")), h("p", { class: "muted" }, t("concepts.intro")), top);
  const editor = new Editor(root, sources, reload);
  async function reload() {
    const versions = await api.get("/concepts");
    const published = versions.find((v) => v.status === "published" && v.concept_key === editor.conceptKey.value) || versions.find((v) => v.status === "published");
    const overview = await overviewCard(published).catch((error) => problemNotice(error));
    const bySegment = await segmentsCard(published).catch((error) => (error && error.status === 403 ? null : problemNotice(error)));
    replace(top, ...[overview, bySegment, versionsCard(versions, editor, reload)].filter(Boolean));
    return { versions, published };
  }
  const { versions, published } = await reload();
  const start = published || versions[versions.length - 1];
  if (start) editor.load(start);
  else editor.add({ key: "csat", label_en: "CSAT", label_zh: "满意度", source: "csat", weight: 1, normalisation: { method: "minmax", min: 1, max: 5 } });
}
