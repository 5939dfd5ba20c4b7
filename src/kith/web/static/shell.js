// The app shell: the signed-in user's name, navigation by permission, global search.

import { api } from "./api.js";
import { recordUrl } from "./boot.js";
import { combobox } from "./combobox.js";
import { objectLabel, t } from "./i18n.js";
import { can, loadMe } from "./me.js";

function initGlobalSearch(input) {
  const form = input.form;
  const { list } = combobox({
    input,
    label: t("search.suggestions"),
    search: async (query) => {
      const result = await api.get("/search", { q: query, limit: 5 });
      return result.items.map((hit) => ({
        label: hit.title,
        sublabel: [objectLabel(hit.object_type), hit.subtitle].filter(Boolean).join(" · "),
        href: recordUrl(hit.object_type, hit.id),
      }));
    },
    onSelect: (option) => location.assign(option.href),
  });
  form.append(list);
  form.addEventListener("submit", (event) => {
    if (!input.value.trim()) event.preventDefault();
  });
}

/** Language links return to the page as it is now (lists change their URL in place). */
function keepLanguageLinksCurrent() {
  for (const link of document.querySelectorAll(".lang-switch a")) {
    link.addEventListener("click", () => {
      const url = new URL(link.href);
      url.searchParams.set("next", location.pathname + location.search);
      link.href = url.pathname + url.search;
    });
  }
}

/** Ctrl/Cmd+K anywhere, or the top bar's button, opens the command bar (loaded on first use). */
function initCommandBar() {
  const open = () => import("./command.js").then((module) => module.openCommandBar());
  const button = document.getElementById("command-open");
  if (button) button.addEventListener("click", open);
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
      event.preventDefault();
      open();
    }
  });
}

/** Below the breakpoint the side navigation is a drawer behind the menu button. */
function initMenu() {
  const button = document.getElementById("menu-toggle");
  const nav = document.getElementById("sidenav");
  if (!button || !nav) return;
  const backdrop = document.createElement("div");
  backdrop.className = "nav-backdrop";
  nav.after(backdrop);
  const setOpen = (open) => {
    nav.classList.toggle("open", open);
    backdrop.classList.toggle("open", open);
    button.setAttribute("aria-expanded", String(open));
    button.setAttribute("aria-label", t(open ? "nav.close_menu" : "nav.menu"));
    if (open) (nav.querySelector("[aria-current=page]") || nav.querySelector("a"))?.focus();
  };
  button.addEventListener("click", () => setOpen(!nav.classList.contains("open")));
  backdrop.addEventListener("click", () => setOpen(false));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && nav.classList.contains("open")) {
      setOpen(false);
      button.focus();
    }
  });
}

/**
 * Record tables become cards on a phone (CSS below 560 px): each cell carries its column's
 * name, copied from the header, whenever a table appears or its rows change.
 */
function labelTableCells(root) {
  let pending = false;
  const label = () => {
    pending = false;
    for (const table of root.querySelectorAll("table.records:not(.perm-matrix)")) {
      const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.replace(/[↕↑↓]/g, "").trim());
      for (const row of table.querySelectorAll("tbody tr")) {
        [...row.children].forEach((cell, index) => {
          if (heads[index] && cell.dataset.label === undefined) cell.dataset.label = heads[index];
        });
      }
      table.classList.add("cards");
    }
  };
  new MutationObserver(() => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(label);
    }
  }).observe(root, { childList: true, subtree: true });
  label();
}

/** The bell: unread notifications, kept current by server-sent events. */
function initBell() {
  const count = document.getElementById("bell-count");
  const bell = document.getElementById("bell");
  if (!count || !bell) return;
  const show = (n) => {
    count.hidden = !n;
    count.textContent = n > 99 ? "99+" : String(n);
    bell.setAttribute("aria-label", n ? t("notifications.bell_unread", { n }) : t("notifications.title"));
    bell.dataset.unread = String(n);
  };
  document.addEventListener("kith:unread", (event) => show(event.detail));
  if (!("EventSource" in window)) {
    api.get("/web/notifications/unread").then((r) => show(r.unread)).catch(() => null);
    return;
  }
  const source = new EventSource("/api/v1/web/notifications/stream?wait=60");
  source.addEventListener("unread", (event) => {
    try {
      show(JSON.parse(event.data).unread);
    } catch {
      // a malformed line: the next one corrects the count
    }
  });
  window.addEventListener("pagehide", () => source.close());
}

export async function initShell() {
  initMenu();
  initBell();
  const main = document.getElementById("main");
  if (main) labelTableCells(main);
  initCommandBar();
  const search = document.getElementById("global-search");
  if (search) initGlobalSearch(search);
  keepLanguageLinksCurrent();
  const me = await loadMe();
  const name = document.getElementById("me-name");
  if (name) {
    name.textContent = me.name;
    name.title = me.email;
  }
  for (const link of document.querySelectorAll(".sidenav a[data-object]")) {
    const objectName = link.dataset.object;
    if (objectName !== "home" && !can(me, objectName, "read")) link.parentElement.hidden = true;
  }
  return me;
}
