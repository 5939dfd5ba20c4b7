// The signed-in user (GET /me) and the tenant's users and teams, fetched once per page.

import { api } from "./api.js";

let mePromise;
let usersPromise;
let teamsPromise;

/** GET /api/v1/me: the user, grants, hidden and read-only fields. */
export function loadMe() {
  mePromise ??= api.get("/me");
  return mePromise;
}

/** May the user do `action` ("read", "create", "update", "delete") on `object`? */
export function can(me, objectName, action) {
  return Boolean(me && me.grants && me.grants[objectName] && me.grants[objectName][action]);
}

/**
 * May the user do `action` on this particular record? "own" scope needs the user to own
 * it; "team" is left to the server (team membership is not in /me).
 */
export function canOnRecord(me, objectName, action, record) {
  const scope = me && me.grants && me.grants[objectName] && me.grants[objectName][action];
  if (!scope) return false;
  return scope !== "own" || (record && record.owner_id === me.id);
}

export function isReadOnly(me, objectName, field) {
  const fields = (me && me.read_only_fields && me.read_only_fields[objectName]) || [];
  return fields.includes(field);
}

/** Map of user id -> user; only the signed-in user when the role may not list users. */
export function loadUsers() {
  usersPromise ??= (async () => {
    const me = await loadMe();
    const users = new Map([[me.id, me]]);
    if (can(me, "user", "read")) {
      try {
        for (const user of await api.get("/users")) users.set(user.id, user);
      } catch {
        // Listing users is a convenience for names; ids still show without it.
      }
    }
    return users;
  })();
  return usersPromise;
}

/** Map of team id -> team (empty when the role may not list teams). */
export function loadTeams() {
  teamsPromise ??= (async () => {
    const me = await loadMe();
    const teams = new Map();
    if (can(me, "team", "read")) {
      try {
        for (const team of await api.get("/teams")) teams.set(team.id, team);
      } catch {
        // As for users: names are a convenience.
      }
    }
    return teams;
  })();
  return teamsPromise;
}
