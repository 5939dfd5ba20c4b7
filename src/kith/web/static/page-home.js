// Home: my open tasks, my open deals, my tickets — with counts and links to the full lists.

import { api } from "./api.js";
import { listUrl, objects } from "./boot.js";
import { h, replace } from "./dom.js";
import { problemNotice } from "./forms.js";
import { t } from "./i18n.js";
import { can, loadMe } from "./me.js";
import { prepareDisplay } from "./refs.js";
import { recordTable } from "./table.js";

const LIMIT = 50;
const OPEN_TICKET_STATUSES = "new,open,pending";

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

export async function render(root) {
  const me = await loadMe();
  const cards = await Promise.all(sections(me).map((section) => renderSection(section, me)));
  replace(
    root,
    h("h1", { class: "page-title" }, t("home.greeting", { name: me.name })),
    cards.length ? h("div", { class: "home-grid" }, cards) : h("p", { class: "empty" }, t("home.nothing")),
  );
}
