// Agents console: every agent with its role, subscriptions, tools and hourly budget; pause and
// resume; and a live feed of what agents perceive and do, from the agents API's server-sent
// events (GET /api/v1/agents/feed, EventSource reconnects with Last-Event-ID).

import { api } from "./api.js";
import { objects, recordUrl } from "./boot.js";
import { announce, h, replace, uid } from "./dom.js";
import { problemNotice } from "./forms.js";
import { formatDateTime, formatNumber, has, locale, t } from "./i18n.js";
import { can, loadMe } from "./me.js";
import { eventTypeLabel, roleName, toolLabel, toolTag } from "./labels.js";
import { statusBadge } from "./passport.js";

const FEED_MAX = 200;
const agentNames = new Map(); // agent name -> its label, filled when the agents load

function label(agent) {
  return (locale === "en" ? agent.label_en : agent.label_zh) || agent.label_en || agent.name;
}

function tags(values) {
  if (!values || !values.length) return h("p", { class: "muted small" }, "—");
  return h("ul", { class: "tag-list" }, values.map((v) => h("li", {}, v)));
}

function agentCard(agent, mayChange, onChange) {
  const titleId = uid("agent");
  const used = agent.budget_per_hour ? Math.min(1, agent.actions_last_hour / agent.budget_per_hour) : 0;
  const paused = agent.status !== "active";
  const fill = h("span", { class: "budget-fill" });
  fill.style.width = `${Math.round(used * 100)}%`; // CSSOM, allowed by the CSP (no inline style attribute)
  const toggle = mayChange
    ? h(
        "button",
        { type: "button", class: paused ? "button button-primary button-small" : "button button-small", "aria-label": t(paused ? "agents.resume_label" : "agents.pause_label", { agent: label(agent) }) },
        t(paused ? "agents.resume" : "agents.pause"),
      )
    : null;
  if (toggle) {
    toggle.addEventListener("click", async () => {
      toggle.disabled = true;
      try {
        const updated = await api.post(`/agents/${encodeURIComponent(agent.name)}/${paused ? "resume" : "pause"}`);
        announce(t(updated.status === "active" ? "agents.resumed" : "agents.paused", { agent: label(updated) }));
        onChange(updated);
      } catch (error) {
        toggle.disabled = false;
        toggle.after(problemNotice(error));
      }
    });
  }
  return h(
    "article",
    { class: "card agent-card", "aria-labelledby": titleId, dataset: { name: agent.name, status: agent.status } },
    h(
      "header",
      { class: "card-head" },
      h("h2", { id: titleId }, label(agent), " ", h("span", { class: "badge", dataset: { value: agent.status === "active" ? "open" : "pending" } }, t(`agents.status_${agent.status}`))),
      h("div", { class: "card-actions" }, toggle),
    ),
    h(
      "div",
      { class: "card-body" },
      agent.description ? h("p", { class: "small" }, has(`agent.description.${agent.name}`) ? t(`agent.description.${agent.name}`) : agent.description) : null,
      h(
        "dl",
        { class: "mini-dl" },
        h("dt", {}, t("agents.role")),
        h("dd", {}, roleName(agent.role) || "—"),
        h("dt", {}, t("agents.budget")),
        h(
          "dd",
          {},
          t("agents.budget_used", { used: formatNumber(agent.actions_last_hour), budget: formatNumber(agent.budget_per_hour) }),
          h("div", { class: "budget", role: "meter", "aria-valuemin": "0", "aria-valuemax": String(agent.budget_per_hour), "aria-valuenow": String(agent.actions_last_hour), "aria-label": t("agents.budget") }, fill),
        ),
      ),
      h("h3", {}, t("agents.subscriptions")),
      tags((agent.subscriptions || []).map(eventTypeLabel)),
      h("h3", {}, t("agents.tools")),
      tags((agent.tools || []).map(toolLabel)),
    ),
  );
}

function feedItem(item) {
  const phaseKey = `agents.phase_${item.phase}`;
  const record = item.record_id && item.event_type ? item.event_type.split(".")[0] : null;
  return h(
    "li",
    { dataset: { phase: item.phase, id: item.id } },
    h("time", { datetime: item.at, class: "muted small" }, formatDateTime(item.at)),
    " ",
    h("strong", {}, agentNames.get(item.agent) || item.agent),
    " ",
    has(phaseKey) ? t(phaseKey) : item.phase,
    " ",
    item.tool ? toolTag(item.tool) : h("span", {}, eventTypeLabel(item.event_type)),
    item.status ? [" ", statusBadge(item.status)] : null,
    item.summary || item.reason ? h("div", { class: "small" }, item.summary || item.reason) : null,
    h(
      "div",
      { class: "small" },
      record && objects[record] ? h("a", { href: recordUrl(record, item.record_id) }, objects[record].label) : null,
      item.decision_id ? [" ", h("a", { href: `/passport/${item.decision_id}` }, t("approvals.open_passport"))] : null,
      " ",
      h("span", { class: "muted" }, t("agents.latency", { ms: formatNumber(item.latency_ms) })),
    ),
  );
}

function startFeed(list, state) {
  if (!("EventSource" in window)) {
    state.textContent = t("agents.feed_unsupported");
    return null;
  }
  const source = new EventSource("/api/v1/agents/feed?wait=60");
  const onItem = (event) => {
    try {
      const item = JSON.parse(event.data);
      list.prepend(feedItem(item));
      while (list.children.length > FEED_MAX) list.lastElementChild.remove();
      state.textContent = t("agents.feed_live");
    } catch {
      // A malformed line is skipped; the next one still shows.
    }
  };
  for (const phase of ["perceived", "acted", "noted", "message"]) source.addEventListener(phase, onItem);
  source.addEventListener("open", () => { state.textContent = t("agents.feed_live"); });
  source.addEventListener("error", () => { state.textContent = t("agents.feed_reconnecting"); });
  window.addEventListener("pagehide", () => source.close());
  return source;
}

export async function render(root) {
  const me = await loadMe();
  if (!can(me, "role", "read")) {
    replace(root, h("h1", { class: "page-title" }, t("agents.title")), h("p", { class: "empty" }, t("agents.no_access")));
    return;
  }
  const mayChange = can(me, "role", "update");
  const grid = h("div", { class: "agent-grid" });
  const feedList = h("ol", { class: "feed", "aria-live": "off", "aria-label": t("agents.feed") });
  const feedState = h("p", { class: "muted small", role: "status" }, t("app.loading"));
  let agents = [];
  const draw = () => replace(grid, agents.map((a) => agentCard(a, mayChange, (updated) => {
    agents = agents.map((x) => (x.id === updated.id ? updated : x));
    draw();
    const again = grid.querySelector(`[data-name="${CSS.escape(updated.name)}"] button`);
    if (again) again.focus();
  })));
  replace(
    root,
    h("div", { class: "page-head" }, h("h1", { class: "page-title" }, t("agents.title"))),
    grid,
    h("section", { class: "card", "aria-labelledby": "agents-feed" }, h("header", { class: "card-head" }, h("h2", { id: "agents-feed" }, t("agents.feed")), feedState), h("div", { class: "card-body" }, feedList)),
  );
  try {
    agents = await api.get("/agents");
    for (const a of agents) {
      for (const key of [a.name, a.id, a.role, `agent_${a.name}`]) if (key) agentNames.set(key, label(a));
    }
    draw();
  } catch (error) {
    replace(grid, problemNotice(error));
  }
  startFeed(feedList, feedState);
}
