// Ticket SLA states: met, late (met after the due time), breached, at risk, on track.

import { h } from "./dom.js";
import { formatRelative, t } from "./i18n.js";

const AT_RISK_SHARE = 0.25; // at risk when less than a quarter of the window is left
const AT_RISK_FALLBACK_MS = 60 * 60 * 1000;

/**
 * dueAt: when the SLA is due; doneAt: when it was met (or null);
 * startedAt: when the clock started (the ticket's created_at).
 */
export function slaState(dueAt, doneAt, startedAt, now = Date.now()) {
  if (!dueAt) return null;
  const due = Date.parse(dueAt);
  if (doneAt) return Date.parse(doneAt) <= due ? "met" : "late";
  if (now > due) return "breached";
  const started = startedAt ? Date.parse(startedAt) : NaN;
  const threshold = Number.isNaN(started) ? AT_RISK_FALLBACK_MS : (due - started) * AT_RISK_SHARE;
  return due - now <= threshold ? "at_risk" : "on_track";
}

export function slaBadge(state) {
  if (!state) return null;
  return h("span", { class: "badge sla", dataset: { sla: state } }, t(`sla.${state}`));
}

/** The resolution SLA of a ticket as a compact cell: relative due time + badge when urgent. */
export function ticketDueCell(ticket) {
  const state = slaState(ticket.resolution_due_at, ticket.resolved_at, ticket.created_at);
  if (!ticket.resolution_due_at) return h("span", { class: "muted" }, "—");
  const showBadge = state === "breached" || state === "at_risk";
  return h(
    "span",
    { class: "sla-cell" },
    h("time", { datetime: ticket.resolution_due_at, title: ticket.resolution_due_at }, formatRelative(ticket.resolution_due_at)),
    showBadge ? [" ", slaBadge(state)] : null,
  );
}
