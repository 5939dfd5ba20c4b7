// Object-specific cards on record pages: deal stage and stage history, ticket SLA and
// status history, pipeline stages, lead conversion.

import { api, ApiError } from "./api.js";
import { recordUrl } from "./boot.js";
import { h, replace, uid } from "./dom.js";
import { buildControls, clearProblem, problemNotice, showProblem } from "./forms.js";
import { actorKindLabel, enumLabel, fieldLabel, formatDateTime, formatDuration, t } from "./i18n.js";
import { can } from "./me.js";
import { forgetStages, loadStages, loadUserNames, shortId, stageOf, userName } from "./refs.js";
import { slaBadge, slaDistance, slaState } from "./sla.js";
import { identityCard } from "./identity-card.js";

function card(title, ...children) {
  const id = uid("card");
  return h(
    "section",
    { class: "card", "aria-labelledby": id },
    h("header", { class: "card-head" }, h("h2", { id }, title)),
    h("div", { class: "card-body" }, children),
  );
}

function actorLine(kind, id) {
  return [
    h("span", { class: "actor-badge", dataset: { kind } }, actorKindLabel(kind)),
    " ",
    kind === "system" ? "" : userName(id) || shortId(id),
  ];
}

function historyList(items, describe) {
  if (!items.length) return h("p", { class: "empty" }, t("record.no_history"));
  return h(
    "ol",
    { class: "history" },
    [...items].reverse().map((item) =>
      h(
        "li",
        {},
        h("div", {}, describe(item)),
        h(
          "div",
          { class: "muted small" },
          h("time", { datetime: item.changed_at, title: item.changed_at }, formatDateTime(item.changed_at)),
          " · ",
          actorLine(item.actor_kind, item.actor_id),
        ),
      ),
    ),
  );
}

// --- deals ---------------------------------------------------------------------------

function stagePath(stages, currentId) {
  const current = stages.findIndex((stage) => stage.id === currentId);
  return h(
    "ol",
    { class: "stage-path", "aria-label": t("deal.stage_path") },
    stages.map((stage, index) =>
      h(
        "li",
        {
          class: ["stage-step", index < current && "done", index === current && "current"],
          dataset: { kind: stage.kind },
          "aria-current": index === current ? "step" : null,
        },
        stage.name,
      ),
    ),
  );
}

async function dealStageCard(record, ctx) {
  const stages = record.pipeline_id ? await loadStages(record.pipeline_id) : [];
  const selectId = uid("stage");
  const editable = ctx.canEdit && !ctx.readOnly.has("stage_id") && "stage_id" in record;
  const select = h(
    "select",
    { id: selectId, disabled: !editable },
    stages.map((stage) =>
      h("option", { value: stage.id, selected: stage.id === record.stage_id }, `${stage.name} (${stage.probability}%)`),
    ),
  );
  select.addEventListener("change", async () => {
    const saved = await ctx.save({ stage_id: select.value });
    if (!saved) select.value = ctx.record().stage_id;
  });
  const history = h("div", {}, h("p", { class: "muted" }, t("app.loading")));
  api
    .get(`/deals/${record.id}/stage-history`)
    .then(async (items) => {
      await loadUserNames();
      const name = (id) => (id ? (stageOf(id) || {}).name || shortId(id) : "—");
      replace(
        history,
        historyList(items, (item) => [
          name(item.from_stage_id),
          " → ",
          h("strong", {}, name(item.to_stage_id)),
          item.seconds_in_previous
            ? h("span", { class: "muted" }, ` (${t("timeline.after", { duration: formatDuration(item.seconds_in_previous) })})`)
            : null,
        ]),
      );
    })
    .catch((error) => replace(history, problemNotice(error)));
  return card(
    t("deal.stage"),
    stages.length ? stagePath(stages, record.stage_id) : null,
    h("div", { class: "field" }, h("label", { for: selectId }, t("deal.change_stage")), select),
    h("h3", {}, t("deal.stage_history")),
    history,
  );
}

// --- tickets -------------------------------------------------------------------------

function slaRow(label, dueAt, doneAt, startedAt) {
  const state = slaState(dueAt, doneAt, startedAt);
  return h(
    "div",
    { class: "sla-row" },
    h("dt", {}, label),
    h(
      "dd",
      {},
      dueAt
        ? [
          h("time", { datetime: dueAt, title: dueAt }, formatDateTime(dueAt)),
          doneAt ? null : h("span", { class: "muted" }, ` (${t(state === "breached" ? "sla.breached_by" : "sla.due_in", { duration: slaDistance(dueAt) })})`),
          " ",
          slaBadge(state),
          doneAt ? h("div", { class: "muted small" }, t("sla.done_at", { time: formatDateTime(doneAt) })) : null,
        ]
        : h("span", { class: "muted" }, "—"),
    ),
  );
}

function ticketSlaCard(record) {
  const history = h("div", {}, h("p", { class: "muted" }, t("app.loading")));
  api
    .get(`/tickets/${record.id}/status-history`)
    .then(async (items) => {
      await loadUserNames();
      replace(
        history,
        historyList(items, (item) => [
          item.from_status ? enumLabel("ticket", "status", item.from_status) : "—",
          " → ",
          h("strong", {}, enumLabel("ticket", "status", item.to_status)),
        ]),
      );
    })
    .catch((error) => replace(history, problemNotice(error)));
  return card(
    t("sla.title"),
    h(
      "dl",
      { class: "sla" },
      slaRow(t("sla.first_response"), record.first_response_due_at, record.first_responded_at, record.created_at),
      slaRow(t("sla.resolution"), record.resolution_due_at, record.resolved_at, record.created_at),
    ),
    h("h3", {}, t("ticket.status_history")),
    history,
  );
}

// --- pipelines -----------------------------------------------------------------------

const STAGE_FIELDS = [
  { name: "name", kind: "text", required: true, maxLength: 100 },
  { name: "probability", kind: "int", required: true, minimum: 0, maximum: 100 },
  { name: "kind", kind: "enum", required: false, options: ["open", "won", "lost"], default: "open" },
];

async function pipelineStagesCard(record, ctx) {
  const body = h("div", {});
  async function show() {
    forgetStages(record.id);
    const stages = await loadStages(record.id);
    if (!stages.length) {
      replace(body, h("p", { class: "empty" }, t("pipeline.no_stages")));
      return;
    }
    replace(
      body,
      h(
        "table",
        { class: "records" },
        h("thead", {}, h("tr", {}, ["position", "name", "probability", "kind"].map((f) => h("th", { scope: "col" }, fieldLabel("stage", f))))),
        h(
          "tbody",
          {},
          stages.map((stage) =>
            h("tr", {}, h("td", {}, stage.position + 1), h("th", { scope: "row" }, stage.name), h("td", {}, `${stage.probability}%`), h("td", {}, enumLabel("stage", "kind", stage.kind))),
          ),
        ),
      ),
    );
  }
  await show();
  let form = null;
  if (ctx.canEdit) {
    const controls = buildControls("stage", STAGE_FIELDS, { kind: "open" });
    const summary = h("div", { class: "form-summary", tabindex: "-1", hidden: true });
    form = h(
      "form",
      { class: "form inline-form", novalidate: true },
      h("h3", {}, t("pipeline.add_stage")),
      summary,
      h("div", { class: "form-grid" }, [...controls.values()].map((control) => control.element)),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, t("pipeline.add_stage"))),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearProblem(controls, summary);
      const bodyValues = Object.fromEntries([...controls].map(([name, control]) => [name, control.getValue()]));
      try {
        await api.post(`/pipelines/${record.id}/stages`, bodyValues);
        controls.get("name").setValue("");
        controls.get("probability").setValue("");
        await show();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        showProblem("stage", controls, summary, error);
      }
    });
  }
  return card(t("pipeline.stages"), body, form);
}

// --- leads ---------------------------------------------------------------------------

function leadConvertCard(record, ctx) {
  const me = ctx.me;
  const allowed = can(me, "lead", "update") && can(me, "account", "create") && can(me, "contact", "create");
  if (record.status === "converted" || !allowed) return null;
  const fields = [
    { name: "create_deal", kind: "bool", required: false },
    { name: "deal_name", kind: "text", required: false, maxLength: 200 },
    { name: "amount", kind: "decimal", required: false, minimum: 0 },
  ];
  const controls = buildControls("conversion", fields, { create_deal: can(me, "deal", "create") });
  const summary = h("div", { class: "form-summary", tabindex: "-1", hidden: true });
  const button = h("button", { type: "submit", class: "button button-primary" }, t("lead.convert"));
  const form = h(
    "form",
    { class: "form", novalidate: true },
    h("p", { class: "muted" }, t("lead.convert_help")),
    summary,
    [...controls.values()].map((control) => control.element),
    h("div", { class: "form-actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblem(controls, summary);
    const body = { version: ctx.record().version };
    for (const [name, control] of controls) {
      const value = control.getValue();
      if (value !== null && value !== "") body[name] = value;
    }
    button.disabled = true;
    try {
      const out = await api.post(`/leads/${record.id}/convert`, body);
      ctx.flash(
        t("lead.converted"),
        " ",
        h("a", { href: recordUrl("account", out.account_id) }, t("object.account")),
        " · ",
        h("a", { href: recordUrl("contact", out.contact_id) }, t("object.contact")),
        out.deal_id ? [" · ", h("a", { href: recordUrl("deal", out.deal_id) }, t("object.deal"))] : null,
      );
      await ctx.refresh();
    } catch (error) {
      button.disabled = false;
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 409) await ctx.refresh();
      showProblem("conversion", controls, summary, error);
    }
  });
  return card(t("lead.convert"), form);
}

/** The extra cards for a record of `objectName` (may be empty). */
export async function extraCards(objectName, record, ctx) {
  switch (objectName) {
    case "deal":
      return [await dealStageCard(record, ctx)];
    case "ticket":
      return [ticketSlaCard(record)];
    case "pipeline":
      return [await pipelineStagesCard(record, ctx)];
    case "lead":
      return [leadConvertCard(record, ctx)].filter(Boolean);
    case "contact":
      return [await identityCard(record)];
    default:
      return [];
  }
}
