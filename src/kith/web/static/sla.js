// Ticket SLA states: met, late (met after the due time), breached, at risk, on track.

import { h } from "./dom.js";
import { formatNumber, formatRelative, t } from "./i18n.js";

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

const HOUR_MS = 60 * 60 * 1000;

/** Whole hours (at least 1) between now and the due time: "breached by 3 h", "5 h left". */
export function slaDistance(dueAt, now = Date.now()) {
  const hours = Math.max(1, Math.round(Math.abs(Date.parse(dueAt) - now) / HOUR_MS));
  return t("duration.hours_short", { n: formatNumber(hours) });
}

/** The resolution SLA of a ticket as a compact cell: how far past or before the due time. */
export function ticketDueCell(ticket, now = Date.now()) {
  const state = slaState(ticket.resolution_due_at, ticket.resolved_at, ticket.created_at, now);
  if (!ticket.resolution_due_at) return h("span", { class: "muted" }, "—");
  const showBadge = state === "breached" || state === "at_risk";
  const open = state !== "met" && state !== "late";
  const text = !open
    ? formatRelative(ticket.resolution_due_at)
    : t(state === "breached" ? "sla.breached_by" : "sla.due_in", { duration: slaDistance(ticket.resolution_due_at, now) });
  return h(
    "span",
    { class: "sla-cell" },
    h("time", { datetime: ticket.resolution_due_at, title: ticket.resolution_due_at }, text),
    showBadge && state !== "breached" ? [" ", slaBadge(state)] : null,
  );
}
