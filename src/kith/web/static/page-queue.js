// Ticket queue: open tickets ordered by SLA risk (breached, at risk, on track; earliest due
// first within each), with assignment and escalation in the row. Writes are PATCHes with the
// version read; a 409 reloads the row and says so instead of overwriting.

import { ApiError, api } from "./api.js";
import { recordUrl } from "./boot.js";
import { renderValue } from "./display.js";
import { announce, h, replace, uid } from "./dom.js";
import { problemNotice } from "./forms.js";
import { formatNumber, t } from "./i18n.js";
import { can, canOnRecord, loadMe, loadUsers } from "./me.js";
import { recordTitle, resolveTitles, titleOf } from "./refs.js";
import { slaBadge, slaState, ticketDueCell } from "./sla.js";

const OPEN = "new,open,pending";
const RISK_ORDER = { breached: 0, at_risk: 1, on_track: 2 };
const PRIORITY_UP = { low: "normal", normal: "high", high: "urgent", urgent: "urgent" };
const VIEWS = ["all", "mine", "unassigned", "escalated"];
const MAX = 1000;

export function riskRank(ticket, now = Date.now()) {
  const state = slaState(ticket.resolution_due_at, ticket.resolved_at, ticket.created_at, now);
  const first = slaState(ticket.first_response_due_at, ticket.first_responded_at, ticket.created_at, now);
  const worst = Math.min(RISK_ORDER[state] ?? 3, RISK_ORDER[first] ?? 3);
  return worst;
}

function byRisk(a, b) {
  const rank = riskRank(a) - riskRank(b);
  if (rank) return rank;
  const due = (x) => (x.resolution_due_at ? Date.parse(x.resolution_due_at) : Infinity);
  return due(a) - due(b);
}

async function fetchOpen() {
  const tickets = [];
  let cursor;
  do {
    const page = await api.get("/tickets", { filter: `status:in:${OPEN}`, sort: "resolution_due_at", limit: 200, cursor });
    tickets.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && tickets.length < MAX);
  return tickets;
}

export async function render(root) {
  const me = await loadMe();
  if (!can(me, "ticket", "read")) {
    replace(root, h("h1", { class: "page-title" }, t("queue.title")), h("p", { class: "empty" }, t("queue.no_access")));
    return;
  }
  const users = await loadUsers();
  const params = new URLSearchParams(location.search);
  let view = VIEWS.includes(params.get("view")) ? params.get("view") : "all";
  const status = h("p", { class: "list-status", role: "status", "aria-live": "polite" });
  const body = h("div", {}, h("p", { class: "muted" }, t("app.loading")));
  const viewSelect = h(
    "select",
    { id: "queue-view" },
    VIEWS.map((v) => h("option", { value: v, selected: v === view }, t(`queue.view_${v}`))),
  );
  let tickets = [];

  function visible() {
    return tickets
      .filter((x) => view !== "mine" || x.assignee_id === me.id)
      .filter((x) => view !== "unassigned" || !x.assignee_id)
      .filter((x) => view !== "escalated" || x.escalated)
      .sort(byRisk);
  }

  async function save(ticket, changes, message) {
    try {
      const saved = await api.patch(`/tickets/${ticket.id}`, { version: ticket.version, ...changes });
      tickets = tickets.map((x) => (x.id === saved.id ? saved : x));
      status.textContent = message;
      announce(message);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        const current = await api.get(`/tickets/${ticket.id}`);
        tickets = tickets.map((x) => (x.id === current.id ? current : x));
        status.textContent = t("queue.conflict", { ticket: recordTitle("ticket", current) });
      } else {
        replace(body, problemNotice(error));
        return;
      }
    }
    draw();
  }

  function assignControl(ticket) {
    const id = uid("assign");
    const editable = canOnRecord(me, "ticket", "update", ticket);
    const select = h(
      "select",
      { id, disabled: !editable },
      h("option", { value: "" }, t("queue.unassigned")),
      [...users.values()].map((u) => h("option", { value: u.id, selected: u.id === ticket.assignee_id }, u.name)),
    );
    if (ticket.assignee_id && !users.has(ticket.assignee_id)) select.append(h("option", { value: ticket.assignee_id, selected: true }, ticket.assignee_id.slice(-6)));
    select.addEventListener("change", () => {
      const name = select.value ? select.options[select.selectedIndex].textContent : t("queue.unassigned");
      save(ticket, { assignee_id: select.value || null }, t("queue.assigned", { ticket: recordTitle("ticket", ticket), name }));
    });
    const label = h("label", { for: id, class: "visually-hidden" }, t("queue.assign_label", { ticket: recordTitle("ticket", ticket) }));
    const escalate = h(
      "button",
      { type: "button", class: "button button-small", disabled: !editable || ticket.escalated, "aria-label": t("queue.escalate_label", { ticket: recordTitle("ticket", ticket) }) },
      ticket.escalated ? t("queue.escalated") : t("queue.escalate"),
    );
    escalate.addEventListener("click", () =>
      save(ticket, { escalated: true, priority: PRIORITY_UP[ticket.priority] || ticket.priority }, t("queue.escalated_msg", { ticket: recordTitle("ticket", ticket) })),
    );
    const mine = ticket.assignee_id !== me.id && editable
      ? h("button", { type: "button", class: "link-button", on: { click: () => save(ticket, { assignee_id: me.id }, t("queue.assigned", { ticket: recordTitle("ticket", ticket), name: me.name })) } }, t("queue.take"))
      : null;
    return h("div", { class: "queue-actions" }, label, select, mine, escalate);
  }

  function draw() {
    const rows = visible();
    const counts = { breached: 0, at_risk: 0 };
    for (const x of rows) {
      const state = slaState(x.resolution_due_at, x.resolved_at, x.created_at);
      if (state in counts) counts[state] += 1;
    }
    if (!rows.length) {
      replace(body, h("p", { class: "empty" }, t("queue.empty")));
      return;
    }
    const table = h(
      "table",
      { class: "records queue-table" },
      h("caption", { class: "visually-hidden" }, t("queue.caption")),
      h(
        "thead",
        {},
        h("tr", {}, ["queue.col_ticket", "queue.col_sla", "queue.col_priority", "queue.col_status", "queue.col_account", "queue.col_assign"].map((key) => h("th", { scope: "col" }, t(key)))),
      ),
      h(
        "tbody",
        {},
        rows.map((ticket) => {
          const state = slaState(ticket.resolution_due_at, ticket.resolved_at, ticket.created_at);
          const firstState = slaState(ticket.first_response_due_at, ticket.first_responded_at, ticket.created_at);
          return h(
            "tr",
            { dataset: { id: ticket.id, sla: state || "none" } },
            h("td", {}, h("a", { class: "record-link", href: recordUrl("ticket", ticket.id) }, recordTitle("ticket", ticket)), ticket.escalated ? [" ", h("span", { class: "badge", dataset: { sla: "breached" } }, t("queue.escalated"))] : null),
            h("td", {}, ticketDueCell(ticket), state === "on_track" ? [" ", slaBadge(state)] : null, firstState === "breached" || firstState === "at_risk" ? h("div", { class: "small" }, t("sla.first_response"), " ", slaBadge(firstState)) : null),
            h("td", {}, renderValue("ticket", "priority", ticket.priority, ticket)),
            h("td", {}, renderValue("ticket", "status", ticket.status, ticket)),
            h("td", {}, ticket.account_id ? h("a", { href: recordUrl("account", ticket.account_id) }, titleOf("account", ticket.account_id) || "—") : "—"),
            h("td", {}, assignControl(ticket)),
          );
        }),
      ),
    );
    replace(
      body,
      h("p", { class: "muted" }, t("queue.summary", { n: formatNumber(rows.length), breached: formatNumber(counts.breached), at_risk: formatNumber(counts.at_risk) })),
      h("div", { class: "table-wrap" }, table),
    );
  }

  viewSelect.addEventListener("change", () => {
    view = viewSelect.value;
    const url = new URL(location.href);
    url.searchParams.set("view", view);
    history.replaceState(null, "", url.pathname + url.search);
    draw();
  });

  replace(
    root,
    h("div", { class: "page-head" }, h("h1", { class: "page-title" }, t("queue.title"))),
    h("div", { class: "toolbar" }, h("div", { class: "field field-inline" }, h("label", { for: "queue-view" }, t("queue.view")), viewSelect)),
    status,
    body,
  );
  try {
    tickets = await fetchOpen();
    await resolveTitles("account", tickets.map((x) => x.account_id).filter(Boolean));
    draw();
  } catch (error) {
    replace(body, problemNotice(error));
  }
}
