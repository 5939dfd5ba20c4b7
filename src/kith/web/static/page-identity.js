// Identity graph: the review inbox (pairs side by side with the evidence; confirm,
// reject, never link, unmerge; Y / N / X on a focused pair) and the graph's quality
// (resolution rate, ghost customers, dormant persons, cluster sizes, backlog).

import { api, ApiError } from "./api.js";
import { announce, h, replace, uid } from "./dom.js";
import { problemNotice } from "./forms.js";
import { formatNumber, t } from "./i18n.js";
import { evidenceList, featureList, kindLabel, percent } from "./identity-view.js";

function stat(label, value, hint) {
  return h("div", { class: "identity-stat" }, h("p", { class: "small muted" }, label), h("p", { class: "identity-stat-value" }, value), hint ? h("p", { class: "small muted" }, hint) : null);
}

function qualityCard(q) {
  const none = t("identity.none");
  const sizes = Object.entries(q.cluster_sizes || {}).map(([size, n]) => h("li", {}, h("span", { class: "mono" }, size), " · ", formatNumber(n)));
  const suspicious = (q.suspicious_clusters || []).length
    ? h("ul", { class: "plain-list" }, q.suspicious_clusters.map((c) => h("li", {}, h("a", { href: "#", class: "mono" }, c.person_id.slice(0, 8)), " · ", formatNumber(c.identities))))
    : h("p", { class: "small muted" }, t("identity.suspicious_none"));
  return h(
    "section",
    { class: "card", "aria-labelledby": "identity-quality" },
    h("header", { class: "card-head" }, h("h2", { id: "identity-quality" }, t("identity.quality"))),
    h(
      "div",
      { class: "card-body" },
      h(
        "div",
        { class: "identity-stats" },
        stat(t("identity.resolution_rate"), q.resolution_rate === null ? none : percent(q.resolution_rate), t("identity.resolution_hint")),
        stat(t("identity.before"), q.resolution_rate_exact_keys === null ? none : percent(q.resolution_rate_exact_keys), t("identity.before_hint")),
        stat(t("identity.identities"), formatNumber(q.identities)),
        stat(t("identity.persons"), formatNumber(q.persons)),
        stat(t("identity.ghosts"), formatNumber(q.ghost_identities), t("identity.ghosts_hint")),
        stat(t("identity.dormant"), formatNumber(q.dormant_persons), t("identity.dormant_hint", { days: q.dormant_after_days })),
        stat(t("identity.backlog"), formatNumber(q.review_backlog)),
        stat(t("identity.precision"), q.estimated_precision === null ? none : percent(q.estimated_precision)),
      ),
      h("h3", {}, t("identity.cluster_sizes")),
      h("ul", { class: "plain-list identity-sizes" }, sizes),
      h("h3", {}, t("identity.suspicious")),
      suspicious,
    ),
  );
}

function side(label, node) {
  return h("div", { class: "identity-side" }, h("p", { class: "small muted" }, label, " · ", kindLabel(node.kind)), featureList(node.features));
}

function pairCard(pair, reload) {
  const titleId = uid("pair");
  const outcome = h("div", { role: "status", "aria-live": "polite" });
  const buttons = h("div", { class: "identity-actions" });
  const card = h(
    "li",
    { class: "card identity-pair", tabindex: "0", "aria-labelledby": titleId, dataset: { id: pair.id } },
    h(
      "header",
      { class: "card-head" },
      h("h3", { id: titleId }, t("identity.probability", { p: percent(pair.probability) })),
      h("span", { class: "small muted mono" }, t("identity.weight", { w: formatNumber(pair.match_weight, { maximumFractionDigits: 1 }) })),
    ),
    h(
      "div",
      { class: "card-body" },
      h("div", { class: "identity-sides" }, side(t("identity.left"), pair.left), side(t("identity.right"), pair.right)),
      h("h4", {}, t("identity.evidence")),
      evidenceList(pair.explanation),
      buttons,
      outcome,
    ),
  );

  function done(message, extra) {
    replace(outcome, h("p", { class: "notice notice-ok" }, message, " ", extra || null));
    announce(message);
    card.dataset.state = "decided";
  }

  async function unmerge(mergeId, button) {
    button.disabled = true;
    try {
      await api.post(`/identity/merges/${mergeId}/unmerge`, {});
      done(t("identity.unmerged"));
      await reload(false);
    } catch (error) {
      button.disabled = false;
      replace(outcome, problemNotice(error));
    }
  }

  async function askApproval(button) {
    button.disabled = true;
    try {
      await api.post("/identity/merges", { link_id: pair.id, high_risk: true });
      done(t("identity.pending"));
    } catch (error) {
      button.disabled = false;
      replace(outcome, problemNotice(error));
    }
  }

  async function decide(kind) {
    if (card.dataset.state === "decided") return;
    for (const b of buttons.querySelectorAll("button")) b.disabled = true;
    try {
      const result = await api.post(`/identity/proposals/${pair.id}/${kind}`, null);
      if (kind === "confirm") {
        const merged = result.merged;
        const undo = merged ? h("button", { type: "button", class: "button button-small", dataset: { action: "unmerge" } }, t("identity.unmerge")) : null;
        if (undo) undo.addEventListener("click", () => unmerge(merged.merge_id, undo));
        done(t("identity.merged"), undo);
      } else {
        done(kind === "reject" ? t("identity.rejected") : t("identity.never_linked"));
      }
      await reload(false);
    } catch (error) {
      for (const b of buttons.querySelectorAll("button")) b.disabled = false;
      const needsApproval = error instanceof ApiError && error.status === 409 && /approval/.test(error.message);
      const ask = needsApproval ? h("button", { type: "button", class: "button button-small", dataset: { action: "approval" } }, t("identity.request_approval")) : null;
      if (ask) ask.addEventListener("click", () => askApproval(ask));
      replace(outcome, problemNotice(error), ask);
    }
  }

  const actions = [
    ["confirm", "identity.confirm", "button button-primary", "Y"],
    ["reject", "identity.reject", "button", "N"],
    ["never-link", "identity.never", "button", "X"],
  ];
  replace(
    buttons,
    actions.map(([kind, label, cls, key]) => {
      const button = h("button", { type: "button", class: cls, dataset: { action: kind }, "aria-keyshortcuts": key }, t(label));
      button.addEventListener("click", () => decide(kind));
      return button;
    }),
  );
  card.addEventListener("keydown", (event) => {
    if (event.target !== card || event.ctrlKey || event.metaKey || event.altKey) return;
    const kind = { y: "confirm", n: "reject", x: "never-link" }[event.key.toLowerCase()];
    if (kind) {
      event.preventDefault();
      decide(kind);
    }
  });
  return card;
}

export async function render(root) {
  const quality = h("div", {});
  const inbox = h("ol", { class: "plain-list identity-inbox", "aria-label": t("identity.inbox") });

  async function load(withInbox = true) {
    const q = await api.get("/identity/quality");
    replace(quality, qualityCard(q));
    if (!withInbox) return;
    const page = await api.get("/identity/proposals", { limit: 50 });
    replace(inbox, page.items.length ? page.items.map((p) => pairCard(p, load)) : h("li", { class: "empty" }, t("identity.inbox_empty")));
  }

  replace(
    root,
    h("div", { class: "page-head" }, h("h1", { class: "page-title" }, t("identity.title"))),
    h("p", { class: "muted" }, t("identity.intro")),
    h(
      "div",
      { class: "identity-grid" },
      h(
        "section",
        { class: "card", "aria-labelledby": "identity-inbox" },
        h("header", { class: "card-head" }, h("h2", { id: "identity-inbox" }, t("identity.inbox"))),
        h("div", { class: "card-body" }, h("p", { class: "small muted" }, t("identity.keyboard_help")), inbox),
      ),
      quality,
    ),
  );
  await load();
}
