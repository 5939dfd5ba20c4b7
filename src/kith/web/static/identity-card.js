// A contact's person: every identity the graph links to it (app user, mini-program,
// branch card, call centre…) with its last activity, and the merges with an undo.

import { api, ApiError } from "./api.js";
import { announce, h, replace } from "./dom.js";
import { problemNotice } from "./forms.js";
import { formatDateTime, t } from "./i18n.js";
import { featureList, kindLabel } from "./identity-view.js";

function identityItem(node) {
  return h(
    "li",
    { class: "identity-node", dataset: { kind: node.kind } },
    h("p", {}, h("strong", {}, kindLabel(node.kind)), " ", h("span", { class: "small muted mono" }, node.ref)),
    featureList(node.features),
    node.last_activity_at ? h("p", { class: "small muted" }, t("identity.last_activity"), " ", formatDateTime(node.last_activity_at)) : null,
  );
}

export async function identityCard(record) {
  const body = h("div", { class: "card-body" });
  const section = h("section", { class: "card identity-card", "aria-labelledby": "identity-person" }, h("header", { class: "card-head" }, h("h2", { id: "identity-person" }, t("identity.person"))), body);

  async function load() {
    let found;
    try {
      found = await api.get(`/identity/contacts/${record.id}`);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
        replace(body, h("p", { class: "muted small" }, t("identity.not_in_graph")));
        return;
      }
      replace(body, problemNotice(error));
      return;
    }
    const person = found.person;
    const merges = person.merges.filter((m) => !m.undone_at);
    replace(
      body,
      h("p", { class: "small muted" }, t("identity.person_intro", { id: person.id.slice(0, 8) })),
      h("ul", { class: "plain-list identity-nodes" }, person.identities.map(identityItem)),
      merges.length
        ? [
            h("h3", {}, t("identity.merges")),
            h(
              "ul",
              { class: "plain-list" },
              merges.map((m) => {
                const undo = h("button", { type: "button", class: "button button-small" }, t("identity.unmerge"));
                undo.addEventListener("click", async () => {
                  undo.disabled = true;
                  try {
                    await api.post(`/identity/merges/${m.id}/unmerge`, {});
                    announce(t("identity.unmerged"));
                    await load();
                  } catch (error) {
                    undo.disabled = false;
                    undo.after(problemNotice(error));
                  }
                });
                return h("li", {}, formatDateTime(m.created_at), " ", m.reason || "", " ", undo);
              }),
            ),
          ]
        : null,
    );
  }
  await load();
  return section;
}
