// Approvals inbox: what is proposed, by which agent or person, why (the decision's
// rationale), approve or reject with a reason. Tabs: waiting for me / all pending / decided.

import { api } from "./api.js";
import { h, replace, uid, announce } from "./dom.js";
import { problemNotice } from "./forms.js";
import { formatRelative, t } from "./i18n.js";
import { purposeLabel, toolTag } from "./labels.js";
import { loadMe } from "./me.js";
import { actorBadge, jsonList, rationaleBlock, riskBadge, statusBadge, subjectLink, when } from "./passport.js";
import { resolveTitles } from "./refs.js";

const TABS = ["mine", "pending", "decided"];

function mayDecide(me, approval) {
  return approval.status === "pending" && me.roles && (me.roles.includes(approval.approver_role) || me.roles.includes("admin"));
}

function subjectOf(args) {
  for (const key of ["deal_id", "ticket_id", "order_id", "lead_id", "contact_id", "account_id"]) {
    if (args && args[key]) return { type: key.replace(/_id$/, ""), id: args[key] };
  }
  if (args && args.object_type && args.record_id) return { type: args.object_type, id: args.record_id };
  return null;
}

function approvalCard(me, approval) {
  const titleId = uid("ap");
  const reasonId = uid("ap-reason");
  const errorId = uid("ap-error");
  const reason = h("textarea", { id: reasonId, rows: 2, maxlength: 2000, "aria-describedby": errorId });
  const error = h("p", { class: "field-error", id: errorId });
  const outcome = h("div", { role: "status", "aria-live": "polite" });
  const subject = subjectOf(approval.args);
  const requester = actorBadge(approval.requester_kind, approval.requester_name);

  async function decide(kind) {
    error.textContent = "";
    reason.removeAttribute("aria-invalid");
    const text = reason.value.trim();
    if (kind === "reject" && !text) {
      error.textContent = t("approvals.reason_required");
      reason.setAttribute("aria-invalid", "true");
      reason.focus();
      return;
    }
    for (const button of card.querySelectorAll("button")) button.disabled = true;
    try {
      const body = text ? { reason: text } : {};
      const result = await api.post(`/approvals/${approval.id}/${kind}`, body);
      const decided = kind === "approve" ? result.approval : result;
      const resultDecision = kind === "approve" ? result.result.decision_id : decided.result_decision_id;
      const message = kind === "approve" ? t("approvals.approved", { status: t(`decision.status.${result.result.status}`) }) : t("approvals.rejected");
      replace(outcome, h("p", { class: "notice notice-ok" }, message, " ", resultDecision ? h("a", { href: `/passport/${resultDecision}` }, t("approvals.open_passport")) : null));
      announce(message);
      card.dataset.status = decided.status;
      const badge = card.querySelector(".card-head .badge[data-value]");
      if (badge) badge.replaceWith(statusBadge(decided.status));
      card.querySelector(".approval-actions").hidden = true;
    } catch (problem) {
      replace(outcome, problemNotice(problem));
      for (const button of card.querySelectorAll("button")) button.disabled = false;
    }
  }

  const actions = mayDecide(me, approval)
    ? h(
        "div",
        { class: "approval-actions" },
        h("div", { class: "field" }, h("label", { for: reasonId }, t("approvals.reason")), reason, error),
        h(
          "div",
          { class: "form-actions" },
          h("button", { type: "button", class: "button button-primary", on: { click: () => decide("approve") } }, t("approvals.approve")),
          h("button", { type: "button", class: "button button-danger-quiet", on: { click: () => decide("reject") } }, t("approvals.reject")),
        ),
      )
    : approval.status === "pending"
      ? h("p", { class: "muted" }, t("approvals.waiting_for", { role: approval.approver_role }))
      : h(
          "p",
          { class: "muted" },
          t("approvals.decided_by", { who: approval.decided_by_name || "—" }),
          " · ",
          when(approval.decided_at),
          approval.decision_reason ? ` · ${approval.decision_reason}` : null,
        );

  const card = h(
    "article",
    { class: "card approval", "aria-labelledby": titleId, dataset: { id: approval.id, status: approval.status } },
    h(
      "header",
      { class: "card-head" },
      h("h2", { id: titleId }, toolTag(approval.tool), " ", statusBadge(approval.status), " ", riskBadge(approval.risk_level)),
      h("div", { class: "card-actions" }, h("a", { href: `/passport/${approval.decision_id}` }, t("approvals.open_passport"))),
    ),
    h(
      "div",
      { class: "card-body" },
      h(
        "dl",
        { class: "mini-dl" },
        h("dt", {}, t("approvals.requested_by")),
        h("dd", {}, requester, approval.on_behalf_of_name ? ` · ${t("approvals.on_behalf_of", { name: approval.on_behalf_of_name })}` : null),
        h("dt", {}, t("approvals.purpose")),
        h("dd", {}, purposeLabel(approval.purpose)),
        subject ? [h("dt", {}, t("approvals.about")), h("dd", {}, subjectLink(subject.type, subject.id))] : null,
        h("dt", {}, t("approvals.requested_at")),
        h("dd", {}, when(approval.created_at)),
        h("dt", {}, t("approvals.expires")),
        h("dd", {}, h("time", { datetime: approval.expires_at, title: approval.expires_at }, formatRelative(approval.expires_at))),
      ),
      h("details", { class: "approval-why", open: Boolean(approval.rationale) }, h("summary", {}, t("approvals.why")), rationaleBlock(approval.rationale)),
      h("details", { class: "approval-args" }, h("summary", {}, t("approvals.args")), jsonList(approval.args)),
      actions,
      outcome,
    ),
  );
  return card;
}

export async function render(root) {
  const me = await loadMe();
  const params = new URLSearchParams(location.search);
  let tab = TABS.includes(params.get("tab")) ? params.get("tab") : "mine";
  const list = h("div", { class: "approval-list", "aria-live": "polite" });
  const tabButtons = TABS.map((name) =>
    h("button", { type: "button", role: "tab", id: `tab-${name}`, "aria-controls": "approval-panel", class: "tab", dataset: { tab: name } }, t(`approvals.tab_${name}`)),
  );
  const tablist = h("div", { class: "tabs", role: "tablist", "aria-label": t("approvals.title") }, tabButtons);
  const panel = h("div", { id: "approval-panel", role: "tabpanel" }, list);

  async function load() {
    for (const button of tabButtons) {
      const selected = button.dataset.tab === tab;
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
    }
    panel.setAttribute("aria-labelledby", `tab-${tab}`);
    const url = new URL(location.href);
    url.searchParams.set("tab", tab);
    history.replaceState(null, "", url.pathname + url.search);
    replace(list, h("p", { class: "muted" }, t("app.loading")));
    try {
      const status = tab === "decided" ? undefined : "pending";
      let items = (await api.get("/approvals", { status, limit: 200 })).items;
      if (tab === "mine") items = items.filter((a) => mayDecide(me, a));
      if (tab === "decided") items = items.filter((a) => a.status !== "pending");
      const subjects = items.map((a) => subjectOf(a.args)).filter(Boolean);
      const byType = new Map();
      for (const sub of subjects) byType.set(sub.type, [...(byType.get(sub.type) || []), sub.id]);
      await Promise.all([...byType].map(([type, ids]) => resolveTitles(type, ids).catch(() => null)));
      if (!items.length) {
        replace(list, h("p", { class: "empty" }, t(`approvals.empty_${tab}`)));
        return;
      }
      replace(list, items.map((a) => approvalCard(me, a)));
    } catch (problem) {
      replace(list, problemNotice(problem));
    }
  }

  tablist.addEventListener("click", (event) => {
    const button = event.target.closest("[role=tab]");
    if (!button) return;
    tab = button.dataset.tab;
    load();
  });
  tablist.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    const index = TABS.indexOf(tab) + (event.key === "ArrowRight" ? 1 : -1);
    tab = TABS[(index + TABS.length) % TABS.length];
    tabButtons[TABS.indexOf(tab)].focus();
    load();
  });

  replace(root, h("div", { class: "page-head" }, h("h1", { class: "page-title" }, t("approvals.title"))), tablist, panel);
  await load();
}
