// The command bar (Ctrl/Cmd+K): type a command or a question in Chinese or English, see the
// plan (entities with alternatives, steps, approvals needed), answer its questions (which
// record, missing values) — the answers go with execute — then execute and undo; a
// question's answer comes back as a sentence, a table and a chart.
// Contract (kith.language): POST /commands {text, now} -> plan (lang detected); POST /commands/{id}/execute -> results;
// POST /commands/{id}/undo. A 404 on POST /commands means the feature is not installed.

import { ApiError, api } from "./api.js";
import { objects, recordUrl } from "./boot.js";
import { horizontalBars } from "./charts.js";
import { announce, h, replace, uid } from "./dom.js";
import { problemNotice } from "./forms.js";
import { formatNumber, t } from "./i18n.js";
import { purposeLabel, toolTag } from "./labels.js";
import { jsonList, statusBadge } from "./passport.js";

let dialog = null;
let opener = null;

function percent(value) {
  return value === null || value === undefined ? "" : formatNumber(value, { style: "percent", maximumFractionDigits: 0 });
}

function entityRow(entity) {
  const target = objects[entity.object_type];
  const link = entity.record_id && target ? h("a", { href: recordUrl(entity.object_type, entity.record_id) }, entity.display || entity.record_id) : h("span", {}, entity.display || t("command.unresolved"));
  const others = (entity.alternatives || []).filter((a) => a && a.record_id && a.record_id !== entity.record_id);
  return h(
    "li",
    { class: "command-entity" },
    h("q", {}, entity.mention),
    " → ",
    target ? h("span", { class: "muted" }, `${target.label} · `) : null,
    link,
    entity.confidence != null ? h("span", { class: "muted small" }, ` ${t("command.confidence", { n: percent(entity.confidence) })}`) : null,
    others.length ? h("div", { class: "small muted" }, t("command.alternatives"), " ", others.map((a) => a.display || a.record_id).join(" / ")) : null,
  );
}

/** A question of the plan; its options become a select whose value goes into `answers`. */
function questionRow(question, answers) {
  const id = uid("q");
  const options = question.options || [];
  if (!options.length) return h("li", { class: "notice notice-warn" }, question.text);
  const select = h(
    "select",
    { id },
    h("option", { value: "" }, t("command.choose")),
    options.map((o) => h("option", { value: String(o.value) }, o.label || String(o.value))),
  );
  select.addEventListener("change", () => {
    if (select.value) answers[question.id] = select.value;
    else delete answers[question.id];
  });
  return h("li", { class: "field" }, h("label", { for: id }, question.text), select);
}

function stepBlock(step) {
  return h(
    "li",
    { class: "command-step", dataset: { approval: String(Boolean(step.needs_approval)) } },
    h("p", {}, h("strong", {}, `${step.index + 1}. `), toolTag(step.tool), " ", step.purpose ? h("span", { class: "muted" }, purposeLabel(step.purpose)) : null, step.needs_approval ? [" ", h("span", { class: "badge risk", dataset: { risk: "high" } }, t("command.needs_approval"))] : null),
    step.depends_on && step.depends_on.length ? h("p", { class: "small muted" }, t("command.depends_on", { steps: step.depends_on.map((i) => i + 1).join(", ") })) : null,
    h("details", {}, h("summary", {}, t("command.show_args")), jsonList(step.args)),
  );
}

function answerBlock(answer) {
  const columns = answer.columns || [];
  const rows = answer.rows || [];
  const cell = (value) => {
    if (value === null || value === undefined) return "—";
    if (typeof value === "number" || (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value))) return formatNumber(value);
    return String(value);
  };
  let chart = null;
  const spec = answer.chart;
  if (spec && rows.length) {
    const x = Math.max(0, columns.indexOf(spec.x));
    const y = columns.indexOf(spec.y);
    const get = (r, i) => (Array.isArray(r) ? r[i] : r[columns[i]]);
    if (y >= 0) chart = horizontalBars(rows.slice(0, 20).map((r) => ({ label: cell(get(r, x)), value: Number(get(r, y)) || 0 })), answer.sentence || t("command.answer"));
  }
  return h(
    "section",
    { class: "command-answer", "aria-label": t("command.answer") },
    answer.sentence ? h("p", { class: "rationale-summary" }, answer.sentence) : null,
    chart,
    columns.length
      ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "records" },
            h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, String(c))))),
            h("tbody", {}, rows.slice(0, 200).map((r) => h("tr", {}, columns.map((c, i) => h("td", {}, cell(Array.isArray(r) ? r[i] : r[c])))))),
          ),
        )
      : null,
  );
}

function resultsBlock(outcome) {
  return h(
    "div",
    { class: "command-results", role: "status" },
    h("p", {}, t("command.status"), ": ", statusBadge(outcome.status)),
    h(
      "ul",
      {},
      (outcome.results || []).map((r) =>
        h(
          "li",
          {},
          `${r.step + 1}. `,
          statusBadge(r.status),
          r.reason_code ? ` ${t(`command.not_undone.${r.reason_code}`)}` : r.reason ? ` ${r.reason}` : null,
          r.decision_id ? [" ", h("a", { href: `/passport/${r.decision_id}` }, t("approvals.open_passport"))] : null,
          r.approval_id ? [" ", h("a", { href: "/approvals" }, t("command.to_approvals"))] : null,
        ),
      ),
    ),
  );
}

function build() {
  const input = h("input", { id: "command-input", type: "text", autocomplete: "off", spellcheck: "false", placeholder: t("command.placeholder") });
  const body = h("div", { class: "command-body", "aria-live": "polite" }, h("p", { class: "muted small" }, t("command.hint")));
  const form = h(
    "form",
    { class: "command-form", role: "search" },
    h("label", { for: "command-input", class: "visually-hidden" }, t("command.label")),
    input,
    h("button", { type: "submit", class: "button button-primary" }, t("command.plan")),
  );
  const el = h("dialog", { class: "command-dialog", "aria-label": t("command.label") }, form, body);
  el.addEventListener("close", () => {
    if (opener && document.contains(opener)) opener.focus();
  });
  el.addEventListener("click", (event) => {
    if (event.target === el) el.close(); // a click on the backdrop
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    replace(body, h("p", { class: "muted" }, t("app.loading")));
    let plan;
    try {
      plan = await api.post("/commands", { text, now: new Date().toISOString() });
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 405)) {
        replace(body, h("p", { class: "notice notice-warn", dataset: { state: "unavailable" } }, t("command.unavailable")));
      } else {
        replace(body, problemNotice(error));
      }
      return;
    }
    showPlan(body, plan);
  });
  return el;
}

function showPlan(body, plan) {
  const answers = {};
  const entities = plan.entities || [];
  const steps = plan.steps || [];
  const questions = plan.questions || [];
  const warnings = plan.warnings || [];
  const results = h("div", {});
  const execute = steps.length ? h("button", { type: "button", class: "button button-primary" }, steps.some((s) => s.needs_approval) ? t("command.execute_with_approval") : t("command.execute")) : null;
  const undo = h("button", { type: "button", class: "button", hidden: true }, t("command.undo"));
  if (execute) {
    execute.addEventListener("click", async () => {
      execute.disabled = true;
      try {
        const outcome = await api.post(`/commands/${plan.id}/execute`, Object.keys(answers).length ? { answers } : undefined);
        replace(results, resultsBlock(outcome));
        announce(t("command.executed"));
        undo.hidden = false;
      } catch (error) {
        execute.disabled = false;
        replace(results, problemNotice(error));
      }
    });
  }
  undo.addEventListener("click", async () => {
    undo.disabled = true;
    try {
      const outcome = await api.post(`/commands/${plan.id}/undo`);
      replace(results, h("p", { class: "notice notice-ok" }, t("command.undone")), outcome && outcome.results ? resultsBlock(outcome) : null);
    } catch (error) {
      undo.disabled = false;
      replace(results, problemNotice(error));
    }
  });
  replace(
    body,
    warnings.length ? h("ul", { class: "notice notice-warn" }, warnings.map((w) => h("li", {}, w))) : null,
    entities.length ? [h("h3", {}, t("command.entities")), h("ul", { class: "hit-list" }, entities.map((e) => entityRow(e)))] : null,
    questions.length ? [h("h3", {}, t("command.questions")), h("ul", { class: "hit-list" }, questions.map((q) => questionRow(q, answers)))] : null,
    steps.length ? [h("h3", {}, t("command.steps")), h("ol", { class: "hit-list" }, steps.map((s) => stepBlock(s)))] : null,
    plan.answer ? answerBlock(plan.answer) : null,
    !steps.length && !plan.answer && !questions.length ? h("p", { class: "empty" }, t("command.nothing")) : null,
    h("div", { class: "form-actions" }, execute, undo),
    results,
  );
}

export function openCommandBar() {
  opener = document.activeElement;
  dialog ??= build();
  if (!dialog.isConnected) document.body.append(dialog);
  if (!dialog.open) dialog.showModal();
  const input = dialog.querySelector("#command-input");
  input.focus();
  input.select();
}
