// Messages and locale-aware formatting (Intl) for the current language.

import { boot, objects } from "./boot.js";

export const locale = boot.locale || "zh-CN";
const messages = boot.messages || {};

/** t("list.page", {page: 3}) -> the message for the current locale with {n} filled in. */
export function t(key, vars) {
  const template = messages[key];
  if (template === undefined) return key;
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

export function has(key) {
  return key in messages;
}

function firstMessage(keys, fallback) {
  for (const key of keys) if (key in messages) return messages[key];
  return fallback;
}

export function objectLabel(name) {
  return (objects[name] && objects[name].label) || name;
}

function humanize(name) {
  return name.replace(/_id$/, "").replace(/_/g, " ");
}

/** The label of a field, object-specific first ("field.contact.name"), then shared. */
export function fieldLabel(objectName, field) {
  return firstMessage([`field.${objectName}.${field}`, `field.${field}`], humanize(field));
}

/** The label of an enum value ("enum.ticket.status.open", then "enum.channel.email"). */
export function enumLabel(objectName, field, value) {
  if (value === null || value === undefined) return "";
  return firstMessage([`enum.${objectName}.${field}.${value}`, `enum.${field}.${value}`], String(value));
}

export function actorKindLabel(kind) {
  return firstMessage([`actor.${kind}`], kind || "");
}

const cache = new Map();
function formatter(kind, options) {
  const key = kind + JSON.stringify(options);
  if (!cache.has(key)) {
    const make = { date: Intl.DateTimeFormat, number: Intl.NumberFormat, relative: Intl.RelativeTimeFormat }[kind];
    cache.set(key, new make(locale, options));
  }
  return cache.get(key);
}

/** "2026-03-01" (a calendar date, no time zone) -> localized date. */
export function formatDate(value) {
  if (!value) return "";
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : formatter("date", { dateStyle: "medium" }).format(date);
}

/** An ISO instant -> localized date and time in the browser's time zone. */
export function formatDateTime(value) {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return formatter("date", { dateStyle: "medium", timeStyle: "short" }).format(date);
}

export function formatNumber(value, options) {
  if (value === null || value === undefined || value === "") return "";
  const number = Number(value);
  return Number.isFinite(number) ? formatter("number", options || {}).format(number) : String(value);
}

export function formatMoney(value, currency) {
  if (value === null || value === undefined || value === "") return "";
  try {
    return formatNumber(value, { style: "currency", currency: currency || "CNY" });
  } catch {
    return `${formatNumber(value)} ${currency || ""}`.trim();
  }
}

/** "in 3 hours" / "2 天前" relative to now. */
export function formatRelative(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  const seconds = (date.getTime() - Date.now()) / 1000;
  const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
  const rtf = formatter("relative", { numeric: "auto" });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(Math.round(seconds / 60), "minute");
}

/** A duration in seconds -> "3 days 4 hours" (the two largest units). */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  let rest = Math.max(0, Math.round(Number(seconds)));
  const parts = [];
  for (const [unit, size] of [["days", 86400], ["hours", 3600], ["minutes", 60]]) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 && parts.length < 2) parts.push(t(`duration.${unit}`, { n }));
  }
  return parts.length ? parts.join(" ") : t("duration.minutes", { n: 0 });
}
