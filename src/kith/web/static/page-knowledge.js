// Knowledge base: ask a question (answer with its sources, thumbs up/down and "the right
// answer was…"), the dashboard (coverage, abstention, accuracy from feedback, top unanswered
// questions, stale documents), spaces (create) and documents (upload a new version, retire one).
// Everything through the knowledge API: /api/v1/knowledge/{answer,answers,dashboard,spaces,
// documents,versions}.

import { ApiError, api } from "./api.js";
import { announce, h, replace, uid } from "./dom.js";
import { problemNotice } from "./forms.js";
import { formatDate, formatDateTime, formatNumber, has, t } from "./i18n.js";
import { can, loadMe, loadTeams } from "./me.js";

const PERCENT = { style: "percent", maximumFractionDigits: 1 };

function percent(value) {
  return value === null || value === undefined ? t("knowledge.no_data") : formatNumber(value, PERCENT);
}

function field(label, control, hint) {
  const id = control.id || uid("kf");
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hint ? h("p", { class: "field-hint" }, hint) : null);
}

function select(name, options, value) {
  return h(
    "select",
    { name },
    options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)),
  );
}

/** POST a multipart form (the upload); api.js speaks JSON only. */
async function postForm(path, body) {
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Kith-Client": "web" },
    });
  } catch (error) {
    throw new ApiError(0, { title: "Network error", detail: String(error) });
  }
  const data = (response.headers.get("content-type") || "").includes("json") ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, data || { title: response.statusText });
  return data;
}

// --- asking and feedback ------------------------------------------------------------------

function citationItem(c) {
  return h(
    "li",
    {},
    h("p", { class: "pre-wrap" }, c.text),
    h(
      "p",
      { class: "small muted" },
      `${c.document} · ${t("knowledge.version", { n: c.version })} · ${c.section}`,
      c.clause ? ` · ${c.clause}` : "",
      " · ",
      h("a", { href: c.link, target: "_blank", rel: "noopener" }, t("knowledge.passage")),
    ),
  );
}

function feedbackForm(answerId, onSent) {
  const correction = h("textarea", { rows: 2, maxlength: 5000 });
  const correctionField = field(t("knowledge.correction"), correction, t("knowledge.correction_hint"));
  correctionField.hidden = true;
  const up = h("button", { type: "button", class: "button button-small" }, "👍 ", t("knowledge.thumbs_up"));
  const down = h("button", { type: "button", class: "button button-small" }, "👎 ", t("knowledge.thumbs_down"));
  const send = h("button", { type: "submit", class: "button button-primary button-small", hidden: true }, t("knowledge.send_feedback"));
  const form = h("form", { class: "inline-form", "aria-label": t("knowledge.helpful") }, h("p", { class: "small" }, t("knowledge.helpful")), h("div", { class: "form-actions" }, up, down), correctionField, h("div", { class: "form-actions" }, send));

  async function rate(rating, text) {
    up.disabled = down.disabled = send.disabled = true;
    try {
      await api.post(`/knowledge/answers/${encodeURIComponent(answerId)}/feedback`, text ? { rating, correction: text } : { rating });
      replace(form, h("p", { class: "notice notice-ok", role: "status" }, t("knowledge.thanks")));
      announce(t("knowledge.thanks"));
      onSent();
    } catch (error) {
      up.disabled = down.disabled = send.disabled = false;
      form.append(problemNotice(error));
    }
  }
  up.addEventListener("click", () => rate("up"));
  down.addEventListener("click", () => {
    correctionField.hidden = false;
    send.hidden = false;
    correction.focus();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    rate("down", correction.value.trim());
  });
  return form;
}

function answerView(out, onFeedback) {
  const badge = h("span", { class: "badge", dataset: { value: out.status === "answered" ? "open" : "pending" } }, t(`knowledge.status.${out.status}`));
  return h(
    "div",
    { class: "knowledge-answer", dataset: { status: out.status } },
    h("p", {}, badge, " ", h("span", { class: "small muted" }, t("knowledge.confidence", { value: formatNumber(out.confidence, { maximumFractionDigits: 2 }) }))),
    h("p", { class: "pre-wrap" }, out.text),
    out.engine && out.engine !== "extractive" ? h("p", { class: "small muted" }, t("knowledge.engine_llm")) : null,
    out.reason ? h("p", { class: "small muted" }, t("knowledge.why", { reason: out.reason })) : null,
    out.citations.length ? [h("h3", {}, t("knowledge.sources")), h("ol", { class: "plain-list" }, out.citations.map(citationItem))] : null,
    out.conflicts.length ? [h("h3", {}, t("knowledge.conflicts")), h("ol", { class: "plain-list" }, out.conflicts.map(citationItem))] : null,
    out.answer_id ? feedbackForm(out.answer_id, onFeedback) : null,
  );
}

function askCard(spaces, onAnswered) {
  const question = h("input", { type: "search", maxlength: 2000, required: true, autocomplete: "off" });
  const space = select("space", [["", t("knowledge.all_spaces")], ...spaces.map((s) => [s.name, s.name])], "");
  const result = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "button button-primary" }, t("knowledge.ask_button"));
  const form = h(
    "form",
    { class: "form" },
    h("div", { class: "form-grid" }, field(t("knowledge.question"), question, t("knowledge.question_hint")), field(t("knowledge.space"), space)),
    h("div", { class: "form-actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = question.value.trim();
    if (!text) return;
    submit.disabled = true;
    replace(result, h("p", { class: "muted" }, t("knowledge.asking")));
    try {
      const out = await api.post("/knowledge/answer", { question: text, spaces: space.value ? [space.value] : [] });
      replace(result, answerView(out, onAnswered));
      announce(t(`knowledge.status.${out.status}`));
      onAnswered();
    } catch (error) {
      replace(result, problemNotice(error));
    } finally {
      submit.disabled = false;
    }
  });
  return h("section", { class: "card", "aria-labelledby": "kb-ask" }, h("header", { class: "card-head" }, h("h2", { id: "kb-ask" }, t("knowledge.ask"))), h("div", { class: "card-body" }, form, result));
}

// --- dashboard ------------------------------------------------------------------------------

function dashboardBody(board) {
  const figures = h(
    "dl",
    { class: "mini-dl" },
    h("dt", {}, t("knowledge.answers")), h("dd", {}, formatNumber(board.answers)),
    h("dt", {}, t("knowledge.answered_share")), h("dd", {}, percent(board.answered_share)),
    h("dt", {}, t("knowledge.abstention_rate")), h("dd", {}, percent(board.abstention_rate)),
    h("dt", {}, t("knowledge.accuracy")), h("dd", {}, percent(board.accuracy_from_feedback), " ", h("span", { class: "small muted" }, t("knowledge.rated", { up: board.thumbs_up, down: board.thumbs_down }))),
  );
  const none = () => h("li", { class: "empty" }, t("knowledge.none"));
  const unanswered = board.top_unanswered.length
    ? board.top_unanswered.map((q) => h("li", {}, h("p", {}, q.question), h("p", { class: "small muted" }, t("knowledge.times", { n: q.count }), " · ", formatDateTime(q.last_at), q.reason ? ` · ${q.reason}` : "")))
    : [none()];
  const corrections = board.corrections.length
    ? board.corrections.map((c) => h("li", {}, h("p", {}, c.question), h("p", { class: "small pre-wrap" }, c.correction), h("p", { class: "small muted" }, c.by || "", " · ", formatDateTime(c.at))))
    : [none()];
  const stale = board.stale_documents.length
    ? board.stale_documents.map((d) => h("li", {}, `${d.title} · ${t("knowledge.version", { n: d.version })} · `, t(d.why === "expired" ? "knowledge.stale_expired" : "knowledge.stale_old")))
    : [none()];
  return [
    figures,
    h("h3", {}, t("knowledge.top_unanswered")), h("ol", { class: "plain-list" }, unanswered),
    h("h3", {}, t("knowledge.corrections")), h("ol", { class: "plain-list" }, corrections),
    h("h3", {}, t("knowledge.stale")), h("ul", { class: "plain-list" }, stale),
  ];
}

// --- spaces and documents --------------------------------------------------------------------

function spaceForm(teams, onCreated) {
  const name = h("input", { type: "text", maxlength: 200, required: true });
  const visibility = select("visibility", ["public", "internal", "team"].map((v) => [v, t(`knowledge.visibility.${v}`)]), "internal");
  const team = select("team", teams.map((tm) => [tm.id, tm.name]), teams[0] && teams[0].id);
  const teamField = field(t("knowledge.team"), team);
  teamField.hidden = true;
  visibility.addEventListener("change", () => { teamField.hidden = visibility.value !== "team"; });
  const description = h("input", { type: "text", maxlength: 1000 });
  const status = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "form inline-form", "aria-label": t("knowledge.create_space") },
    h("h3", {}, t("knowledge.create_space")),
    h("div", { class: "form-grid" }, field(t("knowledge.space_name"), name), field(t("knowledge.visibility"), visibility), teamField, field(t("knowledge.description"), description)),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, t("knowledge.create_space"))),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: name.value.trim(), visibility: visibility.value };
    if (body.visibility === "team") body.team_id = team.value;
    if (description.value.trim()) body.description = description.value.trim();
    try {
      const space = await api.post("/knowledge/spaces", body);
      replace(status, h("p", { class: "notice notice-ok", role: "status" }, t("knowledge.space_created", { name: space.name })));
      form.reset();
      teamField.hidden = true;
      onCreated();
    } catch (error) {
      replace(status, problemNotice(error));
    }
  });
  return form;
}

function uploadForm(spaces, onUploaded) {
  const space = select("space", spaces.map((s) => [s.name, s.name]), spaces[0] && spaces[0].name);
  const file = h("input", { type: "file", name: "file", required: true, accept: ".md,.markdown,.txt,.html,.htm,.pdf,.docx,.xlsx,.csv" });
  const title = h("input", { type: "text", name: "title", maxlength: 300 });
  const language = select("language", ["", "zh", "en", "mixed"].map((v) => [v, t(`knowledge.language.${v || "auto"}`)]), "");
  const effective = h("input", { type: "date", name: "effective_from" });
  const expires = h("input", { type: "date", name: "expires_at" });
  const submit = h("button", { type: "submit", class: "button button-primary" }, t("knowledge.upload_button"));
  const status = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "form", "aria-label": t("knowledge.upload") },
    h("div", { class: "form-grid" }, field(t("knowledge.space"), space), field(t("knowledge.file"), file, t("knowledge.file_hint")), field(t("knowledge.doc_title"), title, t("knowledge.doc_title_hint")), field(t("knowledge.language"), language), field(t("knowledge.effective_from"), effective), field(t("knowledge.expires_at"), expires)),
    h("div", { class: "form-actions" }, submit),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!file.files.length) {
      replace(status, h("p", { class: "notice notice-error", role: "alert" }, t("knowledge.choose_file")));
      return;
    }
    const body = new FormData();
    body.append("space", space.value);
    body.append("file", file.files[0]);
    if (title.value.trim()) body.append("title", title.value.trim());
    if (language.value) body.append("language", language.value);
    if (effective.value) body.append("effective_from", `${effective.value}T00:00:00Z`);
    if (expires.value) body.append("expires_at", `${expires.value}T00:00:00Z`);
    submit.disabled = true;
    replace(status, h("p", { class: "muted" }, t("knowledge.uploading")));
    try {
      const out = await postForm("/knowledge/documents", body);
      const message = t(out.created ? "knowledge.uploaded" : "knowledge.unchanged", { title: out.title, n: out.version, chunks: out.chunks });
      replace(status, h("p", { class: "notice notice-ok", role: "status" }, message));
      announce(message);
      form.reset();
      onUploaded();
    } catch (error) {
      replace(status, problemNotice(error));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function documentItem(doc, mayRetire, onRetired) {
  const versions = doc.versions.slice().reverse().map((v) => {
    const retire = mayRetire && v.status === "active"
      ? h("button", { type: "button", class: "button button-small button-danger-quiet", "aria-label": t("knowledge.retire_label", { title: doc.title, n: v.number }) }, t("knowledge.retire"))
      : null;
    if (retire) {
      retire.addEventListener("click", async () => {
        retire.disabled = true;
        try {
          await api.post(`/knowledge/versions/${encodeURIComponent(v.id)}/retire`);
          announce(t("knowledge.retired", { title: doc.title, n: v.number }));
          onRetired();
        } catch (error) {
          retire.disabled = false;
          retire.after(problemNotice(error));
        }
      });
    }
    return h(
      "li",
      { dataset: { status: v.status } },
      `${t("knowledge.version", { n: v.number })} · `,
      h("span", { class: "badge", dataset: { value: v.status === "active" ? "open" : "closed" } }, t(`knowledge.status_${v.status}`)),
      ` · ${v.source_name} · ${formatDateTime(v.created_at)}`,
      v.effective_from ? ` · ${t("knowledge.effective_from")} ${formatDate(v.effective_from)}` : "",
      v.expires_at ? ` · ${t("knowledge.expires_at")} ${formatDate(v.expires_at)}` : "",
      " ",
      retire,
    );
  });
  return h(
    "li",
    { class: "knowledge-doc", dataset: { id: doc.id } },
    h("p", {}, h("strong", {}, doc.title), h("span", { class: "small muted" }, ` · ${doc.space}`, has(`knowledge.language.${doc.language}`) ? ` · ${t(`knowledge.language.${doc.language}`)}` : "", doc.owner ? ` · ${t("knowledge.owner")}: ${doc.owner}` : "")),
    h("ul", { class: "plain-list small", "aria-label": t("knowledge.versions") }, versions),
  );
}

// --- the page --------------------------------------------------------------------------------

export async function render(root) {
  const me = await loadMe();
  if (!can(me, "knowledge", "read")) {
    replace(root, h("p", { class: "notice" }, t("knowledge.no_access")));
    return;
  }
  const mayWrite = can(me, "knowledge", "create");
  const teams = mayWrite ? [...(await loadTeams()).values()] : [];
  const board = h("div", { class: "card-body" });
  const spacesBody = h("div", { class: "card-body" });
  const docsBody = h("div", { class: "card-body" });
  const days = 30;

  async function loadBoard() {
    try {
      replace(board, dashboardBody(await api.get("/knowledge/dashboard", { days })));
    } catch (error) {
      replace(board, problemNotice(error));
    }
  }

  async function loadLibrary() {
    const [spaces, documents] = await Promise.all([api.get("/knowledge/spaces"), api.get("/knowledge/documents")]);
    replace(
      spacesBody,
      spaces.length
        ? h("ul", { class: "plain-list" }, spaces.map((s) => h("li", { dataset: { id: s.id } }, h("strong", {}, s.name), h("span", { class: "small muted" }, ` · ${t(`knowledge.visibility.${s.visibility}`)}`, s.description ? ` · ${s.description}` : ""))))
        : h("p", { class: "empty" }, t("knowledge.no_spaces")),
      mayWrite ? spaceForm(teams, refresh) : null,
    );
    replace(
      docsBody,
      mayWrite && spaces.length ? [h("h3", {}, t("knowledge.upload")), uploadForm(spaces, refresh)] : null,
      documents.length
        ? h("ul", { class: "plain-list" }, documents.map((d) => documentItem(d, can(me, "knowledge", "update"), refresh)))
        : h("p", { class: "empty" }, t("knowledge.no_documents")),
    );
    return spaces;
  }

  async function refresh() {
    await Promise.all([loadLibrary().catch((error) => replace(docsBody, problemNotice(error))), loadBoard()]);
  }

  const spaces = await loadLibrary();
  replace(
    root,
    h("div", { class: "page-head" }, h("h1", { class: "page-title" }, t("knowledge.title"))),
    askCard(spaces, loadBoard),
    h("section", { class: "card", "aria-labelledby": "kb-board" }, h("header", { class: "card-head" }, h("h2", { id: "kb-board" }, t("knowledge.dashboard", { days }))), board),
    h("section", { class: "card", "aria-labelledby": "kb-docs" }, h("header", { class: "card-head" }, h("h2", { id: "kb-docs" }, t("knowledge.documents"))), docsBody),
    h("section", { class: "card", "aria-labelledby": "kb-spaces" }, h("header", { class: "card-head" }, h("h2", { id: "kb-spaces" }, t("knowledge.spaces"))), spacesBody),
  );
  await loadBoard();
}
