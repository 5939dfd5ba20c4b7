// Decision passport: who acted, on what trigger, with which inputs, why (factors drawn),
// rule and model versions, confidence against threshold, consent, risk, approval and
// overrides. Printable (print stylesheet) and linked to the gateway's plain printable page.

import { api } from "./api.js";
import { h, replace, uid } from "./dom.js";
import { problemNotice } from "./forms.js";
import { t } from "./i18n.js";
import { purposeLabel, roleName, toolLabel, toolTag } from "./labels.js";
import { loadMe } from "./me.js";
import { actorBadge, jsonList, rationaleBlock, riskBadge, statusBadge, subjectLink, when } from "./passport.js";
import { resolveTitles } from "./refs.js";

const OVERRIDE_ROLES = ["admin", "manager"];

function row(label, ...value) {
  return [h("dt", {}, label), h("dd", {}, value)];
}

function section(title, ...body) {
  const id = uid("pp");
  return h("section", { class: "card passport-section", "aria-labelledby": id }, h("header", { class: "card-head" }, h("h2", { id }, title)), h("div", { class: "card-body" }, body));
}

function overrideForm(decisionId, onDone) {
  const reasonId = uid("ov");
  const outcomeId = uid("ov");
  const reason = h("textarea", { id: reasonId, rows: 2, required: true, maxlength: 2000 });
  const outcome = h("input", { id: outcomeId, type: "text", maxlength: 200 });
  const error = h("div", { role: "alert" });
  const form = h(
    "form",
    { class: "form override-form" },
    h("div", { class: "field" }, h("label", { for: outcomeId }, t("passport.override_outcome")), outcome),
    h("div", { class: "field" }, h("label", { for: reasonId }, t("passport.override_reason")), reason),
    error,
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, t("passport.override_submit"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!reason.value.trim()) {
      replace(error, h("p", { class: "field-error" }, t("error.required")));
      reason.focus();
      return;
    }
    try {
      await api.post(`/decisions/${decisionId}/override`, { reason: reason.value.trim(), outcome: outcome.value.trim() || null });
      onDone();
    } catch (problem) {
      replace(error, problemNotice(problem));
    }
  });
  return form;
}

export async function render(root, page) {
  const [me, d] = await Promise.all([loadMe(), api.get(`/decisions/${page.id}`)]);
  if (d.subject && d.subject.type && d.subject.id) await resolveTitles(d.subject.type, [d.subject.id]).catch(() => null);
  const approval = d.approval;
  const consent = d.consent || {};
  const mayOverride = me.roles && me.roles.some((r) => OVERRIDE_ROLES.includes(r));
  const printButton = h("button", { type: "button", class: "button", on: { click: () => window.print() } }, t("passport.print"));

  replace(
    root,
    h(
      "div",
      { class: "page-head passport-head" },
      h("div", {}, h("p", { class: "muted small" }, t("passport.title")), h("h1", { class: "page-title" }, d.tool ? toolTag(d.tool) : t("passport.no_tool"), " ", statusBadge(d.status), " ", riskBadge(d.risk && d.risk.level))),
      h("div", { class: "page-actions no-print" }, printButton, h("a", { class: "button button-quiet", href: `/decisions/${d.id}`, target: "_blank", rel: "noopener" }, t("passport.plain_page"))),
    ),
    h(
      "div",
      { class: "passport-grid" },
      section(
        t("passport.what"),
        h(
          "dl",
          { class: "mini-dl" },
          row(t("passport.at"), when(d.at)),
          row(t("passport.actor"), actorBadge(d.actor.kind, d.actor.name)),
          d.on_behalf_of ? row(t("passport.on_behalf_of"), d.on_behalf_of.name || d.on_behalf_of.id) : null,
          row(t("passport.trigger"), d.trigger_event_id ? h("code", {}, d.trigger_event_id) : t("passport.no_trigger")),
          row(t("passport.purpose"), purposeLabel(d.purpose) || "—"),
          row(t("passport.subject"), subjectLink(d.subject && d.subject.type, d.subject && d.subject.id)),
          row(t("passport.outcome"), statusBadge(d.status), d.reason ? [" ", d.reason] : null),
          d.duplicate_of ? row(t("passport.duplicate_of"), h("a", { href: `/passport/${d.duplicate_of}` }, d.duplicate_of.slice(-8))) : null,
        ),
      ),
      section(t("passport.why"), rationaleBlock(d.rationale)),
      section(t("passport.inputs_args"), jsonList(d.args)),
      section(
        t("passport.governance"),
        h(
          "dl",
          { class: "mini-dl" },
          row(t("passport.risk"), riskBadge(d.risk && d.risk.level) || "—", d.risk && d.risk.rule_id ? [" ", t("passport.rule"), " ", h("code", {}, d.risk.rule_id.slice(-8))] : null),
          row(
            t("passport.consent"),
            consent.allowed === null || consent.allowed === undefined ? t("passport.consent_not_asked") : consent.allowed ? t("passport.allowed") : t("passport.denied"),
            consent.reason ? ` · ${consent.reason}` : null,
            consent.basis ? [" · ", h("code", {}, consent.basis)] : null,
          ),
        ),
      ),
      section(
        t("passport.approval"),
        approval
          ? h(
              "dl",
              { class: "mini-dl" },
              row(t("passport.approval_status"), statusBadge(approval.status)),
              row(t("passport.approver_role"), roleName(approval.approver_role) || "—"),
              row(t("passport.approver"), approval.approver ? approval.approver.name : "—"),
              row(t("passport.approver_decision"), approval.decision ? statusBadge(approval.decision) : "—", approval.reason ? ` · ${approval.reason}` : null),
              approval.decided_at ? row(t("passport.decided_at"), when(approval.decided_at)) : null,
              approval.result_decision_id ? row(t("passport.follow_up"), h("a", { href: `/passport/${approval.result_decision_id}`, class: "follow-up" }, t("passport.follow_up_link")), " ", statusBadge(approval.result_status)) : null,
              row(t("passport.expires"), when(approval.expires_at)),
              approval.status === "pending" ? row("", h("a", { href: "/approvals" }, t("passport.to_inbox"))) : null,
            )
          : h("p", { class: "muted" }, t("passport.no_approval")),
      ),
      section(
        t("passport.overrides"),
        d.overrides.length
          ? h(
              "ol",
              { class: "history" },
              d.overrides.map((o) => h("li", {}, when(o.at), " · ", actorBadge(o.by.kind, o.by.name), o.outcome ? [" → ", h("strong", {}, o.outcome)] : null, h("p", {}, o.reason))),
            )
          : h("p", { class: "muted" }, t("passport.no_overrides")),
        mayOverride ? h("details", { class: "no-print" }, h("summary", {}, t("passport.override")), overrideForm(d.id, () => render(root, page))) : null,
      ),
      d.output ? section(t("passport.output"), jsonList(d.output)) : null,
      d.errors && d.errors.length ? section(t("passport.errors"), h("ul", {}, d.errors.map((e) => h("li", {}, typeof e === "string" ? e : JSON.stringify(e))))) : null,
    ),
  );
  document.title = `${t("passport.title")} · ${toolLabel(d.tool) || d.status} · Kith`;
}
