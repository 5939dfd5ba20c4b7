// Titles of referenced records, user and team names, and pipeline stages, resolved
// in batches before a table or a record is rendered, so rendering stays synchronous.

import { api } from "./api.js";
import { objects } from "./boot.js";
import { can, loadMe, loadTeams, loadUsers } from "./me.js";

const titles = new Map(); // "account:<id>" -> title, or null when not readable
const stages = new Map(); // stage id -> {id, name, probability, kind, position}
const pipelineStages = new Map(); // pipeline id -> Promise<stage[]>
let users = new Map();
let teams = new Map();

export function shortId(id) {
  return id ? `#${String(id).slice(-6)}` : "";
}

/** The display title of a record: its title field (tickets: number · subject). */
export function recordTitle(objectName, record) {
  if (!record) return "";
  if (objectName === "ticket" && record.number) {
    return record.subject ? `${record.number} · ${record.subject}` : record.number;
  }
  const spec = objects[objectName];
  const value = spec ? record[spec.title_field] : undefined;
  return value ? String(value) : shortId(record.id);
}

export function rememberTitle(objectName, record) {
  titles.set(`${objectName}:${record.id}`, recordTitle(objectName, record));
}

/** The cached title of a referenced record; undefined if unknown, null if unreadable. */
export function titleOf(objectName, id) {
  return titles.get(`${objectName}:${id}`);
}

export function userName(id) {
  const user = users.get(id);
  return user ? user.name : undefined;
}

export function teamName(id) {
  const team = teams.get(id);
  return team ? team.name : undefined;
}

export function stageOf(id) {
  return stages.get(id);
}

/** The stages of a pipeline, in order (cached per page). */
export function loadStages(pipelineId) {
  if (!pipelineStages.has(pipelineId)) {
    const promise = api
      .get(`/pipelines/${pipelineId}/stages`)
      .then((list) => {
        const ordered = [...list].sort((a, b) => a.position - b.position);
        for (const stage of ordered) stages.set(stage.id, stage);
        return ordered;
      })
      .catch(() => []);
    pipelineStages.set(pipelineId, promise);
  }
  return pipelineStages.get(pipelineId);
}

/** Load user names (for actor lines outside record fields). */
export async function loadUserNames() {
  users = await loadUsers();
}

/** Drop the cached stages of a pipeline (after adding one). */
export function forgetStages(pipelineId) {
  pipelineStages.delete(pipelineId);
}

/** Fetch the titles of `ids` of one object type with one list call per 100 ids. */
export async function resolveTitles(objectName, ids) {
  const spec = objects[objectName];
  const me = await loadMe();
  const missing = [...new Set(ids)].filter((id) => id && !titles.has(`${objectName}:${id}`));
  if (!spec || !missing.length) return;
  if (!can(me, objectName, "read")) {
    for (const id of missing) titles.set(`${objectName}:${id}`, null);
    return;
  }
  for (let i = 0; i < missing.length; i += 100) {
    const chunk = missing.slice(i, i + 100);
    try {
      const page = await api.get(`/${spec.plural}`, { filter: `id:in:${chunk.join(",")}`, limit: 200 });
      for (const record of page.items) rememberTitle(objectName, record);
    } catch {
      // Unreadable or gone: shown as a short id.
    }
    for (const id of chunk) if (!titles.has(`${objectName}:${id}`)) titles.set(`${objectName}:${id}`, null);
  }
}

/** Resolve what displaying `fields` of `records` needs: referenced titles, users, teams, stages. */
export async function prepareDisplay(objectName, records, fields) {
  const spec = objects[objectName];
  if (!spec) return;
  const wanted = new Map();
  const pipelines = new Set();
  let needUsers = false;
  let needTeams = false;
  for (const field of fields) {
    const info = spec.fields[field];
    if (!info) continue;
    if (info.kind === "user") needUsers = true;
    if (info.kind === "team") needTeams = true;
    if (info.kind === "json") {
      // Lines such as an order's [{product_id, ...}]: their references get titles too.
      for (const record of records) {
        for (const row of [].concat(record[field] || [])) {
          if (!row || typeof row !== "object") continue;
          for (const [key, value] of Object.entries(row)) {
            const target = key.endsWith("_id") ? key.slice(0, -3) : null;
            if (!target || !objects[target] || typeof value !== "string") continue;
            if (!wanted.has(target)) wanted.set(target, new Set());
            wanted.get(target).add(value);
          }
        }
      }
      continue;
    }
    if (info.kind !== "ref") continue;
    for (const record of records) {
      if (info.target === "stage") {
        if (record.pipeline_id) pipelines.add(record.pipeline_id);
      } else if (record[field]) {
        if (!wanted.has(info.target)) wanted.set(info.target, new Set());
        wanted.get(info.target).add(record[field]);
      }
    }
  }
  const jobs = [...wanted].map(([target, ids]) => resolveTitles(target, [...ids]));
  jobs.push(...[...pipelines].map((id) => loadStages(id)));
  if (needUsers) jobs.push(loadUsers().then((map) => { users = map; }));
  if (needTeams) jobs.push(loadTeams().then((map) => { teams = map; }));
  await Promise.all(jobs);
}
