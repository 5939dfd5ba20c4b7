// Search results across objects (GET /api/v1/search), grouped by object type.

import { api } from "./api.js";
import { objects, recordUrl } from "./boot.js";
import { h, replace, uid } from "./dom.js";
import { problemNotice } from "./forms.js";
import { objectLabel, t } from "./i18n.js";

export async function render(root, page) {
  const query = (page.q || "").trim();
  const heading = h("h1", { class: "page-title" }, query ? t("search.results_for", { q: query }) : t("search.title"));
  if (!query) {
    replace(root, heading, h("p", { class: "empty" }, t("search.enter_query")));
    document.getElementById("global-search")?.focus();
    return;
  }
  let result;
  try {
    result = await api.get("/search", { q: query, limit: 20 });
  } catch (error) {
    replace(root, heading, problemNotice(error));
    return;
  }
  const groups = new Map();
  for (const hit of result.items) {
    if (!groups.has(hit.object_type)) groups.set(hit.object_type, []);
    groups.get(hit.object_type).push(hit);
  }
  if (!groups.size) {
    replace(root, heading, h("p", { class: "empty" }, t("search.no_results")));
    return;
  }
  const sections = [...groups].map(([type, hits]) => {
    const id = uid("search-group");
    return h(
      "section",
      { class: "card", "aria-labelledby": id },
      h("header", { class: "card-head" }, h("h2", { id }, objectLabel(type), " ", h("span", { class: "count" }, hits.length))),
      h(
        "ul",
        { class: "hit-list" },
        hits.map((hit) =>
          h(
            "li",
            {},
            h("a", { href: recordUrl(type, hit.id) }, hit.title),
            hit.subtitle ? h("span", { class: "muted" }, ` · ${hit.subtitle}`) : null,
          ),
        ),
      ),
      objects[type].searchable
        ? h("p", { class: "card-foot" }, h("a", { href: `/o/${objects[type].plural}?q=${encodeURIComponent(query)}` }, t("search.more_in", { object: objectLabel(type) })))
        : null,
    );
  });
  replace(root, heading, h("div", { class: "search-groups" }, sections));
}
