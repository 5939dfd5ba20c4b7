// Real-time decisions editor: what is live (champion, experiment, rollback), live counters
// per version and variant, the versions of a decision key, and an editor for a version's
// rules, thresholds and test cases. A change is saved as a new draft (it must compile);
// a draft's tests run with a replay of the last N decisions, it is compared with another
// version, then published. Everything goes through the /risk API like any other client.

import { api, request } from "./api.js";
import { announce, h, replace, uid } from "./dom.js";
import { problemNotice } from "./forms.js";
import { formatDateTime, formatNumber, t } from "./i18n.js";
import { can, loadMe } from "./me.js";

const OUTCOMES = ["pass", "step_up", "review", "block"];
const REFRESH_MS = 5000;
let timer = null;

const outcomeLabel = (o) => (o ? t(`realtime.outcome.${o}`) : t("realtime.outcome.none"));
const ms = (v) => (v === null || v === undefined ? "—" : t("realtime.ms", { value: formatNumber(v) }));
const pct = (v) => (v === null || v === undefined ? "—" : `${formatNumber(v * 100, { maximumFractionDigits: 1 })}%`);

function field(label, control, hint) {
  const id = control.id || uid("rt");
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hint ? h("p", { class: "field-hint" }, hint) : null);
}

function outcomeSelect(value, allowNone) {
  const options = (allowNone ? [""] : []).concat(OUTCOMES);
  return h("select", {}, options.map((o) => h("option", { value: o, selected: (value || "") === o }, outcomeLabel(o))));
}

function errorList(error) {
  return error.fieldErrors.map((e) => h("li", {}, `${(e.loc || []).filter((p) => p !== "body").join(".")}: ${e.msg}`));
}

function failure(error, title) {
  const notice = problemNotice(error, errorList(error));
  if (title) notice.querySelector(".notice-title").textContent = title;
  return notice;
}

// --- what is live and the counters -----------------------------------------------------------

function routeCard(key, route, mayChange, reload) {
  const body = h("div", { class: "card-body" });
  const list = h(
    "dl",
    { class: "mini-dl" },
    h("dt", {}, t("realtime.champion")),
    h("dd", { class: "rt-champion" }, route.champion ? t("realtime.version", { version: route.champion }) : "—"),
    h("dt", {}, t("realtime.previous")),
    h("dd", {}, route.previous_champion ? t("realtime.version", { version: route.previous_champion }) : "—"),
    h("dt", {}, t("realtime.experiment")),
    h(
      "dd",
      {},
      route.mode === "off"
        ? t("realtime.mode.off")
        : t("realtime.experiment_detail", { mode: t(`realtime.mode.${route.mode}`), challenger: route.challenger, percent: formatNumber(route.percent) }),
    ),
  );
  body.append(list);
  if (mayChange && route.previous_champion) {
    const button = h("button", { type: "button", class: "button button-small" }, t("realtime.rollback"));
    button.addEventListener("click", async () => {
      if (!window.confirm(t("realtime.rollback_confirm", { version: route.previous_champion }))) return;
      button.disabled = true;
      try {
        const out = await api.post(`/risk/rulesets/${key}/rollback`);
        await reload({ message: t("realtime.rolled_back", { version: out.champion }), version: out.champion });
        announce(t("realtime.rolled_back", { version: out.champion }));
      } catch (error) {
        button.disabled = false;
        button.after(failure(error));
      }
    });
    body.append(h("div", { class: "form-actions" }, button));
  }
  return h("section", { class: "card rt-route", "aria-labelledby": "rt-route-title" }, h("header", { class: "card-head" }, h("h2", { id: "rt-route-title" }, t("realtime.route"))), body);
}

function countersTable(stats) {
  if (!stats.variants.length) return h("p", { class: "muted" }, t("realtime.no_decisions"));
  const head = [t("realtime.col.version"), t("realtime.col.variant"), t("realtime.col.decisions")]
    .concat(OUTCOMES.map(outcomeLabel))
    .concat([t("realtime.col.p50"), t("realtime.col.p99"), t("realtime.col.precision"), t("realtime.col.recall")]);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "records rt-counters" },
      h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        stats.variants.map((v) =>
          h(
            "tr",
            { dataset: { version: v.version, variant: v.variant } },
            h("th", { scope: "row" }, t("realtime.version", { version: v.version })),
            h("td", {}, t(`realtime.variant.${v.variant}`)),
            h("td", { class: "num" }, formatNumber(v.decisions)),
            OUTCOMES.map((o) => h("td", { class: "num", dataset: { outcome: o } }, formatNumber(v.outcomes[o] || 0))),
            h("td", { class: "num" }, ms(v.p50_ms)),
            h("td", { class: "num" }, ms(v.p99_ms)),
            h("td", { class: "num" }, pct(v.precision)),
            h("td", { class: "num" }, pct(v.recall)),
          ),
        ),
      ),
    ),
  );
}

function countersCard(key) {
  const body = h("div", { class: "card-body" }, h("p", { class: "muted small" }, t("realtime.counters_hint")));
  const content = h("div", { class: "rt-counters-body" });
  const updated = h("p", { class: "muted small", "aria-live": "off" });
  body.append(content, updated);
  async function refresh() {
    try {
      const stats = await api.get(`/risk/rulesets/${key}/stats`);
      replace(content, countersTable(stats));
      updated.textContent = t("realtime.updated", { time: formatDateTime(new Date().toISOString()) });
    } catch (error) {
      replace(content, problemNotice(error));
    }
  }
  if (timer) clearInterval(timer);
  timer = setInterval(() => {
    if (!document.body.contains(content)) clearInterval(timer);
    else if (!document.hidden) refresh();
  }, REFRESH_MS);
  refresh();
  return h("section", { class: "card rt-live", "aria-labelledby": "rt-live-title" }, h("header", { class: "card-head" }, h("h2", { id: "rt-live-title" }, t("realtime.counters"))), body);
}

// --- the editor ----------------------------------------------------------------------------------

function ruleEditor(rule, index, count, onMove, onRemove, readOnly) {
  const name = h("input", { type: "text", value: rule.name, required: true, readonly: readOnly, dataset: { part: "name" } });
  const when = h("textarea", { class: "rt-when", rows: "2", spellcheck: "false", readonly: readOnly, dataset: { part: "when" } });
  when.value = rule.when || "";
  const score = h("input", { type: "number", step: "any", value: String(rule.score ?? 0), readonly: readOnly, dataset: { part: "score" } });
  const outcome = outcomeSelect(rule.outcome, true);
  outcome.dataset.part = "outcome";
  outcome.disabled = readOnly;
  const zh = h("input", { type: "text", value: rule.reason_zh || "", readonly: readOnly, dataset: { part: "reason_zh" } });
  const en = h("input", { type: "text", value: rule.reason_en || "", readonly: readOnly, dataset: { part: "reason_en" } });
  const title = t("realtime.rule", { n: index + 1 });
  const tools = readOnly
    ? null
    : h(
        "div",
        { class: "rt-rule-tools" },
        h("button", { type: "button", class: "button button-small", disabled: index === 0, "aria-label": `${t("realtime.rule.up")}: ${rule.name}`, on: { click: () => onMove(index, -1) } }, "↑"),
        h("button", { type: "button", class: "button button-small", disabled: index === count - 1, "aria-label": `${t("realtime.rule.down")}: ${rule.name}`, on: { click: () => onMove(index, 1) } }, "↓"),
        h("button", { type: "button", class: "button button-small", on: { click: () => onRemove(index) } }, t("realtime.rule.remove")),
      );
  return h(
    "fieldset",
    { class: "rt-rule", dataset: { rule: rule.name } },
    h("legend", {}, title, " · ", h("code", {}, rule.name)),
    h(
      "div",
      { class: "rt-grid" },
      field(t("realtime.rule.name"), name),
      field(t("realtime.rule.score"), score),
      field(t("realtime.rule.outcome"), outcome),
    ),
    field(t("realtime.rule.when"), when),
    h("div", { class: "rt-grid rt-grid-2" }, field(t("realtime.rule.reason_zh"), zh), field(t("realtime.rule.reason_en"), en)),
    tools,
  );
}

function caseEditor(testCase, onRemove, readOnly) {
  const name = h("input", { type: "text", value: testCase.name, readonly: readOnly, dataset: { part: "name" } });
  const given = h("textarea", { class: "rt-when", rows: "2", spellcheck: "false", readonly: readOnly, dataset: { part: "given" } });
  given.value = JSON.stringify(testCase.given || {});
  const expect = outcomeSelect(testCase.expect, false);
  expect.dataset.part = "expect";
  expect.disabled = readOnly;
  return h(
    "fieldset",
    { class: "rt-case", dataset: { case: testCase.name } },
    h("legend", {}, testCase.name),
    h("div", { class: "rt-grid rt-grid-2" }, field(t("realtime.case.name"), name), field(t("realtime.case.expect"), expect)),
    field(t("realtime.case.given"), given),
    readOnly ? null : h("button", { type: "button", class: "button button-small", on: { click: onRemove } }, t("realtime.case.remove")),
  );
}

function readRules(container) {
  return [...container.querySelectorAll("fieldset.rt-rule")].map((set) => {
    const part = (p) => set.querySelector(`[data-part="${p}"]`).value;
    const rule = { name: part("name").trim(), when: part("when"), score: Number(part("score") || 0) };
    if (part("outcome")) rule.outcome = part("outcome");
    if (part("reason_zh").trim()) rule.reason_zh = part("reason_zh").trim();
    if (part("reason_en").trim()) rule.reason_en = part("reason_en").trim();
    return rule;
  });
}

function readCases(container) {
  return [...container.querySelectorAll("fieldset.rt-case")].map((set) => {
    const part = (p) => set.querySelector(`[data-part="${p}"]`).value;
    let given;
    try {
      given = JSON.parse(part("given") || "{}");
    } catch {
      given = null;
    }
    if (!given || typeof given !== "object" || Array.isArray(given)) {
      throw new Error(t("realtime.case.bad_json", { name: part("name") }));
    }
    return { name: part("name").trim(), given, expect: part("expect") };
  });
}

function testResults(result) {
  const failed = result.cases.filter((c) => !c.passed).length;
  const items = result.cases.map((c) =>
    h(
      "li",
      { class: c.passed ? "rt-ok" : "rt-fail", dataset: { case: c.name, passed: String(c.passed) } },
      h("strong", {}, `${c.passed ? t("realtime.case_pass") : t("realtime.case_fail")} · ${c.name}: `),
      t("realtime.case_result", { expect: outcomeLabel(c.expect), actual: outcomeLabel(c.actual), score: formatNumber(c.score) }),
      c.error ? h("code", {}, ` ${c.error}`) : null,
    ),
  );
  const parts = [
    h("h3", {}, t("realtime.results")),
    h("p", { class: failed ? "notice notice-error" : "notice notice-ok", role: "status" }, failed ? t("realtime.some_failed", { failed, n: result.cases.length }) : t("realtime.all_passed", { n: result.cases.length })),
    h("ul", { class: "rt-cases" }, items),
  ];
  const replay = result.replay;
  if (replay) {
    parts.push(h("p", { class: "rt-replay", role: "status" }, t("realtime.replay", { n: formatNumber(replay.decisions), changed: formatNumber(replay.changed) })));
    const changes = Object.entries(replay.changes);
    if (changes.length) {
      parts.push(
        h(
          "ul",
          { class: "tag-list" },
          changes.map(([change, count]) => {
            const [from, to] = change.split("→");
            return h("li", {}, t("realtime.replay_change", { from: outcomeLabel(from), to: outcomeLabel(to), count: formatNumber(count) }));
          }),
        ),
      );
    }
    if (replay.examples.length) {
      parts.push(
        h("h3", {}, t("realtime.replay_examples")),
        h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "records rt-examples" },
            h("thead", {}, h("tr", {}, [t("realtime.col.order"), t("realtime.col.customer"), t("realtime.col.was"), t("realtime.col.would_be"), t("realtime.col.fired")].map((c) => h("th", { scope: "col" }, c)))),
            h(
              "tbody",
              {},
              replay.examples.map((e) =>
                h("tr", {}, h("td", {}, e.order_id || "—"), h("td", {}, e.customer_id || "—"), h("td", {}, outcomeLabel(e.was)), h("td", {}, outcomeLabel(e.would_be)), h("td", {}, e.fired.join(", ") || "—")),
              ),
            ),
          ),
        ),
      );
    }
  }
  return parts;
}

function diffView(diff) {
  if (diff.same) return [h("p", { class: "muted" }, t("realtime.diff_same"))];
  const out = [];
  const ruleList = (title, rules, kind) =>
    rules.length
      ? [h("h3", {}, title), h("ul", { class: `rt-diff rt-diff-${kind}` }, rules.map((r) => h("li", { dataset: { rule: r.name } }, h("code", {}, r.name), " — ", h("code", {}, r.when))))]
      : [];
  out.push(...ruleList(t("realtime.diff_added"), diff.added, "added"));
  out.push(...ruleList(t("realtime.diff_removed"), diff.removed, "removed"));
  if (diff.changed.length) {
    out.push(
      h("h3", {}, t("realtime.diff_changed")),
      h(
        "ul",
        { class: "rt-diff rt-diff-changed" },
        diff.changed.map((c) =>
          h(
            "li",
            { dataset: { rule: c.name } },
            h("code", {}, c.name),
            h(
              "dl",
              { class: "mini-dl" },
              Object.entries(c.fields).map(([name, change]) => [
                h("dt", {}, t(`realtime.rule.${name}`)),
                h("dd", {}, h("del", {}, `${t("realtime.diff_from")}: ${change.from ?? "—"}`), h("br", {}), h("ins", {}, `${t("realtime.diff_to")}: ${change.to ?? "—"}`)),
              ]),
            ),
          ),
        ),
      ),
    );
  }
  if (diff.reordered) out.push(h("p", {}, t("realtime.diff_reordered")));
  const settings = Object.entries(diff.settings);
  if (settings.length) {
    out.push(
      h("h3", {}, t("realtime.diff_settings")),
      h(
        "dl",
        { class: "mini-dl rt-diff-settings" },
        settings.map(([name, change]) => [h("dt", {}, t(`realtime.setting.${name}`)), h("dd", {}, h("del", {}, JSON.stringify(change.from)), " → ", h("ins", {}, JSON.stringify(change.to)))]),
      ),
    );
  }
  const cases = diff.test_cases;
  if (cases.added.length || cases.removed.length || cases.changed.length) {
    out.push(h("p", {}, t("realtime.diff_cases", { added: cases.added.length, removed: cases.removed.length, changed: cases.changed.length })));
  }
  return out;
}

function versionEditor(key, row, versions, route, mayChange, reload) {
  const definition = structuredClone(row.definition);
  const readOnly = !mayChange;
  const rulesBox = h("div", { class: "rt-rules" });
  const casesBox = h("div", { class: "rt-cases-edit" });
  const message = h("div", { class: "rt-message", "aria-live": "polite" });
  const results = h("div", { class: "rt-results" });
  const diffBox = h("div", { class: "rt-diff-box" });

  function drawRules(rules) {
    replace(
      rulesBox,
      rules.map((rule, i) =>
        ruleEditor(
          rule,
          i,
          rules.length,
          (index, step) => {
            const current = readRules(rulesBox);
            const [moved] = current.splice(index, 1);
            current.splice(index + step, 0, moved);
            drawRules(current);
          },
          (index) => {
            const current = readRules(rulesBox);
            current.splice(index, 1);
            drawRules(current);
          },
          readOnly,
        ),
      ),
    );
  }
  function drawCases(cases) {
    replace(
      casesBox,
      cases.map((c, i) =>
        caseEditor(
          c,
          () => {
            const current = readCases(casesBox);
            current.splice(i, 1);
            drawCases(current);
          },
          readOnly,
        ),
      ),
    );
  }
  drawRules(definition.rules);
  drawCases(definition.test_cases || []);

  const thresholds = (definition.thresholds || []).map((th) => {
    const min = h("input", { type: "number", step: "any", value: String(th.min_score), readonly: readOnly });
    const outcome = outcomeSelect(th.outcome, false);
    outcome.disabled = readOnly;
    return { min, outcome, row: h("div", { class: "rt-grid rt-grid-2 rt-threshold" }, field(t("realtime.threshold.min"), min), field(t("realtime.rule.outcome"), outcome)) };
  });
  const fallback = outcomeSelect(definition.fallback_outcome, false);
  fallback.disabled = readOnly;
  const budget = h("input", { type: "number", min: "1", max: "10000", step: "1", value: String(definition.budget_ms), readonly: readOnly });
  const note = h("input", { type: "text", maxlength: "500", readonly: readOnly });

  function collect() {
    return {
      ...definition,
      rules: readRules(rulesBox),
      thresholds: thresholds.map((th) => ({ min_score: Number(th.min.value), outcome: th.outcome.value })),
      fallback_outcome: fallback.value,
      budget_ms: Number(budget.value),
      test_cases: readCases(casesBox),
    };
  }

  const save = h("button", { type: "button", class: "button button-primary", hidden: readOnly }, t("realtime.save_draft"));
  save.addEventListener("click", async () => {
    let body;
    try {
      body = { definition: collect(), note: note.value.trim() || null };
    } catch (error) {
      replace(message, h("p", { class: "notice notice-error", role: "alert" }, error.message));
      return;
    }
    save.disabled = true;
    try {
      const out = await api.post(`/risk/rulesets/${key}/versions`, body);
      await reload({ message: t("realtime.saved", { version: out.version }), version: out.version });
      announce(t("realtime.saved", { version: out.version }));
    } catch (error) {
      save.disabled = false;
      replace(message, failure(error, t("realtime.not_saved")));
    }
  });

  const last = h("input", { id: uid("rt-last"), type: "number", min: "0", max: "10000", step: "1", value: "500" });
  const run = h("button", { type: "button", class: "button" }, t("realtime.run_tests"));
  run.addEventListener("click", async () => {
    run.disabled = true;
    try {
      const params = { last: last.value || 0 };
      const result = await request("POST", `/risk/rulesets/${key}/versions/${row.version}/test`, { params });
      replace(results, ...testResults(result));
    } catch (error) {
      replace(results, failure(error));
    } finally {
      run.disabled = false;
    }
  });

  const others = versions.filter((v) => v.version !== row.version);
  const base = h(
    "select",
    { id: uid("rt-base") },
    others.map((v) => h("option", { value: String(v.version), selected: v.version === (route.champion !== row.version ? route.champion : others[others.length - 1]?.version) }, t("realtime.version", { version: v.version }))),
  );
  async function drawDiff() {
    if (!base.value) return;
    try {
      const diff = await api.get(`/risk/rulesets/${key}/diff`, { base: base.value, version: row.version });
      replace(diffBox, ...diffView(diff));
    } catch (error) {
      replace(diffBox, failure(error));
    }
  }
  base.addEventListener("change", drawDiff);
  if (others.length) drawDiff();

  const isLive = route.champion === row.version;
  const publish = h("button", { type: "button", class: "button button-primary", hidden: readOnly || isLive }, t("realtime.publish", { version: row.version }));
  publish.addEventListener("click", async () => {
    if (!window.confirm(t("realtime.publish_confirm", { version: row.version }))) return;
    publish.disabled = true;
    try {
      await api.post(`/risk/rulesets/${key}/publish`, { version: row.version });
      await reload({ message: t("realtime.published", { version: row.version }), version: row.version });
      announce(t("realtime.published", { version: row.version }));
    } catch (error) {
      publish.disabled = false;
      replace(message, failure(error, error.status === 409 ? t("realtime.publish_refused") : null));
    }
  });

  const titleId = uid("rt-edit");
  return h(
    "section",
    { class: "card rt-editor", "aria-labelledby": titleId, dataset: { version: row.version } },
    h(
      "header",
      { class: "card-head" },
      h("h2", { id: titleId }, readOnly ? t("realtime.version", { version: row.version }) : t("realtime.editing", { version: row.version }), " ", statusBadge(row, route)),
    ),
    h(
      "div",
      { class: "card-body" },
      message,
      h("h3", {}, t("realtime.rules")),
      h("p", { class: "muted small" }, t("realtime.rules_hint")),
      rulesBox,
      readOnly
        ? null
        : h(
            "button",
            {
              type: "button",
              class: "button button-small",
              on: { click: () => drawRules(readRules(rulesBox).concat([{ name: `rule_${readRules(rulesBox).length + 1}`, when: "false", score: 0 }])) },
            },
            t("realtime.rule.add"),
          ),
      h("h3", {}, t("realtime.thresholds")),
      thresholds.map((th) => th.row),
      h("div", { class: "rt-grid rt-grid-2" }, field(t("realtime.fallback"), fallback, t("realtime.fallback_hint")), field(t("realtime.budget"), budget)),
      h("h3", {}, t("realtime.tests")),
      h("p", { class: "muted small" }, t("realtime.tests_hint")),
      casesBox,
      readOnly
        ? null
        : h(
            "button",
            { type: "button", class: "button button-small", on: { click: () => drawCases(readCases(casesBox).concat([{ name: `case ${readCases(casesBox).length + 1}`, given: {}, expect: "pass" }])) } },
            t("realtime.case.add"),
          ),
      readOnly ? null : field(t("realtime.note"), note),
      h("div", { class: "form-actions" }, save),
      h("div", { class: "toolbar rt-run" }, h("div", { class: "field field-inline" }, h("label", { for: last.id }, t("realtime.replay_last")), last), run, publish),
      results,
      others.length ? [h("h3", {}, t("realtime.diff")), h("div", { class: "field field-inline" }, h("label", { for: base.id }, t("realtime.diff_base")), base), diffBox] : null,
    ),
  );
}

function statusBadge(row, route) {
  const live = route.champion === row.version;
  const value = live ? "executed" : row.status === "draft" ? "pending" : "closed";
  return h("span", { class: "badge", dataset: { value } }, live ? t("realtime.status.live") : t(`realtime.status.${row.status}`));
}

function versionList(versions, route, chosen, onChoose) {
  return h(
    "section",
    { class: "card rt-versions", "aria-labelledby": "rt-versions-title" },
    h("header", { class: "card-head" }, h("h2", { id: "rt-versions-title" }, t("realtime.versions"))),
    h(
      "div",
      { class: "card-body" },
      h(
        "ul",
        { class: "rt-version-list" },
        [...versions].reverse().map((v) =>
          h(
            "li",
            { dataset: { version: v.version }, class: v.version === chosen ? "rt-chosen" : null },
            h(
              "button",
              { type: "button", class: "link-button", "aria-current": v.version === chosen ? "true" : null, "aria-label": t("realtime.open_version", { version: v.version }), on: { click: () => onChoose(v.version) } },
              t("realtime.version", { version: v.version }),
            ),
            " ",
            statusBadge(v, route),
            h("span", { class: "muted small" }, " ", v.note || "", " · ", t("realtime.created", { who: v.created_by || "—", time: formatDateTime(v.created_at) })),
          ),
        ),
      ),
    ),
  );
}

export async function render(root) {
  const me = await loadMe();
  const mayChange = can(me, "risk_rule", "update") && can(me, "risk_rule", "create");
  const params = new URLSearchParams(location.search);
  let key = params.get("key");
  let chosen = Number(params.get("version")) || null;

  async function draw(flash) {
    const data = await api.get("/risk/rulesets");
    const keys = [...new Set(data.versions.map((v) => v.decision_key))];
    const head = h("div", { class: "page-head" }, h("h1", { class: "page-title" }, t("realtime.title")));
    if (!keys.length) {
      replace(root, head, h("p", { class: "empty" }, t("realtime.none")));
      return;
    }
    if (!keys.includes(key)) key = keys[0];
    const versions = data.versions.filter((v) => v.decision_key === key);
    const route = data.routes.find((r) => r.decision_key === key) || { champion: null, previous_champion: null, mode: "off" };
    if (flash && flash.version) chosen = flash.version;
    if (!versions.some((v) => v.version === chosen)) chosen = route.champion || versions[versions.length - 1].version;
    const keySelect = h("select", { id: uid("rt-key") }, keys.map((k) => h("option", { value: k, selected: k === key }, k)));
    keySelect.addEventListener("change", () => {
      key = keySelect.value;
      chosen = null;
      draw();
    });
    const row = versions.find((v) => v.version === chosen);
    const reload = (next) => draw(next);
    replace(
      root,
      head,
      h("p", { class: "muted" }, t("realtime.intro")),
      flash && flash.message ? h("p", { class: "notice notice-ok", role: "status" }, flash.message) : null,
      mayChange ? null : h("p", { class: "notice" }, t("realtime.no_rights")),
      keys.length > 1 ? h("div", { class: "field field-inline" }, h("label", { for: keySelect.id }, t("realtime.key")), keySelect) : null,
      h("div", { class: "rt-top" }, routeCard(key, route, mayChange, reload), countersCard(key)),
      h(
        "div",
        { class: "rt-main" },
        versionList(versions, route, chosen, (version) => {
          chosen = version;
          history.replaceState(null, "", `/realtime?key=${encodeURIComponent(key)}&version=${version}`);
          draw();
        }),
        versionEditor(key, row, versions, route, mayChange, reload),
      ),
    );
  }
  await draw();
}
