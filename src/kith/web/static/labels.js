// Labels for internal names (tools, purposes, event types, roles): what a person reads,
// from the catalogue in the page's language. The raw name stays in the title attribute.

import { h } from "./dom.js";
import { has, t } from "./i18n.js";

function named(prefix, value) {
  return value && has(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : value;
}

export const toolLabel = (name) => named("tool", name);
export const purposeLabel = (name) => named("purpose", name);
export const eventTypeLabel = (type) => named("event_type", type);
export const roleName = (name) => named("admin.role", name);

/** A tool as a person reads it: its label, the technical name on hover. */
export function toolTag(name) {
  if (!name) return h("span", { class: "muted" }, "—");
  return h("span", { class: "tool-name", title: name, dataset: { tool: name } }, toolLabel(name));
}
