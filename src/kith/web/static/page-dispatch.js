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
  let chosen = null; // the work order whose panel is open (bays are reserved for it)
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
              chosen = order;
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
    await bays(() => chosen),
  );
  const wanted = new URLSearchParams(location.search).get("order");
  const first = root.querySelector(wanted ? `[data-order="${CSS.escape(wanted)}"]` : ".kd-order");
  if (first) first.click();
}

// Bays at the service providers: a day's slots with the free bays in each; a free slot
// can be reserved (for the chosen work order when one is open). A full slot is refused
// by the server too (409, shown as it says).
async function bays(chosenOrder) {
  const section = el("section", { class: "kd-bays", "aria-label": t("dispatch.bays") }, el("h2", {}, t("dispatch.bays")));
  let providers;
  try {
    providers = (await api.get("/field-providers")).items;
  } catch (problem) {
    if (problem.status === 403) return section;
    throw problem;
  }
  if (!providers.length) {
    section.append(el("p", { class: "kd-muted" }, t("dispatch.bays_none")));
    return section;
  }
  const tomorrow = new Date(Date.now() + 86400000).toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
  const select = el("select", { id: "kd-bays-provider" }, providers.map((p) => el("option", { value: p.id }, `${p.name}${p.city ? ` · ${p.city}` : ""}`)));
  const day = el("input", { id: "kd-bays-day", type: "date", value: tomorrow });
  const list = el("ul", { class: "kd-slots" });
  const status = el("p", { class: "kd-muted", role: "status" });
  async function load() {
    const answer = await api.get(`/field-providers/${select.value}/slots`, { day: day.value });
    list.replaceChildren(
      ...answer.slots.map((slot) =>
        el(
          "li",
          { class: slot.free ? "kd-slot" : "kd-slot kd-slot-full" },
          el("span", {}, `${slot.start}–${slot.end}`),
          el("span", {}, slot.free ? t("dispatch.slot_free", { free: slot.free, bays: answer.bays }) : t("dispatch.slot_full")),
          slot.free
            ? el(
                "button",
                {
                  type: "button",
                  "data-slot": slot.start,
                  on: {
                    click: async () => {
                      const order = chosenOrder();
                      const body = { day: day.value, start: slot.start, ...(order ? { work_order_id: order.id } : {}) };
                      try {
                        const done = await api.post(`/field-providers/${select.value}/reservations`, body);
                        await load();
                        status.className = "kd-ok";
                        status.textContent = t("dispatch.reserved", { start: done.start, end: done.end, left: done.bays_left });
                      } catch (problem) {
                        status.className = "kd-error";
                        status.textContent = problem.detail || String(problem);
                      }
                    },
                  },
                },
                chosenOrder() ? t("dispatch.reserve") : t("dispatch.reserve_any"),
              )
            : null,
        ),
      ),
    );
  }
  select.addEventListener("change", load);
  day.addEventListener("change", load);
  section.append(
    el("div", { class: "kd-bays-pick" }, el("label", { for: "kd-bays-provider" }, t("dispatch.bays_provider")), select, el("label", { for: "kd-bays-day" }, t("dispatch.bays_day")), day),
    list,
    status,
  );
  await load();
  return section;
}
