// Home: my open tasks, my open deals, my tickets — with counts and links to the full lists.

import { api } from "./api.js";
import { listUrl, objects } from "./boot.js";
import { h, replace } from "./dom.js";
import { problemNotice } from "./forms.js";
import { formatDateTime, t } from "./i18n.js";
import { toolTag } from "./labels.js";
import { can, loadMe } from "./me.js";
import { actorBadge, statusBadge, subjectLink } from "./passport.js";
import { prepareDisplay, resolveTitles } from "./refs.js";
import { recordTable } from "./table.js";

const LIMIT = 50;
const OPEN_TICKET_STATUSES = "new,open,pending";
const APPROVER_ROLES = ["admin", "manager"];

function sections(me) {
  return [
    {
      key: "tasks",
      object: "activity",
      filter: [`assignee_id:eq:${me.id}`, "status:eq:open"],
      sort: "due_at",
      columns: ["subject", "kind", "due_at", "account_id"],
    },
    {
      key: "deals",
      object: "deal",
      filter: [`owner_id:eq:${me.id}`, "status:eq:open"],
      sort: "expected_close",
      columns: ["name", "account_id", "amount", "stage_id", "expected_close"],
    },
    {
      key: "tickets",
      object: "ticket",
      filter: [`assignee_id:eq:${me.id}`, `status:in:${OPEN_TICKET_STATUSES}`],
      sort: "resolution_due_at",
      columns: ["number", "subject", "priority", "status", "resolution_due_at"],
    },
  ].filter((section) => can(me, section.object, "read"));
}

async function renderSection(section, me) {
  const spec = objects[section.object];
  const titleId = `home-${section.key}`;
  const count = h("span", { class: "count" }, "…");
  const body = h("div", { class: "card-body" }, h("p", { class: "muted" }, t("app.loading")));
  const allLink = h("a", { href: listUrl(section.object, { filter: section.filter, sort: section.sort }) }, t("home.view_all"));
  const newLink = can(me, section.object, "create")
    ? h("a", { class: "button button-small", href: `/o/${spec.plural}/new` }, t("common.new"))
    : null;
  const card = h(
    "section",
    { class: "card", "aria-labelledby": titleId },
    h("header", { class: "card-head" }, h("h2", { id: titleId }, t(`home.${section.key}`), " ", count), h("div", { class: "card-actions" }, newLink, allLink)),
    body,
  );
  (async () => {
    try {
      const page = await api.get(`/${spec.plural}`, { filter: section.filter, sort: section.sort, limit: LIMIT });
      count.textContent = page.next_cursor ? `${page.items.length}+` : String(page.items.length);
      count.setAttribute("aria-label", t("home.count", { n: count.textContent }));
      if (!page.items.length) {
        replace(body, h("p", { class: "empty" }, t(`home.${section.key}_empty`)));
        return;
      }
      await prepareDisplay(section.object, page.items, section.columns);
      replace(body, recordTable(section.object, page.items.slice(0, 10), section.columns, { caption: t(`home.${section.key}`) }));
    } catch (error) {
      count.textContent = "";
      replace(body, problemNotice(error));
    }
  })();
  return card;
}

/** A card filled by `load(body, count)`; failures show as a notice inside the card. */
function asyncCard(key, actions, load) {
  const titleId = `home-${key}`;
  const count = h("span", { class: "count" }, "…");
  const body = h("div", { class: "card-body" }, h("p", { class: "muted" }, t("app.loading")));
  const card = h(
    "section",
    { class: "card", "aria-labelledby": titleId },
    h("header", { class: "card-head" }, h("h2", { id: titleId }, t(`home.${key}`), " ", count), h("div", { class: "card-actions" }, actions)),
    body,
  );
  load(body, count).catch((error) => {
    count.textContent = "";
    replace(body, problemNotice(error));
  });
  return card;
}

function approvalsCard(me) {
  return asyncCard("approvals", h("a", { href: "/approvals" }, t("home.view_all")), async (body, count) => {
    const items = (await api.get("/approvals", { status: "pending", limit: 100 })).items.filter(
      (a) => me.roles.includes(a.approver_role) || me.roles.includes("admin"),
    );
    count.textContent = String(items.length);
    if (!items.length) {
      // Only approvers see an empty inbox card; for everyone else it is noise.
      if (!me.roles.some((role) => APPROVER_ROLES.includes(role))) body.closest("section").remove();
      else replace(body, h("p", { class: "empty" }, t("home.approvals_empty")));
      return;
    }
    replace(
      body,
      h(
        "ul",
        { class: "hit-list" },
        items.slice(0, 8).map((a) =>
          h("li", {}, h("a", { href: "/approvals" }, toolTag(a.tool)), " · ", actorBadge(a.requester_kind, a.requester_name), " · ", h("span", { class: "muted" }, formatDateTime(a.created_at))),
        ),
      ),
    );
  });
}

function agentsTodayCard() {
  return asyncCard("agents", null, async (body, count) => {
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    const items = (await api.get("/web/agents/today", { since: midnight.toISOString() })).items;
    count.textContent = String(items.length);
    if (!items.length) {
      replace(body, h("p", { class: "empty" }, t("home.agents_empty")));
      return;
    }
    const byType = new Map();
    for (const item of items) if (item.subject_type && item.subject_id) byType.set(item.subject_type, [...(byType.get(item.subject_type) || []), item.subject_id]);
    await Promise.all([...byType].map(([type, ids]) => (objects[type] ? resolveTitles(type, ids).catch(() => null) : null)));
    replace(
      body,
      h(
        "ul",
        { class: "hit-list" },
        items.slice(0, 10).map((item) =>
          h(
            "li",
            {},
            actorBadge("agent", item.agent),
            " ",
            toolTag(item.tool),
            " ",
            statusBadge(item.status),
            item.for_me ? [" ", h("span", { class: "badge" }, t("home.for_me"))] : null,
            " · ",
            subjectLink(item.subject_type, item.subject_id),
            h("div", { class: "small muted" }, item.summary || item.reason || "", " ", h("a", { href: `/passport/${item.id}` }, t("approvals.open_passport"))),
          ),
        ),
      ),
    );
  });
}

export async function render(root) {
  const me = await loadMe();
  const cards = await Promise.all(sections(me).map((section) => renderSection(section, me)));
  cards.push(approvalsCard(me), agentsTodayCard());
  replace(
    root,
    h("h1", { class: "page-title" }, t("home.greeting", { name: me.name })),
    cards.length ? h("div", { class: "home-grid" }, cards) : h("p", { class: "empty" }, t("home.nothing")),
  );
}
