// Practices and value anchors (GET /api/v1/practices, /api/v1/practices/{id}/effect,
// GET /api/v1/anchors): what the signed-in person may see, with states, the measured
// effect on request, and each anchor's progress and the drivers of its gap.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { problemNotice } from "./forms.js";
import { formatDate, formatNumber, locale, t } from "./i18n.js";

const STATE_BADGE = { private: "pending", in_review: "pending", published: "open", retired: "closed" };

function pct(value) {
  return value == null ? "—" : formatNumber(value, { style: "percent", maximumFractionDigits: 0, signDisplay: "exceptZero" });
}

function effectLine(effect) {
  const c = effect.comparison;
  const a = effect.adoption;
  const adoption = t("playbooks.adoption", { reps: a.reps, deals: a.deals });
  const claim =
    c.lift == null
      ? t("playbooks.no_lift", { n: c.applied_matched })
      : t("playbooks.lift", { lift: pct(c.lift), lo: pct(c.win_rate.ci[0]), hi: pct(c.win_rate.ci[1]), n: c.applied_matched });
  return h("p", { class: "small" }, adoption, " · ", claim);
}

function practiceItem(p) {
  const effect = h("div", { class: "practice-effect" });
  const button = h("button", { type: "button", class: "button button-small" }, t("playbooks.show_effect"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      replace(effect, effectLine(await api.get(`/practices/${p.id}/effect`)));
    } catch (error) {
      replace(effect, problemNotice(error));
    }
  });
  const labels = (items) => h("ul", { class: "small" }, items.map((x) => h("li", {}, x.label)));
  return h(
    "li",
    { class: "card practice", dataset: { id: p.id, state: p.state } },
    h(
      "div",
      { class: "card-body" },
      h("h3", {}, p.title, " ", h("span", { class: "badge", dataset: { value: STATE_BADGE[p.state] || "pending" } }, t(`playbooks.state.${p.state}`))),
      p.summary ? h("p", { class: "small pre-wrap" }, p.summary) : null,
      p.actions.length ? [h("p", { class: "small muted" }, t("playbooks.actions")), labels(p.actions)] : null,
      p.verification.length ? [h("p", { class: "small muted" }, t("playbooks.points")), labels(p.verification)] : null,
      p.breaker ? h("p", { class: "small" }, h("span", { class: "muted" }, t("playbooks.breaker"), ": "), p.breaker.label) : null,
      p.state === "published" || p.state === "retired" ? h("div", {}, button, effect) : null,
    ),
  );
}

function anchorItem(a) {
  const latest = a.latest;
  const track = !latest ? t("playbooks.not_computed") : latest.on_track ? t("playbooks.on_track") : t("playbooks.off_track");
  const sentence = latest ? (locale.startsWith("zh") ? latest.sentence_zh : latest.sentence_en) : null;
  return h(
    "li",
    { class: "card anchor", dataset: { id: a.id } },
    h(
      "div",
      { class: "card-body" },
      h("h3", {}, a.name, " ", h("span", { class: "badge", dataset: { value: latest && latest.on_track ? "open" : "pending" } }, track)),
      h("p", { class: "small" }, t("playbooks.value", { value: latest ? formatNumber(latest.value) : "—", target: formatNumber(a.target) }), " · ", t("playbooks.deadline", { date: formatDate(a.deadline) })),
      sentence ? h("p", { class: "small" }, h("span", { class: "muted" }, t("playbooks.drivers"), ": "), sentence) : null,
    ),
  );
}

export async function render(root) {
  const practices = h("ol", { class: "plain-list practices-list", "aria-label": t("playbooks.practices") });
  const anchors = h("ol", { class: "plain-list anchors-list", "aria-label": t("playbooks.anchors") });
  replace(
    root,
    h("div", { class: "page-head" }, h("h1", { class: "page-title" }, t("playbooks.title"))),
    h("section", { "aria-labelledby": "anchors-title" }, h("h2", { id: "anchors-title" }, t("playbooks.anchors")), anchors),
    h("section", { "aria-labelledby": "practices-title" }, h("h2", { id: "practices-title" }, t("playbooks.practices")), practices),
  );
  const [p, a] = await Promise.allSettled([api.get("/practices"), api.get("/anchors")]);
  if (p.status === "fulfilled") replace(practices, p.value.length ? p.value.map(practiceItem) : h("li", { class: "empty" }, t("playbooks.none")));
  else replace(practices, problemNotice(p.reason));
  if (a.status === "fulfilled") replace(anchors, a.value.length ? a.value.map(anchorItem) : h("li", { class: "empty" }, t("playbooks.no_anchors")));
  else replace(anchors, problemNotice(a.reason));
}
