// Pipeline board: the deals of one pipeline as columns by stage.
// Drag a card (or pick it up with the keyboard) to another stage: PATCH /deals/{id} with the
// version the board read. A 409 never overwrites: the card goes back and a dialog shows what
// the other person changed, with "move anyway" (a new PATCH with the current version) or
// "keep theirs". 500 deals: cards are built once into fragments, every column shows its first
// COLUMN_PAGE cards with "show more", and all events are delegated to the board element.

import { ApiError, api } from "./api.js";
import { recordUrl } from "./boot.js";
import { renderValue } from "./display.js";
import { announce, h, replace } from "./dom.js";
import { problemNotice } from "./forms.js";
import { actorKindLabel, fieldLabel, formatDate, formatDateTime, formatMoney, formatNumber, t } from "./i18n.js";
import { can, canOnRecord, loadMe } from "./me.js";
import { loadStages, loadUserNames, resolveTitles, titleOf, userName } from "./refs.js";

const PAGE_SIZE = 200;
const MAX_DEALS = 2000;
const COLUMN_PAGE = 60;
const COMPARED = ["stage_id", "status", "amount", "currency", "probability", "expected_close", "owner_id", "name", "account_id", "lost_reason"];

async function fetchDeals(pipelineId, mine, me) {
  const filter = [`pipeline_id:eq:${pipelineId}`];
  if (mine) filter.push(`owner_id:eq:${me.id}`);
  const deals = [];
  let cursor;
  do {
    const page = await api.get("/deals", { filter, sort: "-updated_at", limit: PAGE_SIZE, cursor });
    deals.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && deals.length < MAX_DEALS);
  return { deals, truncated: Boolean(cursor) };
}

function sumAmounts(deals) {
  const byCurrency = new Map();
  for (const deal of deals) {
    if (deal.amount === undefined || deal.amount === null) continue;
    const currency = deal.currency || "CNY";
    byCurrency.set(currency, (byCurrency.get(currency) || 0) + Number(deal.amount));
  }
  return [...byCurrency].map(([currency, total]) => formatMoney(total, currency)).join(" + ");
}

export async function render(root, page) {
  const me = await loadMe();
  if (!can(me, "deal", "read")) {
    replace(root, h("h1", { class: "page-title" }, t("board.title")), h("p", { class: "empty" }, t("board.no_access")));
    return;
  }
  const pipelines = (await api.get("/pipelines", { limit: PAGE_SIZE })).items;
  if (!pipelines.length) {
    replace(root, h("h1", { class: "page-title" }, t("board.title")), h("p", { class: "empty" }, t("board.no_pipelines")));
    return;
  }
  const params = new URLSearchParams(location.search);
  const chosen =
    pipelines.find((p) => p.id === (page.pipeline || params.get("pipeline"))) ||
    pipelines.find((p) => p.is_default) ||
    pipelines[0];

  const select = h(
    "select",
    { id: "board-pipeline" },
    pipelines.map((p) => h("option", { value: p.id, selected: p.id === chosen.id }, p.name)),
  );
  const mine = h("input", { type: "checkbox", id: "board-mine", checked: params.get("mine") === "1" });
  const status = h("p", { class: "list-status", role: "status", "aria-live": "polite" });
  const boardArea = h("div", { class: "board-area" }, h("p", { class: "muted" }, t("app.loading")));
  const dialog = h("dialog", { class: "board-dialog", "aria-labelledby": "board-dialog-title" });

  replace(
    root,
    h("div", { class: "page-head" }, h("h1", { class: "page-title" }, t("board.title"))),
    h(
      "div",
      { class: "toolbar" },
      h("div", { class: "field field-inline" }, h("label", { for: "board-pipeline" }, t("board.pipeline")), select),
      h("label", { class: "check" }, mine, " ", t("list.mine")),
      can(me, "deal", "create") ? h("a", { class: "button button-small", href: `/o/deals/new?pipeline_id=${chosen.id}` }, t("common.new")) : null,
    ),
    h("p", { class: "field-hint", id: "board-help" }, t("board.keyboard_help")),
    status,
    boardArea,
    dialog,
  );

  let board = null;
  async function load() {
    const pipelineId = select.value;
    const url = new URL(location.href);
    url.searchParams.set("pipeline", pipelineId);
    if (mine.checked) url.searchParams.set("mine", "1");
    else url.searchParams.delete("mine");
    history.replaceState(null, "", url.pathname + url.search);
    boardArea.setAttribute("aria-busy", "true");
    try {
      const [stages, { deals, truncated }] = await Promise.all([loadStages(pipelineId), fetchDeals(pipelineId, mine.checked, me)]);
      await Promise.all([resolveTitles("account", deals.map((d) => d.account_id).filter(Boolean)), loadUserNames()]);
      board = new Board({ me, stages, deals, dialog, status });
      replace(boardArea, board.element);
      status.textContent = truncated ? t("board.truncated", { n: formatNumber(deals.length) }) : t("board.loaded", { n: formatNumber(deals.length) });
    } catch (error) {
      replace(boardArea, problemNotice(error instanceof ApiError ? error : new ApiError(0, { detail: String(error) })));
    } finally {
      boardArea.setAttribute("aria-busy", "false");
    }
  }
  select.addEventListener("change", load);
  mine.addEventListener("change", load);
  await load();
}

class Board {
  constructor({ me, stages, deals, dialog, status }) {
    this.me = me;
    this.stages = stages;
    this.dialog = dialog;
    this.status = status;
    this.deals = new Map(deals.map((d) => [d.id, d]));
    this.columns = new Map(); // stage id -> {stage, list, count, total, more, shown}
    this.grabbed = null; // keyboard move: {id, target index}
    this.element = h("div", { class: "board", role: "region", "aria-label": t("board.title"), "aria-describedby": "board-help" });
    const known = new Set(stages.map((s) => s.id));
    for (const stage of stages) this.element.append(this.buildColumn(stage));
    const orphans = deals.filter((d) => !known.has(d.stage_id));
    if (orphans.length) this.element.append(this.buildColumn({ id: "", name: t("board.other_stage"), kind: "open" }));
    this.renderAll();
    this.bindEvents();
  }

  /** The deals of a column; the "" column holds deals whose stage is not in this pipeline. */
  dealsIn(stageId) {
    const all = [...this.deals.values()];
    if (stageId) return all.filter((d) => d.stage_id === stageId);
    return all.filter((d) => !this.columns.has(d.stage_id));
  }

  buildColumn(stage) {
    const titleId = `stage-${stage.id || "other"}`;
    const count = h("span", { class: "count" });
    const total = h("p", { class: "board-total" });
    const list = h("ol", { class: "board-list", "aria-labelledby": titleId });
    const more = h("button", { type: "button", class: "link-button board-more", hidden: true });
    more.addEventListener("click", () => {
      column.shown += COLUMN_PAGE;
      this.renderColumn(column);
    });
    const section = h(
      "section",
      { class: "board-column", dataset: { stage: stage.id, kind: stage.kind || "open" }, "aria-labelledby": titleId },
      h("header", { class: "board-column-head" }, h("h2", { id: titleId }, stage.name, " ", count), total),
      list,
      more,
    );
    const column = { stage, section, list, count, total, more, shown: COLUMN_PAGE };
    this.columns.set(stage.id, column);
    return section;
  }

  renderAll() {
    for (const column of this.columns.values()) this.renderColumn(column);
  }

  renderColumn(column) {
    const deals = this.dealsIn(column.stage.id);
    const fragment = document.createDocumentFragment();
    for (const deal of deals.slice(0, column.shown)) fragment.append(this.card(deal));
    column.list.replaceChildren(fragment);
    column.count.textContent = formatNumber(deals.length);
    column.count.setAttribute("aria-label", t("home.count", { n: deals.length }));
    column.total.textContent = sumAmounts(deals);
    const hidden = deals.length - Math.min(deals.length, column.shown);
    column.more.hidden = hidden <= 0;
    column.more.textContent = t("board.show_more", { n: formatNumber(hidden) });
  }

  card(deal) {
    const movable = canOnRecord(this.me, "deal", "update", deal);
    const account = deal.account_id ? titleOf("account", deal.account_id) : null;
    const owner = deal.owner_id ? userName(deal.owner_id) : null;
    return h(
      "li",
      {
        class: "board-card",
        tabindex: "0",
        draggable: movable ? "true" : "false",
        dataset: { id: deal.id },
        "aria-roledescription": t("board.card_role"),
        "aria-label": [deal.name, account, deal.amount != null ? formatMoney(deal.amount, deal.currency) : null].filter(Boolean).join(", "),
      },
      h("a", { href: recordUrl("deal", deal.id), class: "board-card-title", tabindex: "-1" }, deal.name),
      account ? h("p", { class: "board-card-sub" }, account) : null,
      h(
        "p",
        { class: "board-card-meta" },
        deal.amount != null ? h("span", { class: "num" }, formatMoney(deal.amount, deal.currency)) : null,
        deal.expected_close ? h("time", { datetime: deal.expected_close }, formatDate(deal.expected_close)) : null,
        owner ? h("span", { class: "muted" }, owner) : null,
        deal.status && deal.status !== "open" ? renderValue("deal", "status", deal.status, deal) : null,
      ),
    );
  }

  cardElement(id) {
    return this.element.querySelector(`.board-card[data-id="${CSS.escape(id)}"]`);
  }

  bindEvents() {
    const el = this.element;
    el.addEventListener("dragstart", (event) => {
      const card = event.target.closest && event.target.closest(".board-card");
      if (!card || card.getAttribute("draggable") !== "true") return;
      event.dataTransfer.setData("text/plain", card.dataset.id);
      event.dataTransfer.effectAllowed = "move";
      card.classList.add("is-dragging");
      this.dragging = card.dataset.id;
    });
    el.addEventListener("dragend", (event) => {
      const card = event.target.closest && event.target.closest(".board-card");
      if (card) card.classList.remove("is-dragging");
      this.clearDropTargets();
      this.dragging = null;
    });
    el.addEventListener("dragover", (event) => {
      const column = event.target.closest && event.target.closest(".board-column");
      if (!column || !this.dragging) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      if (!column.classList.contains("is-target")) {
        this.clearDropTargets();
        column.classList.add("is-target");
      }
    });
    el.addEventListener("drop", (event) => {
      const column = event.target.closest && event.target.closest(".board-column");
      if (!column) return;
      event.preventDefault();
      const id = event.dataTransfer.getData("text/plain") || this.dragging;
      this.clearDropTargets();
      if (id) this.move(id, column.dataset.stage);
    });
    el.addEventListener("keydown", (event) => this.onKey(event));
  }

  clearDropTargets() {
    for (const node of this.element.querySelectorAll(".board-column.is-target")) node.classList.remove("is-target");
  }

  stageIndex(stageId) {
    return this.stages.findIndex((s) => s.id === stageId);
  }

  onKey(event) {
    const card = event.target.closest && event.target.closest(".board-card");
    if (!card) return;
    const id = card.dataset.id;
    const deal = this.deals.get(id);
    if (this.grabbed && this.grabbed.id === id) {
      if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
        event.preventDefault();
        const step = event.key === "ArrowRight" ? 1 : -1;
        this.grabbed.target = Math.max(0, Math.min(this.stages.length - 1, this.grabbed.target + step));
        this.clearDropTargets();
        const stage = this.stages[this.grabbed.target];
        this.columns.get(stage.id).section.classList.add("is-target");
        announce(t("board.over", { stage: stage.name }));
      } else if (event.key === " " || event.key === "Enter") {
        event.preventDefault();
        const stage = this.stages[this.grabbed.target];
        this.grabbed = null;
        card.classList.remove("is-grabbed");
        card.removeAttribute("aria-pressed");
        this.clearDropTargets();
        this.move(id, stage.id);
      } else if (event.key === "Escape") {
        event.preventDefault();
        this.grabbed = null;
        card.classList.remove("is-grabbed");
        card.removeAttribute("aria-pressed");
        this.clearDropTargets();
        announce(t("board.cancelled"));
      }
      return;
    }
    if (event.key === " " && card.getAttribute("draggable") === "true") {
      event.preventDefault();
      this.grabbed = { id, target: Math.max(0, this.stageIndex(deal.stage_id)) };
      card.classList.add("is-grabbed");
      card.setAttribute("aria-pressed", "true");
      announce(t("board.grabbed", { deal: deal.name }));
    } else if (event.key === "Enter") {
      event.preventDefault();
      location.assign(recordUrl("deal", id));
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const sibling = event.key === "ArrowDown" ? card.nextElementSibling : card.previousElementSibling;
      if (sibling) sibling.focus();
    } else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      const columns = [...this.element.querySelectorAll(".board-column")];
      const here = columns.indexOf(card.closest(".board-column"));
      const next = columns[here + (event.key === "ArrowRight" ? 1 : -1)];
      const first = next && next.querySelector(".board-card");
      if (first) first.focus();
    }
  }

  /** Put a deal (as now known) into its column and refresh the two columns involved. */
  place(deal, previousStage) {
    this.deals.set(deal.id, deal);
    for (const stageId of new Set([previousStage, deal.stage_id])) {
      const column = this.columns.get(stageId) || this.columns.get("");
      if (column) this.renderColumn(column);
    }
  }

  async move(id, stageId) {
    const deal = this.deals.get(id);
    if (!deal || deal.stage_id === stageId) return;
    const stage = this.stages.find((s) => s.id === stageId);
    if (!stage) return;
    // Optimistic: show the card in its new column while the PATCH is in flight.
    const before = deal;
    this.place({ ...deal, stage_id: stageId }, deal.stage_id);
    const pending = this.cardElement(id);
    if (pending) pending.classList.add("is-pending");
    try {
      const saved = await api.patch(`/deals/${id}`, { version: before.version, stage_id: stageId });
      this.place(saved, stageId);
      announce(t("board.moved", { deal: saved.name, stage: stage.name }));
      this.status.textContent = t("board.moved", { deal: saved.name, stage: stage.name });
      const card = this.cardElement(id);
      if (card) card.focus();
    } catch (error) {
      this.place(before, stageId);
      if (error instanceof ApiError && error.status === 409) {
        await this.showConflict(before, stage);
      } else {
        this.showError(error);
      }
    }
  }

  showError(error) {
    replace(
      this.dialog,
      problemNotice(error instanceof ApiError ? error : new ApiError(0, { detail: String(error) })),
      h("div", { class: "form-actions" }, h("button", { type: "button", class: "button", on: { click: () => this.dialog.close() } }, t("board.close"))),
    );
    this.dialog.showModal();
  }

  async showConflict(mine, stage) {
    let current;
    let last = null;
    try {
      current = await api.get(`/deals/${mine.id}`);
      const timeline = await api.get(`/deals/${mine.id}/timeline`, { limit: 1 });
      last = (timeline.items || [])[0] || null;
    } catch (error) {
      this.showError(error);
      return;
    }
    this.place(current, mine.stage_id);
    const stageName = (stageId) => (this.stages.find((s) => s.id === stageId) || {}).name || stageId || "—";
    const show = (field, value, record) => {
      if (field === "stage_id") return stageName(value);
      if (value === null || value === undefined || value === "") return "—";
      return renderValue("deal", field, value, record);
    };
    const changed = COMPARED.filter((f) => f in current && JSON.stringify(current[f]) !== JSON.stringify(mine[f]));
    const rows = changed.map((field) =>
      h("tr", {}, h("th", { scope: "row" }, fieldLabel("deal", field)), h("td", {}, show(field, mine[field], mine)), h("td", {}, show(field, current[field], current))),
    );
    const who = last ? `${last.actor_name || ""} (${actorKindLabel(last.actor_kind)})` : null;
    const already = current.stage_id === stage.id;
    const moveAnyway = already ? null : h("button", { type: "button", class: "button button-primary" }, t("board.move_anyway", { stage: stage.name }));
    const keep = h("button", { type: "button", class: "button" }, t("board.keep_theirs"));
    if (moveAnyway) {
      moveAnyway.addEventListener("click", () => {
        this.dialog.close();
        this.move(current.id, stage.id);
      });
    }
    keep.addEventListener("click", () => {
      this.dialog.close();
      const card = this.cardElement(current.id);
      if (card) card.focus();
    });
    replace(
      this.dialog,
      h("h2", { id: "board-dialog-title" }, t("board.conflict_title")),
      h("p", {}, t("board.conflict_body", { deal: current.name, stage: stage.name })),
      who ? h("p", { class: "muted" }, t("board.changed_by", { who, time: formatDateTime(last.occurred_at || current.updated_at) })) : null,
      rows.length
        ? h(
            "table",
            { class: "mini-table conflict-table" },
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("conflict.field")), h("th", { scope: "col" }, t("board.you_saw")), h("th", { scope: "col" }, t("conflict.current")))),
            h("tbody", {}, rows),
          )
        : h("p", {}, t("board.conflict_other_fields")),
      h("div", { class: "form-actions" }, moveAnyway, keep),
    );
    this.dialog.showModal();
    keep.focus();
  }
}
