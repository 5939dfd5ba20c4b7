// A list of records: search, quick filters, sortable columns and cursor pagination,
// saved views, a column chooser, bulk actions on selected rows and CSV import.
// The URL holds the query (q, filter, sort, cols, cursor); history.state holds the cursors
// of the previous pages, so Back/Forward and "Previous" both work.

import { api } from "./api.js";
import { objects } from "./boot.js";
import { renderValue } from "./display.js";
import { debounce, h, replace, uid } from "./dom.js";
import { problemNotice } from "./forms.js";
import { enumLabel, fieldLabel, formatNumber, t } from "./i18n.js";
import {
  bulkChangeOwner,
  bulkDelete,
  columnsControl,
  download,
  failureReport,
  importDialog,
  recordsCsv,
  viewsControl,
} from "./list-tools.js";
import { can, loadMe, loadUsers } from "./me.js";
import { prepareDisplay } from "./refs.js";
import { SEGMENT_OBJECTS, saveSegmentControl } from "./segment-save.js";
import { recordTable } from "./table.js";

const PAGE_SIZE = 25;

function readState() {
  const params = new URLSearchParams(location.search);
  return {
    q: params.get("q") || "",
    sort: params.get("sort") || "",
    filters: params.getAll("filter"),
    columns: (params.get("cols") || "").split(",").filter(Boolean),
    cursor: params.get("cursor") || "",
    stack: (history.state && history.state.stack) || [],
  };
}

function stateUrl(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  for (const filter of state.filters) params.append("filter", filter);
  if (state.sort) params.set("sort", state.sort);
  if (state.columns && state.columns.length) params.set("cols", state.columns.join(","));
  if (state.cursor) params.set("cursor", state.cursor);
  const query = params.toString();
  return location.pathname + (query ? `?${query}` : "");
}

function parseFilter(text) {
  const [field, op, ...rest] = text.split(":");
  return { field, op, value: rest.join(":") };
}

export async function render(root, page) {
  const objectName = page.object;
  const spec = objects[objectName];
  const me = await loadMe();
  if (!can(me, objectName, "read")) {
    replace(root, h("h1", { class: "page-title" }, spec.label), h("p", { class: "notice" }, t("error.no_access")));
    return;
  }
  let state = readState();
  const validColumns = (columns) => (columns || []).filter((field) => field in spec.fields);
  const shownColumns = () => (validColumns(state.columns).length ? validColumns(state.columns) : spec.columns);
  const optionLabel = (field, option) => (spec.fields[field].kind === "bool"
    ? t(option === "true" ? "common.yes" : "common.no")
    : enumLabel(objectName, field, option));
  const mineFilter = `owner_id:eq:${me.id}`;

  // --- controls -------------------------------------------------------------
  const searchId = uid("list-q");
  const searchInput = h("input", { id: searchId, type: "search", name: "q", value: state.q, placeholder: t("list.search_placeholder", { object: spec.label }) });
  const quickSelects = spec.quick_filters.map((quick) => {
    const id = uid(`qf-${quick.field}`);
    const select = h(
      "select",
      { id, dataset: { field: quick.field } },
      h("option", { value: "" }, t("list.any")),
      quick.options.map((option) => h("option", { value: option }, optionLabel(quick.field, option))),
    );
    return { field: quick.field, select, element: h("div", { class: "field field-inline" }, h("label", { for: id }, fieldLabel(objectName, quick.field)), select) };
  });
  const mineId = uid("mine");
  const mineBox = h("input", { id: mineId, type: "checkbox" });
  const chips = h("ul", { class: "chips", "aria-label": t("list.active_filters") });
  const status = h("p", { class: "list-status muted", role: "status" });
  const results = h("div", { class: "list-results" });
  const prevButton = h("button", { type: "button", class: "button" }, t("list.previous"));
  const nextButton = h("button", { type: "button", class: "button" }, t("list.next"));
  const pageLabel = h("span", { class: "muted" });
  const pager = h("nav", { class: "pager", "aria-label": t("list.pagination") }, prevButton, pageLabel, nextButton);

  const newButton = can(me, objectName, "create")
    ? h("a", { class: "button button-primary", href: `/o/${spec.plural}/new` }, t("common.new"))
    : null;
  // Pipelines are not in the navigation; deals lead to them.
  const pipelinesLink = objectName === "deal" && can(me, "pipeline", "read")
    ? h("a", { class: "button", href: `/o/${objects.pipeline.plural}` }, objects.pipeline.label)
    : null;
  // Contacts and accounts: the current filters can be saved as a refreshable segment.
  const segmentSave = SEGMENT_OBJECTS.has(objectName) && can(me, "segment", "create")
    ? saveSegmentControl({ objectName, current: () => ({ filters: state.filters, q: state.q }) })
    : null;

  // --- views, columns, import, bulk ------------------------------------------------------
  const views = viewsControl({
    userId: me.id,
    objectName,
    current: () => ({ q: state.q, filters: state.filters, sort: state.sort, columns: validColumns(state.columns) }),
    onApply: (view) => {
      navigate({ q: view.q || "", filters: view.filters || [], sort: view.sort || "", columns: validColumns(view.columns) });
      syncControls();
    },
  });
  const columnsSlot = h("div", { class: "columns-slot" });
  function renderColumnsControl() {
    replace(columnsSlot, columnsControl(objectName, spec, shownColumns(), (columns) => navigate({ columns }, { keepCursor: true })));
  }
  const importer = can(me, objectName, "create") || can(me, objectName, "update")
    ? importDialog(objectName, spec, () => load())
    : null;

  const selected = new Set();
  let currentItems = [];
  const mayUpdate = can(me, objectName, "update") && "owner_id" in spec.fields;
  const mayDelete = can(me, objectName, "delete");
  const selectedCount = h("span", { class: "bulk-count", role: "status" });
  const ownerId = uid("bulk-owner");
  const ownerSelect = h("select", { id: ownerId }, h("option", { value: "" }, t("lists.choose_owner")));
  const ownerButton = h("button", { type: "button", class: "button button-small" }, t("lists.change_owner"));
  const deleteButton = h("button", { type: "button", class: "button button-small button-danger" }, t("lists.delete_selected"));
  const exportButton = h("button", { type: "button", class: "button button-small" }, t("lists.export_selected"));
  const bulkBar = h(
    "div",
    { class: "bulk-bar", role: "region", "aria-label": t("lists.bulk_actions"), hidden: true },
    selectedCount,
    mayUpdate ? h("span", { class: "field-inline" }, h("label", { for: ownerId }, t("lists.new_owner")), ownerSelect, ownerButton) : null,
    mayDelete ? deleteButton : null,
    exportButton,
  );
  const bulkReport = h("div", { class: "bulk-report-slot", tabindex: "-1" });
  const confirmDialog = h("dialog", { class: "small-dialog" });

  if (mayUpdate) {
    loadUsers().then((users) => {
      for (const user of users.values()) if (user.is_active !== false) ownerSelect.append(h("option", { value: user.id }, user.name || user.email));
    });
  }
  function selectedRecords() {
    return currentItems.filter((record) => selected.has(record.id));
  }
  function updateBulkBar() {
    const n = selected.size;
    bulkBar.hidden = n === 0;
    selectedCount.textContent = t("lists.selected", { n });
  }
  async function runBulk(kind, action) {
    const records = selectedRecords();
    if (!records.length) return;
    for (const button of [ownerButton, deleteButton, exportButton]) button.disabled = true;
    const progressText = (done) => t("lists.working", { done, total: records.length });
    replace(bulkReport, h("p", { class: "muted", role: "status" }, progressText(0)));
    const failures = await action(records, (done) => { bulkReport.firstChild.textContent = progressText(done); });
    const ok = records.length - failures.length;
    replace(bulkReport, failureReport(objectName, spec.plural, failures, t(`lists.${kind}_result`, { ok, failed: failures.length })));
    for (const button of [ownerButton, deleteButton, exportButton]) button.disabled = false;
    selected.clear();
    await load();
    bulkReport.focus();
  }
  ownerButton.addEventListener("click", () => {
    if (!ownerSelect.value) {
      ownerSelect.focus();
      return;
    }
    runBulk("owner", (records, progress) => bulkChangeOwner(spec.plural, records, ownerSelect.value, progress));
  });
  deleteButton.addEventListener("click", () => {
    const n = selected.size;
    replace(
      confirmDialog,
      h("p", {}, t("lists.confirm_delete", { n, object: spec.label })),
      h(
        "div",
        { class: "form-actions" },
        h("button", { type: "button", class: "button button-danger", on: { click: () => { confirmDialog.close(); runBulk("delete", (records, progress) => bulkDelete(spec.plural, records, progress)); } } }, t("lists.delete_selected")),
        h("button", { type: "button", class: "button", on: { click: () => confirmDialog.close() } }, t("common.cancel")),
      ),
    );
    confirmDialog.showModal();
  });
  exportButton.addEventListener("click", () => {
    const records = selectedRecords();
    download(`${spec.plural}-selected.csv`, recordsCsv(records, shownColumns(), spec.fields));
    replace(bulkReport, h("p", { class: "notice notice-ok", role: "status" }, t("lists.exported", { n: records.length })));
  });

  replace(
    root,
    h("header", { class: "page-head" }, h("h1", { class: "page-title" }, spec.label), h("div", { class: "page-actions" }, pipelinesLink, importer && importer.button, segmentSave && segmentSave.status, segmentSave && segmentSave.button, newButton)),
    h(
      "form",
      { class: "toolbar", role: "search", on: { submit: (event) => { event.preventDefault(); navigate({ q: searchInput.value.trim() }); } } },
      h("div", { class: "field field-inline field-grow" }, h("label", { for: searchId }, t("list.search")), searchInput),
      quickSelects.map((quick) => quick.element),
      h("div", { class: "field field-inline check" }, mineBox, h("label", { for: mineId }, t("list.mine"))),
    ),
    h("div", { class: "list-tools" }, views, columnsSlot),
    chips,
    bulkBar,
    bulkReport,
    status,
    results,
    pager,
    importer && importer.dialog,
    confirmDialog,
    segmentSave && segmentSave.dialog,
  );

  // --- state <-> controls ------------------------------------------------------
  function syncControls() {
    searchInput.value = state.q;
    for (const quick of quickSelects) {
      const match = state.filters.map(parseFilter).find((f) => f.field === quick.field && f.op === "eq");
      quick.select.value = match ? match.value : "";
    }
    mineBox.checked = state.filters.includes(mineFilter);
    renderColumnsControl();
  }

  function navigate(changes, { replaceEntry = false, keepCursor = false } = {}) {
    state = { ...state, ...changes };
    if (!keepCursor) {
      state.cursor = "";
      state.stack = [];
    }
    const method = replaceEntry ? "replaceState" : "pushState";
    history[method]({ stack: state.stack }, "", stateUrl(state));
    load();
  }

  function setFilter(field, value) {
    const filters = state.filters.filter((f) => parseFilter(f).field !== field);
    if (value) filters.push(`${field}:eq:${value}`);
    navigate({ filters });
  }

  searchInput.addEventListener("input", debounce(() => navigate({ q: searchInput.value.trim() }, { replaceEntry: true }), 300));
  for (const quick of quickSelects) quick.select.addEventListener("change", () => setFilter(quick.field, quick.select.value));
  mineBox.addEventListener("change", () => setFilter("owner_id", mineBox.checked ? me.id : ""));
  nextButton.addEventListener("click", () => {
    if (!state.next) return;
    navigate({ cursor: state.next, stack: [...state.stack, state.cursor] }, { keepCursor: true });
    results.focus();
  });
  prevButton.addEventListener("click", () => {
    if (!state.stack.length) return;
    navigate({ cursor: state.stack[state.stack.length - 1], stack: state.stack.slice(0, -1) }, { keepCursor: true });
  });
  window.addEventListener("popstate", () => {
    state = readState();
    syncControls();
    load();
  });

  function onSort(field) {
    const current = state.sort || spec.default_sort || "";
    const sort = current === field ? `-${field}` : field;
    navigate({ sort });
  }

  async function renderChips() {
    const quickFields = new Set(spec.quick_filters.map((quick) => quick.field));
    const extra = state.filters.filter((text) => {
      const f = parseFilter(text);
      return !(f.op === "eq" && (quickFields.has(f.field) || text === mineFilter));
    });
    const parsed = extra.map(parseFilter);
    await prepareDisplay(objectName, parsed.map((f) => ({ [f.field]: f.value })), parsed.map((f) => f.field));
    replace(
      chips,
      extra.map((text, index) => {
        const f = parsed[index];
        const value = f.op === "eq" ? renderValue(objectName, f.field, f.value, {}).textContent : `${f.op} ${f.value}`;
        const label = `${fieldLabel(objectName, f.field)}: ${value}`;
        return h(
          "li",
          { class: "chip" },
          h("span", {}, label),
          h("button", {
            type: "button",
            class: "chip-remove",
            "aria-label": t("list.remove_filter", { filter: label }),
            on: { click: () => navigate({ filters: state.filters.filter((x) => x !== text) }) },
          }, "×"),
        );
      }),
    );
  }

  let loadSequence = 0;
  async function load() {
    const mine = ++loadSequence;
    results.setAttribute("aria-busy", "true");
    renderChips();
    let page;
    try {
      page = await api.get(`/${spec.plural}`, {
        q: state.q,
        filter: state.filters,
        sort: state.sort || spec.default_sort,
        cursor: state.cursor,
        limit: PAGE_SIZE,
        total: true,
      });
      await prepareDisplay(objectName, page.items, shownColumns());
    } catch (error) {
      if (mine !== loadSequence) return;
      replace(results, problemNotice(error));
      status.textContent = "";
      results.setAttribute("aria-busy", "false");
      prevButton.disabled = !state.stack.length;
      nextButton.disabled = true;
      return;
    }
    if (mine !== loadSequence) return;
    state.next = page.next_cursor;
    currentItems = page.items;
    selected.clear();
    updateBulkBar();
    const pageNumber = state.stack.length + 1;
    if (!page.items.length) {
      const filtered = state.q || state.filters.length;
      replace(results, h("p", { class: "empty" }, filtered ? t("list.no_match") : t("list.empty", { object: spec.label })));
    } else {
      const select = { selected, onChange: updateBulkBar };
      replace(results, recordTable(objectName, page.items, shownColumns(), { sort: state.sort || spec.default_sort, onSort, caption: spec.label, select }));
    }
    status.textContent = page.total === null || page.total === undefined
      ? t("list.showing", { n: page.items.length, page: pageNumber })
      : t("list.total", { total: formatNumber(page.total), page: pageNumber });
    pageLabel.textContent = t("list.page", { page: pageNumber });
    prevButton.disabled = !state.stack.length;
    nextButton.disabled = !page.next_cursor;
    pager.hidden = !state.stack.length && !page.next_cursor;
    results.setAttribute("aria-busy", "false");
  }

  results.setAttribute("tabindex", "-1");
  syncControls();
  await load();
}
