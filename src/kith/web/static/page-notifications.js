// Notifications (GET /api/v1/notifications; mark read through /api/v1/web/notifications/read)
// and the e-mails drafted for the user (GET /api/v1/messages?status=draft).

import { api } from "./api.js";
import { announce, h, replace } from "./dom.js";
import { problemNotice } from "./forms.js";
import { formatDateTime, has, t } from "./i18n.js";
import { toolLabel } from "./labels.js";

/** Titles written by the gateway name tools ("refunds.request ..."): read them as labels. */
function readable(text) {
  return String(text || "").replace(/\b[a-z_]+\.[a-z_]+\b/g, (name) => (has(`tool.${name}`) ? toolLabel(name) : name));
}

function kindLabel(kind) {
  return has(`notifications.kind.${kind}`) ? t(`notifications.kind.${kind}`) : t("notifications.title");
}

/** Links the API gives for the printable passport open the web passport instead. */
function webLink(link) {
  if (!link) return null;
  const match = /^\/decisions\/([0-9a-f]{32})$/.exec(link);
  return match ? `/passport/${match[1]}` : link;
}

function setUnread(n) {
  document.dispatchEvent(new CustomEvent("kith:unread", { detail: n }));
}

function notificationItem(item, onRead) {
  const unread = !item.read_at;
  const link = webLink(item.link) || (item.decision_id ? `/passport/${item.decision_id}` : null);
  const mark = unread
    ? h("button", { type: "button", class: "button button-small", on: { click: () => onRead(item.id) } }, t("notifications.mark_read"))
    : null;
  return h(
    "li",
    { class: unread ? "notification unread" : "notification", dataset: { id: item.id, kind: item.kind } },
    h(
      "div",
      {},
      h("p", { class: "small muted" }, kindLabel(item.kind), " · ", h("time", { datetime: item.created_at }, formatDateTime(item.created_at)), unread ? [" · ", h("strong", {}, t("notifications.unread"))] : null),
      h("p", {}, link ? h("a", { href: link }, readable(item.title)) : readable(item.title)),
      item.body ? h("p", { class: "small pre-wrap" }, readable(item.body)) : null,
    ),
    mark,
  );
}

function draftItem(draft) {
  return h(
    "li",
    { class: "notification", dataset: { id: draft.id } },
    h(
      "div",
      {},
      h("p", { class: "small muted" }, t("notifications.to"), " ", draft.recipient, " · ", h("time", { datetime: draft.created_at }, formatDateTime(draft.created_at))),
      h("p", {}, h("strong", {}, draft.subject || "—")),
      h("p", { class: "small pre-wrap" }, draft.body),
      draft.decision_id ? h("p", { class: "small" }, h("a", { href: `/passport/${draft.decision_id}` }, t("approvals.open_passport"))) : null,
    ),
  );
}

export async function render(root) {
  const list = h("ol", { class: "plain-list notifications-list", "aria-label": t("notifications.title") });
  const drafts = h("ol", { class: "plain-list drafts-list", "aria-label": t("notifications.drafts") });
  const markAll = h("button", { type: "button", class: "button" }, t("notifications.mark_all"));

  async function load() {
    const page = await api.get("/notifications", { limit: 100 });
    replace(list, page.items.length ? page.items.map((item) => notificationItem(item, read)) : h("li", { class: "empty" }, t("notifications.none")));
    markAll.disabled = !page.items.some((item) => !item.read_at);
  }
  async function read(id) {
    try {
      const result = await api.post("/web/notifications/read", id ? { ids: [id] } : {});
      setUnread(result.unread);
      announce(t("notifications.mark_read"));
      await load();
    } catch (error) {
      list.before(problemNotice(error));
    }
  }
  markAll.addEventListener("click", () => read(null));

  replace(
    root,
    h("div", { class: "page-head" }, h("h1", { class: "page-title" }, t("notifications.title")), h("div", { class: "page-actions" }, markAll)),
    h("section", { class: "card" }, h("div", { class: "card-body" }, list)),
    h("section", { class: "card", "aria-labelledby": "drafts-title" }, h("header", { class: "card-head" }, h("h2", { id: "drafts-title" }, t("notifications.drafts"))), h("div", { class: "card-body" }, drafts)),
  );
  await load();
  try {
    const page = await api.get("/messages", { status: "draft", limit: 50 });
    replace(drafts, page.items.length ? page.items.map(draftItem) : h("li", { class: "empty" }, t("notifications.no_drafts")));
  } catch (error) {
    replace(drafts, error.status === 403 ? h("li", { class: "empty" }, t("notifications.no_drafts")) : problemNotice(error));
  }
}
