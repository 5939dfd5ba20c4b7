// Mailbox settings (GET/POST /api/v1/inbox/mailboxes, POST .../{id}/sync): each mailbox
// with its sync status (ok, syncing, sign-in failed, unreachable), last sync, last error
// and next try; "sync now"; a form to connect a mailbox (the password is sent once and
// never shown again).

import { api } from "./api.js";
import { announce, h, replace } from "./dom.js";
import { problemNotice } from "./forms.js";
import { formatDateTime, t } from "./i18n.js";

const SECURITY = ["ssl", "starttls", "none"];

function mailboxCard(box, reload) {
  const status = h("p", { class: "small", role: "status", "aria-live": "polite" });
  const sync = h("button", { type: "button", class: "button button-small" }, t("mailboxes.sync_now"));
  sync.addEventListener("click", async () => {
    sync.disabled = true;
    try {
      const out = await api.post(`/inbox/mailboxes/${box.id}/sync`, {});
      const said = t("mailboxes.synced", { fetched: out.fetched, stored: out.stored });
      announce(said);
      await reload(said);
    } catch (error) {
      replace(status, problemNotice(error));
      sync.disabled = false;
    }
  });
  return h(
    "li",
    { class: "card mailbox", dataset: { id: box.id, status: box.status } },
    h(
      "div",
      { class: "card-body" },
      h("h3", {}, box.name, " ", h("span", { class: "badge", dataset: { value: box.status } }, t(`mailboxes.status.${box.status}`))),
      h("p", { class: "small" }, box.address, " · ", box.shared ? t("mailboxes.shared") : t("mailboxes.personal")),
      h("p", { class: "small" }, box.last_sync_at ? t("mailboxes.last_sync", { when: formatDateTime(box.last_sync_at) }) : t("mailboxes.never_synced"), " · ", t("mailboxes.messages", { n: box.messages })),
      box.last_error ? h("p", { class: "small mailbox-error" }, t("mailboxes.last_error"), ": ", box.last_error) : null,
      box.failures && box.next_sync_at ? h("p", { class: "small" }, t("mailboxes.next_sync", { when: formatDateTime(box.next_sync_at) })) : null,
      h("p", { class: "small muted" }, t("mailboxes.password_kept")),
      sync,
      status,
    ),
  );
}

function field(name, input) {
  return h("label", {}, h("span", {}, t(`mailboxes.${name}`)), input);
}

function securitySelect(name) {
  return h("select", { name }, SECURITY.map((s) => h("option", { value: s }, t(`mailboxes.security.${s}`))));
}

function connectForm(reload) {
  const input = (name, type = "text", extra = {}) => h("input", { name, type, required: true, ...extra });
  const controls = {
    name: input("name"),
    address: input("address", "email"),
    imap_host: input("imap_host"),
    imap_port: input("imap_port", "number", { value: "993", min: "1", max: "65535" }),
    imap_security: securitySelect("imap_security"),
    imap_user: input("imap_user"),
    imap_password: input("imap_password", "password", { autocomplete: "new-password" }),
    smtp_host: h("input", { name: "smtp_host", type: "text" }),
    smtp_port: h("input", { name: "smtp_port", type: "number", value: "465", min: "1", max: "65535" }),
  };
  const status = h("div", { role: "status", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "mailbox-connect" },
    h(
      "div",
      { class: "mailbox-form" },
      field("name", controls.name),
      field("address", controls.address),
      field("imap_host", controls.imap_host),
      field("imap_port", controls.imap_port),
      field("security", controls.imap_security),
      field("imap_user", controls.imap_user),
      field("imap_password", controls.imap_password),
      field("smtp_host", controls.smtp_host),
      field("smtp_port", controls.smtp_port),
    ),
    h("p", {}, h("button", { type: "submit", class: "button" }, t("mailboxes.add"))),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      name: controls.name.value,
      address: controls.address.value,
      imap_host: controls.imap_host.value,
      imap_port: Number(controls.imap_port.value),
      imap_security: controls.imap_security.value,
      imap_user: controls.imap_user.value,
      imap_password: controls.imap_password.value,
    };
    if (controls.smtp_host.value) {
      body.smtp_host = controls.smtp_host.value;
      body.smtp_port = Number(controls.smtp_port.value);
      body.smtp_user = controls.imap_user.value;
      body.smtp_password = controls.imap_password.value;
    }
    try {
      await api.post("/inbox/mailboxes", body);
      controls.imap_password.value = "";
      await reload(t("mailboxes.saved"));
    } catch (error) {
      replace(status, problemNotice(error));
    }
  });
  return form;
}

export async function render(root) {
  const list = h("ol", { class: "plain-list mailboxes-list", "aria-label": t("mailboxes.title") });
  const said = h("p", { role: "status", "aria-live": "polite" });
  async function reload(message) {
    said.textContent = message || "";
    try {
      const boxes = await api.get("/inbox/mailboxes");
      replace(list, boxes.length ? boxes.map((b) => mailboxCard(b, reload)) : h("li", { class: "empty" }, t("mailboxes.none")));
    } catch (error) {
      replace(list, problemNotice(error));
    }
  }
  replace(
    root,
    h("div", { class: "page-head" }, h("h1", { class: "page-title" }, t("mailboxes.title")), h("a", { class: "button button-small", href: "/inbox" }, t("inbox.back"))),
    said,
    list,
    h("section", { "aria-labelledby": "connect-title" }, h("h2", { id: "connect-title" }, t("mailboxes.add")), connectForm(reload)),
  );
  await reload();
}
