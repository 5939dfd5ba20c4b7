// Field dispatch: the work orders waiting for dispatch, and the panel of the chosen one
// (customer, asset history, ranked engineers explained, assign / override with reason).

import { api } from "./api.js";
import { el, renderPanel } from "./dispatch-panel.js";
import { locale, t } from "./i18n.js";

export async function render(root) {
  if (!document.querySelector('link[href="/static/dispatch.css"]')) {
    document.head.append(el("link", { rel: "stylesheet", href: "/static/dispatch.css" }));
  }
  let page;
  try {
    page = await api.get("/work-orders", { status: ["proposed", "scheduled"], limit: 200 });
  } catch (problem) {
    if (problem.status === 403) {
      root.replaceChildren(el("p", {}, t("dispatch.no_access")));
      return;
    }
    throw problem;
  }
  const panel = el("div", { class: "kd-host" }, el("p", { class: "kd-muted" }, t("dispatch.choose")));
  const items = page.items.map((order) =>
    el(
      "li",
      {},
      el(
        "button",
        {
          type: "button",
          class: "kd-order",
          "data-order": order.id,
          on: {
            click: async (event) => {
              for (const b of root.querySelectorAll(".kd-order")) b.removeAttribute("aria-pressed");
              event.currentTarget.setAttribute("aria-pressed", "true");
              await renderPanel(panel, {
                t,
                locale,
                passportUrl: (id) => `/passport/${id}`,
                client: {
                  detail: () => api.get(`/work-orders/${order.id}`),
                  recommend: () => api.post(`/work-orders/${order.id}/recommendation`, {}),
                  assign: (body) => api.post(`/work-orders/${order.id}/assign`, body),
                },
              });
            },
          },
        },
        `${order.number} · ${t(`dispatch.kind.${order.kind}`)} · ${t(`dispatch.state.${order.status}`)}`,
        el("br"),
        el("small", {}, order.address),
      ),
    ),
  );
  root.replaceChildren(
    el(
      "div",
      { class: "kd-layout" },
      el("section", { "aria-label": t("dispatch.orders") }, el("h2", {}, t("dispatch.orders")), items.length ? el("ul", { class: "kd-orders" }, items) : el("p", {}, t("dispatch.none"))),
      panel,
    ),
  );
  const wanted = new URLSearchParams(location.search).get("order");
  const first = root.querySelector(wanted ? `[data-order="${CSS.escape(wanted)}"]` : ".kd-order");
  if (first) first.click();
}
