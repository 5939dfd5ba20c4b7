// Related lists on a record page: e.g. an account's contacts, deals and tickets,
// fetched with list filters such as account_id:eq:<id>.

import { api } from "./api.js";
import { listUrl, objects } from "./boot.js";
import { h, replace, uid } from "./dom.js";
import { problemNotice } from "./forms.js";
import { t } from "./i18n.js";
import { can } from "./me.js";
import { prepareDisplay } from "./refs.js";
import { recordTable } from "./table.js";

const LIMIT = 10;
const MAX_COLUMNS = 4;

function relatedCard(relation, record, me) {
  const spec = objects[relation.object];
  const filter = `${relation.field}:eq:${record.id}`;
  const columns = spec.columns.filter((field) => field !== relation.field).slice(0, MAX_COLUMNS);
  const titleId = uid("related");
  const count = h("span", { class: "count" });
  const body = h("div", { class: "card-body" }, h("p", { class: "muted" }, t("app.loading")));
  const newLink = can(me, relation.object, "create")
    ? h("a", { class: "button button-small", href: `/o/${spec.plural}/new?${relation.field}=${record.id}` }, t("common.new"))
    : null;
  const allLink = h("a", { href: listUrl(relation.object, { filter }) }, t("record.view_all"));
  const card = h(
    "section",
    { class: "card related", "aria-labelledby": titleId },
    h("header", { class: "card-head" }, h("h2", { id: titleId }, spec.label, " ", count), h("div", { class: "card-actions" }, newLink, allLink)),
    body,
  );
  (async () => {
    try {
      const page = await api.get(`/${spec.plural}`, { filter, limit: LIMIT, sort: spec.default_sort });
      count.textContent = page.next_cursor ? `${page.items.length}+` : String(page.items.length);
      if (!page.items.length) {
        card.classList.add("is-empty");
        body.replaceChildren();
        return;
      }
      await prepareDisplay(relation.object, page.items, columns);
      replace(body, recordTable(relation.object, page.items, columns, { caption: spec.label }));
    } catch (error) {
      replace(body, problemNotice(error));
    }
  })();
  return card;
}

/** Cards for the related lists of `objectName` the user may read. */
export function relatedCards(objectName, record, me) {
  return objects[objectName].related
    .filter((relation) => can(me, relation.object, "read"))
    .map((relation) => relatedCard(relation, record, me));
}
