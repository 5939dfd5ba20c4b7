// Administration: users (list, add, roles, activation), roles (permission grants and field
// rules), agents' permissions (each agent acts under its own role "agent_<name>", edited in
// the role editor) and the gateway's risk policy (read-only). Every change goes through the
// existing access API (POST/PATCH /users, /roles); the server enforces who may do what.

import { api } from "./api.js";
import { boot, objects } from "./boot.js";
import { h, replace, uid } from "./dom.js";
import { problemNotice } from "./forms.js";
import { fieldLabel, has, t } from "./i18n.js";
import { toolLabel } from "./labels.js";
import { can, loadMe } from "./me.js";

const TABS = ["users", "roles", "agents", "risk"];
const ACTIONS = ["read", "create", "update", "delete"];
const SCOPES = ["own", "team", "all"];
const ACCESS = ["hidden", "read_only"];

function objectName(type) {
  if (objects[type]) return objects[type].label;
  return has(`admin.object.${type}`) ? t(`admin.object.${type}`) : type;
}

function roleLabel(name) {
  return has(`admin.role.${name}`) ? t(`admin.role.${name}`) : name;
}

/** problemNotice with an admin-appropriate headline for 409 (a name or email in use). */
function adminNotice(error, extra = []) {
  const notice = problemNotice(error, extra);
  if (error.status === 409) notice.querySelector(".notice-title").textContent = t("admin.conflict");
  return notice;
}

function ok(message) {
  return h("p", { class: "notice notice-ok", role: "status" }, message);
}

// --- users ------------------------------------------------------------------------------

async function usersPanel(panel, me, roles) {
  const users = await api.get("/users");
  const mayUpdate = can(me, "user", "update");
  const mayCreate = can(me, "user", "create");
  const roleNames = roles.map((r) => r.name).filter((n) => !n.startsWith("agent_"));
  const message = h("div", { class: "admin-message", tabindex: "-1" });

  function roleChecks(prefix, chosen, disabled) {
    return h(
      "div",
      { class: "role-checks", role: "group", "aria-label": t("admin.roles") },
      roleNames.map((name) => {
        const id = uid(`${prefix}-${name}`);
        return h("span", { class: "check" }, h("input", { id, type: "checkbox", value: name, checked: chosen.includes(name), disabled }), h("label", { for: id }, roleLabel(name)));
      }),
    );
  }
  const checked = (group) => [...group.querySelectorAll("input:checked")].map((box) => box.value);

  const rows = users.map((user) => {
    const group = roleChecks(`u-${user.id}`, user.roles, !mayUpdate);
    const activeId = uid("active");
    const active = h("input", { id: activeId, type: "checkbox", checked: user.is_active, disabled: !mayUpdate });
    const save = mayUpdate
      ? h("button", {
        type: "button",
        class: "button button-small",
        on: {
          click: async () => {
            save.disabled = true;
            try {
              const updated = await api.patch(`/users/${user.id}`, { roles: checked(group), is_active: active.checked });
              replace(message, ok(t("admin.user_saved", { name: updated.name })));
            } catch (error) {
              replace(message, adminNotice(error));
            } finally {
              save.disabled = false;
              message.focus();
            }
          },
        },
      }, t("common.save"))
      : null;
    return h(
      "tr",
      { dataset: { id: user.id, email: user.email } },
      h("th", { scope: "row" }, user.name),
      h("td", {}, user.email),
      h("td", {}, user.title || ""),
      h("td", {}, group),
      h("td", {}, h("span", { class: "check" }, active, h("label", { for: activeId }, t("admin.active")))),
      h("td", {}, save),
    );
  });

  let addForm = null;
  if (mayCreate) {
    const fields = {};
    const input = (name, type = "text", extra = {}) => {
      const id = uid(`new-user-${name}`);
      fields[name] = h("input", { id, name, type, required: name !== "title", autocomplete: "off", ...extra });
      return h("div", { class: "field" }, h("label", { for: id }, t(`admin.user_${name}`)), fields[name]);
    };
    const group = roleChecks("new-user", ["sales"], false);
    const formMessage = h("div", { tabindex: "-1" });
    addForm = h(
      "form",
      {
        class: "admin-section admin-form",
        "aria-labelledby": "admin-add-user",
        on: {
          submit: async (event) => {
            event.preventDefault();
            const body = {
              email: fields.email.value.trim(),
              name: fields.name.value.trim(),
              password: fields.password.value,
              roles: checked(group),
            };
            if (fields.title.value.trim()) body.title = fields.title.value.trim();
            try {
              const user = await api.post("/users", body);
              replace(formMessage, ok(t("admin.user_added", { name: user.name })));
              await usersPanel(panel, me, roles);
              panel.querySelector(".admin-message").append(ok(t("admin.user_added", { name: user.name })));
            } catch (error) {
              const reasons = error.fieldErrors.map((e) => h("li", {}, `${e.loc.slice(1).join(".")}: ${e.msg}`));
              replace(formMessage, adminNotice(error, reasons));
              formMessage.focus();
            }
          },
        },
      },
      h("h2", { id: "admin-add-user" }, t("admin.add_user")),
      h("div", { class: "form-grid" }, input("email", "email"), input("name"), input("title"), input("password", "password", { autocomplete: "new-password" })),
      h("fieldset", {}, h("legend", {}, t("admin.roles")), group),
      formMessage,
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button button-primary" }, t("admin.add_user"))),
    );
  }

  replace(
    panel,
    message,
    h(
      "div",
      { class: "table-wrap admin-section" },
      h(
        "table",
        { class: "records admin-users" },
        h("caption", { class: "visually-hidden" }, t("admin.tab_users")),
        h("thead", {}, h("tr", {}, ["admin.user_name", "admin.user_email", "admin.user_title", "admin.roles", "admin.active", "admin.actions"].map((key) => h("th", { scope: "col" }, t(key))))),
        h("tbody", {}, rows),
      ),
    ),
    addForm,
  );
}

// --- roles ------------------------------------------------------------------------------

function permissionMap(role) {
  const map = new Map();
  for (const p of role.permissions) if (p.scope) map.set(`${p.object_type}:${p.action}`, p.scope);
  return map;
}

function ruleMap(role) {
  const map = new Map();
  for (const r of role.field_rules) if (r.access) map.set(`${r.object_type}:${r.field}`, r.access);
  return map;
}

function roleEditor(role, objectTypes, mayUpdate, onSaved) {
  const perms = permissionMap(role);
  const rules = ruleMap(role);
  const editedRules = new Map(rules);
  const message = h("div", { class: "admin-message", tabindex: "-1" });
  const selects = new Map();

  const matrix = h(
    "table",
    { class: "records perm-matrix" },
    h("caption", {}, t("admin.permissions")),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("admin.object")), ACTIONS.map((a) => h("th", { scope: "col" }, t(`admin.action_${a}`))))),
    h(
      "tbody",
      {},
      objectTypes.map((type) =>
        h(
          "tr",
          { dataset: { object: type } },
          h("th", { scope: "row" }, objectName(type)),
          ACTIONS.map((action) => {
            const key = `${type}:${action}`;
            const select = h(
              "select",
              { "aria-label": `${objectName(type)} · ${t(`admin.action_${action}`)}`, disabled: !mayUpdate, dataset: { key } },
              h("option", { value: "" }, t("admin.scope_none")),
              SCOPES.map((scope) => h("option", { value: scope }, t(`admin.scope_${scope}`))),
            );
            select.value = perms.get(key) || "";
            selects.set(key, select);
            return h("td", {}, select);
          }),
        ),
      ),
    ),
  );

  const rulesBody = h("tbody", {});
  function renderRules() {
    const entries = [...editedRules].sort(([a], [b]) => a.localeCompare(b));
    replace(
      rulesBody,
      entries.length
        ? entries.map(([key, access]) => {
          const [type, field] = key.split(":");
          const select = h(
            "select",
            { "aria-label": `${objectName(type)} · ${fieldLabel(type, field)}`, disabled: !mayUpdate, dataset: { key } },
            ACCESS.map((a) => h("option", { value: a, selected: a === access }, t(`admin.access_${a}`))),
          );
          select.addEventListener("change", () => editedRules.set(key, select.value));
          const remove = mayUpdate
            ? h("button", { type: "button", class: "button button-small button-danger-quiet", on: { click: () => { editedRules.delete(key); renderRules(); } } }, t("admin.remove_rule"))
            : null;
          return h("tr", { dataset: { key } }, h("td", {}, objectName(type)), h("td", {}, fieldLabel(type, field), h("span", { class: "muted" }, ` (${field})`)), h("td", {}, select), h("td", {}, remove));
        })
        : h("tr", {}, h("td", { colspan: "4", class: "muted" }, t("admin.no_rules"))),
    );
  }
  renderRules();

  let addRule = null;
  if (mayUpdate) {
    const fieldTypes = Object.keys(objects).filter((type) => objectTypes.includes(type));
    const objectId = uid("rule-object");
    const fieldId = uid("rule-field");
    const accessId = uid("rule-access");
    const objectSelect = h("select", { id: objectId }, fieldTypes.map((type) => h("option", { value: type }, objectName(type))));
    const fieldSelect = h("select", { id: fieldId });
    const accessSelect = h("select", { id: accessId }, ACCESS.map((a) => h("option", { value: a }, t(`admin.access_${a}`))));
    const fillFields = () => replace(fieldSelect, Object.keys(objects[objectSelect.value].fields).filter((f) => f !== "id").map((f) => h("option", { value: f }, `${fieldLabel(objectSelect.value, f)} (${f})`)));
    objectSelect.addEventListener("change", fillFields);
    fillFields();
    addRule = h(
      "div",
      { class: "toolbar add-rule" },
      h("div", { class: "field field-inline" }, h("label", { for: objectId }, t("admin.object")), objectSelect),
      h("div", { class: "field field-inline" }, h("label", { for: fieldId }, t("admin.field")), fieldSelect),
      h("div", { class: "field field-inline" }, h("label", { for: accessId }, t("admin.access")), accessSelect),
      h("button", { type: "button", class: "button", on: { click: () => { editedRules.set(`${objectSelect.value}:${fieldSelect.value}`, accessSelect.value); renderRules(); } } }, t("admin.add_rule")),
    );
  }

  const save = mayUpdate
    ? h("button", {
      type: "button",
      class: "button button-primary",
      on: {
        click: async () => {
          const permissions = [];
          for (const [key, select] of selects) {
            const before = perms.get(key) || "";
            if (select.value !== before) {
              const [object_type, action] = key.split(":");
              permissions.push({ object_type, action, scope: select.value || null });
            }
          }
          const field_rules = [];
          for (const key of new Set([...rules.keys(), ...editedRules.keys()])) {
            const before = rules.get(key) || null;
            const after = editedRules.get(key) || null;
            if (before !== after) {
              const [object_type, field] = key.split(":");
              field_rules.push({ object_type, field, access: after });
            }
          }
          if (!permissions.length && !field_rules.length) {
            replace(message, h("p", { class: "notice", role: "status" }, t("admin.nothing_changed")));
            return;
          }
          save.disabled = true;
          try {
            const updated = await api.patch(`/roles/${role.id}`, { name: role.name, permissions, field_rules });
            onSaved(updated, t("admin.role_saved", { name: updated.name, n: permissions.length + field_rules.length }));
          } catch (error) {
            save.disabled = false;
            replace(message, adminNotice(error));
            message.focus();
          }
        },
      },
    }, t("admin.save_role"))
    : null;

  return h(
    "section",
    { class: "role-editor", "aria-labelledby": "role-editor-title", dataset: { role: role.name } },
    h("h2", { id: "role-editor-title" }, roleLabel(role.name), role.builtin ? h("span", { class: "badge" }, ` ${t("admin.builtin")}`) : null),
    role.description ? h("p", { class: "muted" }, role.description) : null,
    message,
    mayUpdate ? null : h("p", { class: "notice" }, t("admin.read_only")),
    h("div", { class: "table-wrap admin-section" }, matrix),
    h(
      "div",
      { class: "admin-section" },
      h("h3", {}, t("admin.field_rules")),
      h("p", { class: "muted" }, t("admin.field_rules_help")),
      h("div", { class: "table-wrap" }, h("table", { class: "records rules-table" }, h("thead", {}, h("tr", {}, ["admin.object", "admin.field", "admin.access", "admin.actions"].map((k) => h("th", { scope: "col" }, t(k))))), rulesBody)),
      addRule,
    ),
    h("div", { class: "form-actions" }, save),
  );
}

async function rolesPanel(panel, me, state, objectTypes) {
  const roles = await api.get("/roles");
  const mayUpdate = can(me, "role", "update");
  const mayCreate = can(me, "role", "create");
  const editor = h("div", { class: "role-editor-slot" });
  const flash = h("div", { tabindex: "-1" });
  let current = roles.find((r) => r.name === state.role) || roles[0];

  const list = h("ul", { class: "admin-list", "aria-label": t("admin.roles") });
  function renderList() {
    replace(
      list,
      roles.map((role) => h("li", {}, h("button", {
        type: "button",
        "aria-current": String(role.id === (current && current.id)),
        dataset: { role: role.name },
        on: { click: () => { current = role; state.role = role.name; renderList(); renderEditor(); } },
      }, roleLabel(role.name)))),
    );
  }
  function renderEditor(note) {
    if (!current) {
      replace(editor, h("p", { class: "empty" }, t("admin.no_roles")));
      return;
    }
    replace(editor, note ? ok(note) : null, roleEditor(current, objectTypes, mayUpdate, (updated, text) => {
      const index = roles.findIndex((r) => r.id === updated.id);
      roles[index] = updated;
      current = updated;
      renderEditor(text);
    }));
  }

  let createForm = null;
  if (mayCreate) {
    const id = uid("new-role");
    const name = h("input", { id, type: "text", pattern: "[a-z][a-z0-9_]{1,63}", required: true, autocomplete: "off" });
    createForm = h(
      "form",
      {
        class: "admin-section",
        on: {
          submit: async (event) => {
            event.preventDefault();
            try {
              const role = await api.post("/roles", { name: name.value.trim() });
              state.role = role.name;
              await rolesPanel(panel, me, state, objectTypes);
            } catch (error) {
              replace(flash, adminNotice(error));
              flash.focus();
            }
          },
        },
      },
      h("div", { class: "field" }, h("label", { for: id }, t("admin.new_role")), name, h("p", { class: "field-hint" }, t("admin.role_name_hint"))),
      h("button", { type: "submit", class: "button button-small" }, t("admin.create_role")),
    );
  }
  renderList();
  renderEditor();
  replace(panel, flash, h("div", { class: "admin-grid" }, h("div", {}, list, createForm), editor));
}

// --- agents -----------------------------------------------------------------------------

async function agentsPanel(panel, openRole) {
  let agents;
  try {
    agents = await api.get("/agents");
  } catch (error) {
    replace(panel, error.status === 404 ? h("p", { class: "notice" }, t("admin.agents_unavailable")) : adminNotice(error));
    return;
  }
  replace(
    panel,
    h("p", { class: "muted" }, t("admin.agents_help")),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "records admin-agents" },
        h("caption", { class: "visually-hidden" }, t("admin.tab_agents")),
        h("thead", {}, h("tr", {}, ["admin.agent", "admin.agent_status", "admin.agent_role", "admin.agent_tools", "admin.actions"].map((k) => h("th", { scope: "col" }, t(k))))),
        h(
          "tbody",
          {},
          agents.map((agent) => h(
            "tr",
            { dataset: { name: agent.name } },
            h("th", { scope: "row" }, (boot.locale === "en" ? agent.label_en : agent.label_zh) || agent.name),
            h("td", {}, has(`agents.status_${agent.status}`) ? t(`agents.status_${agent.status}`) : agent.status),
            h("td", {}, agent.role ? roleLabel(agent.role) : "—"),
            h("td", {}, (agent.tools || []).map(toolLabel).join("、")),
            h("td", {}, agent.role ? h("button", { type: "button", class: "button button-small", on: { click: () => openRole(agent.role) } }, t("admin.edit_permissions")) : null),
          )),
        ),
      ),
    ),
  );
}

// --- risk policy --------------------------------------------------------------------------

async function riskPanel(panel) {
  const { items } = await api.get("/web/risk-rules");
  replace(
    panel,
    h("p", { class: "notice" }, t("admin.risk_read_only")),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "records risk-rules" },
        h("caption", { class: "visually-hidden" }, t("admin.tab_risk")),
        h("thead", {}, h("tr", {}, ["admin.rule", "admin.tool_pattern", "admin.condition", "admin.level", "admin.approver", "admin.expiry", "admin.enabled"].map((k) => h("th", { scope: "col" }, t(k))))),
        h(
          "tbody",
          {},
          items.map((rule) => h(
            "tr",
            { dataset: { name: rule.name } },
            h("th", { scope: "row" }, rule.name, rule.description ? h("div", { class: "muted" }, rule.description) : null),
            h("td", {}, h("code", {}, rule.tool_pattern)),
            h("td", {}, rule.condition ? h("pre", { class: "risk-condition" }, JSON.stringify(rule.condition)) : "—"),
            h("td", {}, h("span", { class: `badge risk-${rule.level}` }, t(`admin.level_${rule.level}`))),
            h("td", {}, roleLabel(rule.approver_role)),
            h("td", {}, t("admin.minutes", { n: rule.expires_after_minutes })),
            h("td", {}, t(rule.enabled ? "common.yes" : "common.no")),
          )),
        ),
      ),
    ),
  );
}

// --- page ---------------------------------------------------------------------------------

export async function render(root, page) {
  const me = await loadMe();
  const title = h("div", { class: "page-head" }, h("h1", { class: "page-title" }, t("admin.title")));
  if (!can(me, "user", "read") && !can(me, "role", "read")) {
    replace(root, title, h("p", { class: "notice" }, t("admin.no_access")));
    return;
  }
  // Users need user:read; roles, agents' roles and the risk policy need role:read.
  const tabs = TABS.filter((name) => (name === "users" ? can(me, "user", "read") : can(me, "role", "read")));
  const params = new URLSearchParams(location.search);
  const state = { tab: tabs.includes(params.get("tab")) ? params.get("tab") : tabs[0], role: params.get("role") || "" };
  const objectTypes = page.object_types || Object.keys(objects);
  const tabButtons = tabs.map((name) =>
    h("button", { type: "button", role: "tab", id: `admin-tab-${name}`, "aria-controls": "admin-panel", class: "tab", dataset: { tab: name } }, t(`admin.tab_${name}`)),
  );
  const tablist = h("div", { class: "tabs", role: "tablist", "aria-label": t("admin.title") }, tabButtons);
  const panel = h("div", { id: "admin-panel", role: "tabpanel", class: "admin-panel" });

  async function show() {
    for (const button of tabButtons) {
      const selected = button.dataset.tab === state.tab;
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
    }
    panel.setAttribute("aria-labelledby", `admin-tab-${state.tab}`);
    const url = new URL(location.href);
    url.searchParams.set("tab", state.tab);
    if (state.tab === "roles" && state.role) url.searchParams.set("role", state.role);
    else url.searchParams.delete("role");
    history.replaceState(null, "", url.pathname + url.search);
    panel.setAttribute("aria-busy", "true");
    replace(panel, h("p", { class: "muted" }, t("app.loading")));
    try {
      const roles = can(me, "role", "read") ? await api.get("/roles") : [];
      if (state.tab === "users") await usersPanel(panel, me, roles);
      else if (state.tab === "roles") await rolesPanel(panel, me, state, objectTypes);
      else if (state.tab === "agents") await agentsPanel(panel, (role) => { state.tab = "roles"; state.role = role; show(); });
      else await riskPanel(panel);
    } catch (error) {
      replace(panel, adminNotice(error));
    } finally {
      panel.setAttribute("aria-busy", "false");
    }
  }

  tablist.addEventListener("click", (event) => {
    const button = event.target.closest("[role=tab]");
    if (!button) return;
    state.tab = button.dataset.tab;
    show();
  });
  tablist.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    const index = tabs.indexOf(state.tab) + (event.key === "ArrowRight" ? 1 : -1);
    state.tab = tabs[(index + tabs.length) % tabs.length];
    tabButtons[tabs.indexOf(state.tab)].focus();
    show();
  });
  replace(root, title, tablist, panel);
  await show();
}
