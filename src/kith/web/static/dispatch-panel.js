// The dispatch panel of one work order: customer, asset and its repair history, the
// ranked engineers with each ranking's factors and weights, and an assign button per
// engineer (an override of the first choice needs a reason). Dependency-free so the
// page (/dispatch) and the embeddable <kith-dispatch> (/embed/dispatch.js) share it:
// the caller passes `t` (messages) and a `client` {detail(), recommend(), assign(body)}.

const FACTORS = ["travel", "skill", "load", "window", "preference"];

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "on") for (const [name, fn] of Object.entries(value)) node.addEventListener(name, fn);
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function when(iso, locale) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(locale, { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "Asia/Shanghai" });
}

function factorBars(t, item) {
  return el(
    "dl",
    { class: "kd-factors" },
    FACTORS.map((name) => [
      el("dt", {}, t(`dispatch.factor.${name}`)),
      el(
        "dd",
        {},
        el("meter", { min: 0, max: 1, value: item.factors[name], "aria-label": t(`dispatch.factor.${name}`) }),
        ` ${item.factors[name].toFixed(2)} (+${item.contributions[name].toFixed(3)})`,
      ),
    ]),
  );
}

function excludedLine(t, counts) {
  const parts = Object.entries(counts || {}).map(([reason, n]) => t(`dispatch.reason.${reason}`, { n }));
  return parts.length ? el("p", { class: "kd-muted" }, t("dispatch.excluded", { reasons: parts.join(" · ") })) : null;
}

function problemText(problem) {
  const errors = (problem && problem.problem && problem.problem.errors) || [];
  const detail = (problem && problem.message) || String(problem);
  return errors.length ? `${detail}: ${errors.map((e) => e.msg).join("; ")}` : detail;
}

/** Render the panel of one work order into `root`; returns a refresh function. */
export async function renderPanel(root, { t, client, locale, passportUrl }) {
  const status = el("div", { role: "status", "aria-live": "polite", class: "kd-status" });
  async function refresh() {
    const order = await client.detail();
    let ranking = order.recommendation;
    const reasonId = `kd-reason-${order.id}`;
    const reason = el("textarea", { id: reasonId, rows: 2, maxlength: 2000 });

    async function assign(item) {
      const top = ranking && ranking.ranked[0];
      const text = reason.value.trim();
      if (top && item.engineer_id !== top.engineer_id && !text) {
        status.replaceChildren(el("p", { class: "kd-error" }, t("dispatch.reason_required")));
        reason.setAttribute("aria-invalid", "true");
        reason.focus();
        return;
      }
      try {
        const body = { engineer_id: item.engineer_id };
        if (text) body.reason = text;
        const done = await client.assign(body);
        const a = done.assignment;
        const message = a.override
          ? t("dispatch.assigned_override", { name: a.engineer_name })
          : t("dispatch.assigned", { name: a.engineer_name, time: when(a.scheduled_start, locale) });
        await refresh();
        status.replaceChildren(el("p", { class: "kd-ok" }, message, " ", passportUrl && done.decision_id ? el("a", { href: passportUrl(done.decision_id) }, t("dispatch.decision")) : null));
      } catch (problem) {
        status.replaceChildren(el("p", { class: "kd-error" }, problemText(problem)));
      }
    }

    async function rankAgain() {
      try {
        ranking = await client.recommend();
        await refresh();
      } catch (problem) {
        status.replaceChildren(el("p", { class: "kd-error" }, problemText(problem)));
      }
    }

    const open = order.status === "proposed" || order.status === "scheduled";
    const customer = order.customer;
    const rankedList = ranking && ranking.ranked.length
      ? el(
          "ol",
          { class: "kd-ranked" },
          ranking.ranked.map((item) =>
            el(
              "li",
              { class: "kd-card" },
              el("h4", {}, `${item.rank}. ${item.name} `, el("span", { class: "kd-badge" }, t("dispatch.score", { score: item.score.toFixed(3) }))),
              el("p", { class: "kd-muted" }, t("dispatch.distance", { km: item.distance_km, min: Math.round(item.travel_min) }), " · ", t(`dispatch.position.${item.position || "home"}`)),
              el("p", {}, t("dispatch.arrival", { time: when(item.arrival, locale) })),
              factorBars(t, item),
              open ? el("button", { type: "button", class: "button button-primary kd-assign", "data-engineer": item.engineer_id, on: { click: () => assign(item) } }, t("dispatch.assign", { name: item.name })) : null,
            ),
          ),
        )
      : el("p", { class: "kd-muted" }, t("dispatch.not_ranked"));
    const weights = ranking ? FACTORS.map((f) => `${t(`dispatch.factor.${f}`)} ${ranking.weights[f]}`).join(" · ") : "";

    root.replaceChildren(
      el(
        "section",
        { class: "kd-panel", "aria-label": order.number },
        el("h3", {}, `${order.number} · ${t(`dispatch.kind.${order.kind}`)} · ${t(`dispatch.state.${order.status}`)}`),
        el(
          "dl",
          { class: "kd-facts" },
          el("dt", {}, t("dispatch.customer")),
          el("dd", {}, customer ? customer.name : t("dispatch.no_customer")),
          el("dt", {}, t("dispatch.asset")),
          el("dd", {}, `${order.asset_model || ""} ${order.asset_serial}`.trim()),
          el("dt", {}, t("dispatch.address")),
          el("dd", {}, order.address),
          el("dt", {}, t("dispatch.window")),
          el("dd", {}, `${when(order.window_start, locale)} – ${when(order.window_end, locale)} · ${t("dispatch.duration", { n: order.duration_min })}`),
          el("dt", {}, t("dispatch.skills")),
          el("dd", {}, order.required_skills.join(", ") || "—"),
          order.engineer ? [el("dt", {}, t("dispatch.engineer")), el("dd", {}, order.engineer.name)] : null,
        ),
        el("h4", {}, t("dispatch.history")),
        order.asset_history.length
          ? el("ul", { class: "kd-history" }, order.asset_history.map((o) => el("li", {}, `${when(o.window_start, locale)} · ${t(`dispatch.kind.${o.kind}`)} · ${t(`dispatch.state.${o.status}`)}`)))
          : el("p", { class: "kd-muted" }, t("dispatch.no_history")),
        customer && customer.tickets.length
          ? [el("h4", {}, t("dispatch.tickets")), el("ul", {}, customer.tickets.map((k) => el("li", {}, `${k.subject} · ${k.status}`)))]
          : null,
        el("h4", {}, t("dispatch.ranked"), " ", open ? el("button", { type: "button", class: "button kd-rank", on: { click: rankAgain } }, t("dispatch.rank_again")) : null),
        ranking ? el("p", { class: "kd-muted" }, t("dispatch.weights", { weights })) : null,
        ranking ? excludedLine(t, ranking.excluded_counts) : null,
        open && ranking && ranking.ranked.length ? el("div", { class: "field" }, el("label", { for: reasonId }, t("dispatch.override_reason")), reason) : null,
        rankedList,
        status,
      ),
    );
  }
  await refresh();
  return refresh;
}
