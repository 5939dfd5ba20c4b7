// Entry point of every signed-in page: start the shell, then render the page module.

import { ApiError } from "./api.js";
import { boot } from "./boot.js";
import { replace } from "./dom.js";
import { problemNotice } from "./forms.js";
import { initShell } from "./shell.js";

const PAGES = {
  home: () => import("./page-home.js"),
  list: () => import("./page-list.js"),
  record: () => import("./page-record.js"),
  new: () => import("./page-new.js"),
  search: () => import("./page-search.js"),
  board: () => import("./page-board.js"),
  queue: () => import("./page-queue.js"),
  approvals: () => import("./page-approvals.js"),
  passport: () => import("./page-passport.js"),
  agents: () => import("./page-agents.js"),
  realtime: () => import("./page-realtime.js"),
  knowledge: () => import("./page-knowledge.js"),
  dashboards: () => import("./page-dashboards.js"),
  playbooks: () => import("./page-playbooks.js"),
  admin: () => import("./page-admin.js"),
  notifications: () => import("./page-notifications.js"),
  identity: () => import("./page-identity.js"),
  dispatch: () => import("./page-dispatch.js"),
  concepts: () => import("./page-concepts.js"),
  inbox: () => import("./page-inbox.js"),
  mailboxes: () => import("./page-mailboxes.js"),
};

async function main() {
  const root = document.getElementById("page");
  const shell = initShell().catch(() => null);
  const load = PAGES[boot.page.kind];
  if (!root || !load) {
    if (root) root.setAttribute("aria-busy", "false");
    return;
  }
  try {
    const page = await load();
    await page.render(root, boot.page);
  } catch (error) {
    const problem = error instanceof ApiError ? error : new ApiError(0, { detail: String(error) });
    if (problem.status !== 401) replace(root, problemNotice(problem));
    console.error(error);
  } finally {
    root.setAttribute("aria-busy", "false");
  }
  await shell;
}

main();
