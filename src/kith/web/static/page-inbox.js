// The shared inbox (GET /api/v1/inbox/conversations, /conversations/{id}): conversations
// with status filters and "load more" (keyset cursor), the thread with attachments and
// delivery status, internal notes, the customer panel (profile, open tickets, consent) and
// the reply box (POST .../reply: the gateway tool inbox.reply).

import { api } from "./api.js";
import { recordUrl } from "./boot.js";
import { announce, h, replace } from "./dom.js";
import { problemNotice } from "./forms.js";
import { formatDateTime, t } from "./i18n.js";

const FILTERS = ["open", "waiting", "closed", "all", "mine"];
const STATUSES = ["open", "waiting", "closed"];

function badge(value, text) {
  return h("span", { class: "badge", dataset: { value } }, text);
}

function conversationItem(c, selected, open) {
  const link = h(
    "a",
    { href: `/inbox?conversation=${c.id}` },
    h("div", { class: "who" }, c.contact_name || t("inbox.unknown_customer")),
    h("div", { class: "subject" }, c.subject || "—"),
    h(
      "div",
      { class: "inbox-meta" },
      badge(c.status, t(`inbox.status.${c.status}`)),
      h("span", {}, t(`inbox.channel.${c.channel}`)),
      h("span", {}, formatDateTime(c.last_message_at)),
      c.overdue ? badge("overdue", t("inbox.overdue")) : null,
    ),
  );
  link.addEventListener("click", (event) => {
    event.preventDefault();
    open(c.id);
  });
  return h("li", { class: "inbox-item", dataset: { id: c.id, status: c.status }, "aria-current": String(c.id === selected) }, link);
}

function messageCard(m) {
  const attachments = m.attachments.length
    ? h(
        "ul",
        { class: "small", "aria-label": t("inbox.attachments") },
        m.attachments.map((a) =>
          h("li", {}, `${a.filename} (${Math.ceil(a.size / 1024)} KB)`, a.skipped ? h("span", { class: "muted" }, " · ", t(`inbox.attachment.${a.skipped}`)) : null),
        ),
      )
    : null;
  const delivery = m.direction === "outbound" ? badge(m.delivery_status, t(`inbox.delivery.${m.delivery_status}`)) : null;
  return h(
    "article",
    { class: "inbox-message", dataset: { direction: m.direction, id: m.id } },
    h(
      "div",
      { class: "inbox-meta" },
      h("strong", {}, m.from_name || m.from_addr || t(`inbox.direction.${m.direction}`)),
      h("span", {}, formatDateTime(m.sent_at)),
      delivery,
      m.deleted_on_server ? h("span", { class: "muted" }, t("inbox.deleted_on_server")) : null,
    ),
    m.subject ? h("div", { class: "small" }, m.subject) : null,
    h("p", { class: "body" }, m.text),
    m.last_error && m.delivery_status !== "sent" ? h("p", { class: "small mailbox-error" }, m.last_error) : null,
    attachments,
  );
}

function customerPanel(customer) {
  const c = customer.contact;
  const section = (title, body) => h("section", { class: "card" }, h("div", { class: "card-body" }, h("h3", {}, title), body));
  return h(
    "aside",
    { class: "inbox-panel", "aria-label": t("inbox.customer") },
    section(
      t("inbox.customer"),
      c
        ? h(
            "div",
            {},
            h("p", {}, h("a", { href: recordUrl("contact", c.id) }, c.name)),
            c.title ? h("p", { class: "small" }, c.title) : null,
            c.email ? h("p", { class: "small" }, c.email) : null,
            c.mobile || c.phone ? h("p", { class: "small" }, c.mobile || c.phone) : null,
            customer.account ? h("p", { class: "small" }, t("inbox.account"), ": ", h("a", { href: recordUrl("account", customer.account.id) }, customer.account.name)) : null,
          )
        : h("p", { class: "muted" }, t("inbox.unknown_customer")),
    ),
    section(
      t("inbox.open_tickets"),
      customer.open_tickets.length
        ? h("ul", { class: "small" }, customer.open_tickets.map((x) => h("li", {}, h("a", { href: recordUrl("ticket", x.id) }, x.subject))))
        : h("p", { class: "muted small" }, t("inbox.no_tickets")),
    ),
    section(
      t("inbox.consent"),
      customer.consent.length
        ? h("ul", { class: "small" }, customer.consent.map((x) => h("li", {}, t(`consent.purpose_value.${x.purpose}`), " · ", t(`consent.channel_value.${x.channel}`), ": ", t(`consent.state_value.${x.state}`))))
        : h("p", { class: "muted small" }, t("inbox.no_consent")),
    ),
  );
}

function threadView(data, reload) {
  const c = data.conversation;
  const status = h("p", { class: "list-status", role: "status", "aria-live": "polite" });
  const statusButtons = h(
    "div",
    { class: "inbox-status", role: "group", "aria-label": t("inbox.set_status") },
    STATUSES.filter((s) => s !== c.status).map((s) => {
      const b = h("button", { type: "button", class: "button button-small", dataset: { status: s } }, t("inbox.set_status"), " ", t(`inbox.status.${s}`));
      b.addEventListener("click", async () => {
        b.disabled = true;
        try {
          await api.patch(`/inbox/conversations/${c.id}?version=${c.version}`, { status: s });
          await reload(c.id);
        } catch (error) {
          replace(status, problemNotice(error));
          b.disabled = false;
        }
      });
      return b;
    }),
  );
  const note = h("textarea", { "aria-label": t("inbox.notes"), placeholder: t("inbox.note_placeholder"), rows: 2 });
  const addNote = h("button", { type: "button", class: "button button-small" }, t("inbox.add_note"));
  addNote.addEventListener("click", async () => {
    if (!note.value.trim()) return;
    addNote.disabled = true;
    try {
      await api.post(`/inbox/conversations/${c.id}/notes`, { body: note.value });
      await reload(c.id);
    } catch (error) {
      replace(status, problemNotice(error));
      addNote.disabled = false;
    }
  });
  const box = h("textarea", { class: "reply-box", "aria-label": t("inbox.reply"), placeholder: t("inbox.reply_placeholder"), rows: 5 });
  const send = h("button", { type: "submit", class: "button" }, t("inbox.send"));
  const form = h("form", { class: "inbox-compose" }, box, h("div", { class: "actions" }, send));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!box.value.trim()) return;
    send.disabled = true;
    try {
      const out = await api.post(`/inbox/conversations/${c.id}/reply`, { body: box.value });
      const said =
        out.status === "pending_approval"
          ? t("inbox.pending_approval")
          : out.delivery_status === "sent"
            ? t("inbox.sent")
            : t("inbox.retrying", { error: out.last_error || "" });
      announce(said);
      await reload(c.id, said);
    } catch (error) {
      replace(status, problemNotice(error));
      send.disabled = false;
    }
  });
  return [
    h(
      "section",
      { class: "inbox-thread", "aria-labelledby": "thread-title" },
      h("h2", { id: "thread-title" }, c.subject || "—"),
      h(
        "div",
        { class: "inbox-meta" },
        badge(c.status, t(`inbox.status.${c.status}`)),
        c.overdue ? badge("overdue", t("inbox.overdue")) : c.sla_due_at ? h("span", {}, t("inbox.due", { when: formatDateTime(c.sla_due_at) })) : null,
        h("span", {}, t("inbox.messages", { n: c.message_count })),
      ),
      statusButtons,
      status,
      data.messages.map(messageCard),
      h(
        "section",
        { "aria-label": t("inbox.notes") },
        h("h3", {}, t("inbox.notes")),
        data.notes.map((n) => h("p", { class: "inbox-note small" }, h("strong", {}, n.author_name || ""), " · ", formatDateTime(n.created_at), h("br"), n.body)),
        note,
        h("div", {}, addNote),
      ),
      h("h3", {}, t("inbox.reply")),
      c.contact_id ? form : h("p", { class: "muted" }, t("inbox.no_contact")),
    ),
    customerPanel(data.customer),
  ];
}

export async function render(root, page) {
  const params = new URLSearchParams(location.search);
  let filter = FILTERS.includes(params.get("status")) ? params.get("status") : "open";
  let selected = page.conversation || null;
  const list = h("ol", { class: "inbox-list", "aria-label": t("inbox.conversations") });
  const more = h("button", { type: "button", class: "button button-small", hidden: true }, t("inbox.more"));
  const thread = h("div", { class: "inbox-detail" }, h("p", { class: "muted" }, t("inbox.pick")));
  const filters = h(
    "div",
    { class: "inbox-filters", role: "group", "aria-label": t("inbox.filter") },
    FILTERS.map((f) => {
      const b = h("button", { type: "button", class: "button button-small", dataset: { filter: f }, "aria-pressed": String(f === filter) }, f === "all" || f === "mine" ? t(`inbox.filter.${f}`) : t(`inbox.status.${f}`));
      b.addEventListener("click", () => {
        filter = f;
        filters.querySelectorAll("button").forEach((x) => x.setAttribute("aria-pressed", String(x.dataset.filter === f)));
        loadList();
      });
      return b;
    }),
  );
  let cursor = null;

  async function openConversation(id, said) {
    selected = id;
    history.replaceState(null, "", `/inbox?conversation=${id}`);
    list.querySelectorAll("li").forEach((li) => li.setAttribute("aria-current", String(li.dataset.id === id)));
    try {
      const data = await api.get(`/inbox/conversations/${id}`);
      replace(thread, said ? h("p", { class: "said", role: "status" }, said) : null, ...threadView(data, openConversation));
      thread.scrollIntoView({ block: "start" });
    } catch (error) {
      replace(thread, problemNotice(error));
    }
  }

  async function loadList(append = false) {
    const query = { limit: 30 };
    if (STATUSES.includes(filter)) query.status = filter;
    if (filter === "mine") query.mine = true;
    if (append && cursor) query.cursor = cursor;
    try {
      const page = await api.get("/inbox/conversations", query);
      cursor = page.next_cursor;
      more.hidden = !cursor;
      const items = page.items.map((c) => conversationItem(c, selected, openConversation));
      if (append) list.append(...items);
      else replace(list, items.length ? items : h("li", { class: "empty" }, t("inbox.none")));
    } catch (error) {
      replace(list, problemNotice(error));
    }
  }
  more.addEventListener("click", () => loadList(true));

  replace(
    root,
    h("div", { class: "page-head" }, h("h1", { class: "page-title" }, t("inbox.title")), h("a", { class: "button button-small", href: "/inbox/mailboxes" }, t("inbox.settings"))),
    h("div", { class: "inbox" }, h("section", { "aria-label": t("inbox.conversations") }, filters, list, more), thread),
  );
  await loadList();
  if (selected) await openConversation(selected);
}
