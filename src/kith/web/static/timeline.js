// A record's timeline (GET /{plural}/{id}/timeline): who did what, when, and what changed.

import { api } from "./api.js";
import { fieldSpec, objects, recordUrl } from "./boot.js";
import { renderValue } from "./display.js";
import { h, replace } from "./dom.js";
import { problemNotice } from "./forms.js";
import { actorKindLabel, enumLabel, fieldLabel, formatDateTime, formatDuration, formatMoney, t } from "./i18n.js";
import { eventTypeLabel } from "./labels.js";
import { prepareDisplay, resolveTitles, shortId, titleOf, userName } from "./refs.js";

const PAGE = 50;
const MASK = "***";
const LONG = 120;
const NOISE = new Set(["updated_at", "updated_by_id", "updated_by_kind", "version"]);

function eventLabel(entry) {
  const verb = entry.event_type.split(".").slice(1).join(".");
  const key = `event.${verb}`;
  const label = t(key);
  return label === key ? eventTypeLabel(entry.event_type) : label;
}

function changeValue(objectName, field, value) {
  if (value === MASK) return h("span", { class: "masked", title: t("timeline.masked") }, MASK);
  if (typeof value === "string" && (fieldSpec(objectName, field).kind === "longtext" || value.length > LONG)) {
    return h("span", { title: value }, value.length > LONG ? `${value.slice(0, LONG)}…` : value);
  }
  return renderValue(objectName, field, value, {});
}

function changesList(entry) {
  const changes = entry.payload && entry.payload.changes;
  if (!changes || typeof changes !== "object") return null;
  const items = Object.entries(changes)
    .filter(([field]) => !NOISE.has(field))
    .map(([field, pair]) => {
      const [before, after] = Array.isArray(pair) ? pair : [undefined, pair];
      return h(
        "li",
        {},
        h("span", { class: "change-field" }, fieldLabel(entry.subject_type, field)),
        ": ",
        h("span", { class: "change-old" }, changeValue(entry.subject_type, field, before)),
        h("span", { class: "change-arrow", "aria-label": t("timeline.changed_to") }, " → "),
        h("span", { class: "change-new" }, changeValue(entry.subject_type, field, after)),
      );
    });
  return items.length ? h("ul", { class: "changes" }, items) : null;
}

function detail(entry) {
  const payload = entry.payload || {};
  switch (entry.event_type) {
    case "deal.stage_changed":
      return h(
        "p",
        { class: "tl-detail" },
        "→ ",
        h("strong", {}, payload.stage_name || shortId(payload.to_stage_id)),
        payload.seconds_in_previous ? h("span", { class: "muted" }, ` (${t("timeline.after", { duration: formatDuration(payload.seconds_in_previous) })})`) : null,
      );
    case "ticket.status_changed":
      return h(
        "p",
        { class: "tl-detail" },
        enumLabel("ticket", "status", payload.from_status) || "—",
        " → ",
        h("strong", {}, enumLabel("ticket", "status", payload.to_status)),
      );
    case "deal.won":
    case "deal.lost":
      return payload.amount ? h("p", { class: "tl-detail" }, formatMoney(payload.amount)) : null;
    case "lead.converted":
      return h(
        "p",
        { class: "tl-detail" },
        ["account", "contact", "deal"]
          .filter((name) => payload[`${name}_id`])
          .map((name) => [h("a", { href: recordUrl(name, payload[`${name}_id`]) }, t(`object.${name}`)), " "]),
      );
    default:
      return changesList(entry);
  }
}

function actorName(entry) {
  if (entry.actor_kind === "system") return entry.actor_name || actorKindLabel("system");
  return entry.actor_name || userName(entry.actor_id) || shortId(entry.actor_id);
}

function entryNode(entry, objectName, recordId) {
  const isThis = entry.subject_type === objectName && entry.subject_id === recordId;
  const subject = isThis || !objects[entry.subject_type]
    ? null
    : [
      h("span", { class: "muted" }, t(`object.${entry.subject_type}`)),
      " ",
      titleOf(entry.subject_type, entry.subject_id) === null
        ? h("span", { class: "muted", title: entry.subject_id }, t("common.deleted_record"))
        : h("a", { href: recordUrl(entry.subject_type, entry.subject_id) }, titleOf(entry.subject_type, entry.subject_id) || shortId(entry.subject_id)),
    ];
  return h(
    "li",
    { class: "tl-item", dataset: { kind: entry.actor_kind } },
    h(
      "div",
      { class: "tl-head" },
      h("span", { class: "actor-badge", dataset: { kind: entry.actor_kind } }, actorKindLabel(entry.actor_kind)),
      " ",
      h("span", { class: "tl-actor" }, actorName(entry)),
      " ",
      h("span", { class: "tl-event" }, eventLabel(entry)),
      subject ? [" ", subject] : null,
    ),
    h("time", { class: "tl-time", datetime: entry.occurred_at, title: entry.occurred_at }, formatDateTime(entry.occurred_at)),
    detail(entry),
  );
}

/** Resolve the record titles a batch of entries mentions (subjects and changed references). */
async function prepare(entries) {
  const changed = new Map(); // subject type -> {records, fields}
  const subjects = new Map(); // subject type -> Set of ids
  for (const entry of entries) {
    const type = entry.subject_type;
    if (!objects[type]) continue;
    if (!subjects.has(type)) subjects.set(type, new Set());
    subjects.get(type).add(entry.subject_id);
    const changes = (entry.payload && entry.payload.changes) || {};
    for (const [field, pair] of Object.entries(changes)) {
      if (!changed.has(type)) changed.set(type, { records: [], fields: new Set() });
      const group = changed.get(type);
      group.fields.add(field);
      for (const value of [].concat(pair)) if (value !== MASK) group.records.push({ [field]: value });
    }
  }
  await Promise.all([
    ...[...changed].map(([type, group]) => prepareDisplay(type, group.records, [...group.fields])),
    ...[...subjects].map(([type, ids]) => resolveTitles(type, [...ids])),
  ]);
}

/** A timeline card for a record; reload() refreshes it after a change. */
export function timelineCard(objectName, record) {
  const plural = objects[objectName].plural;
  const list = h("ol", { class: "timeline" });
  const more = h("button", { type: "button", class: "button button-small", hidden: true }, t("timeline.more"));
  const body = h("div", { class: "card-body" }, h("p", { class: "muted" }, t("app.loading")));
  let last = null;

  async function fetchPage(before) {
    const page = await api.get(`/${plural}/${record.id}/timeline`, { limit: PAGE, before });
    await prepare(page.items);
    for (const entry of page.items) list.append(entryNode(entry, objectName, record.id));
    last = page.items.length ? page.items[page.items.length - 1].id : last;
    more.hidden = page.items.length < PAGE;
    return page.items.length;
  }

  async function reload() {
    list.replaceChildren();
    last = null;
    try {
      const count = await fetchPage(null);
      replace(body, count ? list : h("p", { class: "empty" }, t("timeline.empty")), more);
    } catch (error) {
      replace(body, problemNotice(error));
    }
  }

  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      await fetchPage(last);
    } finally {
      more.disabled = false;
    }
  });

  const card = h(
    "section",
    { class: "card", "aria-labelledby": "timeline-title" },
    h("header", { class: "card-head" }, h("h2", { id: "timeline-title" }, t("timeline.title"))),
    body,
  );
  reload();
  return { element: card, reload };
}
