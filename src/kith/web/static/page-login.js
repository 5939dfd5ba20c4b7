// The sign-in form: POST /api/v1/auth/login (sets the session cookie), then go on.
// With two-step verification the answer is a pending token instead, and the page asks
// for a code (POST /auth/login/2fa) or, when a role requires it and the user has none
// yet, walks through enrolment (POST /auth/login/enrol, /auth/login/enrol/confirm) and
// shows the recovery codes once.

import { ApiError, request } from "./api.js";
import { boot } from "./boot.js";
import { errorMessage } from "./forms.js";
import { t } from "./i18n.js";

const form = document.getElementById("login-form");
const codeForm = document.getElementById("code-form");
const enrolForm = document.getElementById("enrol-form");
const recoveryPanel = document.getElementById("recovery-panel");
const summary = document.getElementById("login-error");
const tenantField = document.getElementById("login-tenant-field");
const codeField = document.getElementById("code-field");
const recoveryField = document.getElementById("recovery-field");
const codeSwitch = document.getElementById("code-switch");
let pendingToken = null;
let usingRecovery = false;

function fieldError(name, message) {
  const input = document.getElementById(`login-${name}`) || document.getElementById(name);
  const slot = document.getElementById(`login-${name}-error`) || document.getElementById(`${name}-error`);
  if (!input || !slot) return false;
  slot.textContent = message;
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  return true;
}

function clearErrors() {
  for (const name of ["email", "password", "tenant", "code", "recovery", "enrol-code"]) fieldError(name, "");
  summary.hidden = true;
  summary.textContent = "";
}

function showSummary(message) {
  summary.textContent = message;
  summary.hidden = false;
  summary.focus();
}

/** Only local paths: never send the user to another site after signing in. */
function nextPath() {
  const next = boot.page.next || "/";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

function show(step) {
  for (const element of [form, codeForm, enrolForm, recoveryPanel]) element.hidden = element !== step;
}

/** The problems every step shares: throttled, expired step, network. True if shown. */
function commonProblem(error) {
  if (!(error instanceof ApiError)) throw error;
  if (error.status === 429) {
    showSummary(t("login.throttled", { seconds: error.problem.retry_after || 60 }));
    return true;
  }
  if (error.status === 0) {
    showSummary(t("error.network"));
    return true;
  }
  return false;
}

async function startEnrolment() {
  const enrolment = await request("POST", "/auth/login/enrol", {
    body: { pending_token: pendingToken },
    signInOn401: false,
  });
  document.getElementById("enrol-secret").textContent = enrolment.secret;
  document.getElementById("enrol-uri").href = enrolment.otpauth_uri;
  show(enrolForm);
  document.getElementById("enrol-code").focus();
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  const email = form.elements.email.value.trim();
  const password = form.elements.password.value;
  let missing = false;
  if (!email) missing = fieldError("email", t("error.required")) || true;
  if (!password) missing = fieldError("password", t("error.required")) || true;
  if (missing) {
    form.querySelector("[aria-invalid=true]").focus();
    return;
  }
  const body = { email, password };
  const tenant = form.elements.tenant.value.trim();
  if (tenant) body.tenant = tenant;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const answer = await request("POST", "/auth/login", { body, signInOn401: false });
    if (answer.status === "second_factor_required") {
      pendingToken = answer.pending_token;
      show(codeForm);
      document.getElementById("login-code").focus();
      return;
    }
    if (answer.status === "enrolment_required") {
      pendingToken = answer.pending_token;
      await startEnrolment();
      return;
    }
    location.assign(nextPath());
  } catch (error) {
    button.disabled = false;
    if (commonProblem(error)) return;
    if (error.status === 401) {
      showSummary(t("login.failed"));
      form.elements.password.select();
      form.elements.password.focus();
      return;
    }
    let shown = false;
    for (const entry of error.fieldErrors) {
      const name = (entry.loc || [])[1];
      if (name === "tenant") tenantField.hidden = false;
      shown = fieldError(name, name === "tenant" ? t("login.tenant_required") : errorMessage(entry)) || shown;
    }
    if (!shown) showSummary(t("error.generic"));
    const invalid = form.querySelector("[aria-invalid=true]");
    (invalid || summary).focus();
  }
}

function switchCodeKind() {
  usingRecovery = !usingRecovery;
  codeField.hidden = usingRecovery;
  recoveryField.hidden = !usingRecovery;
  codeSwitch.textContent = usingRecovery ? codeSwitch.dataset.toCode : codeSwitch.dataset.toRecovery;
  clearErrors();
  document.getElementById(usingRecovery ? "login-recovery" : "login-code").focus();
}

async function submitCode(event) {
  event.preventDefault();
  clearErrors();
  const name = usingRecovery ? "recovery" : "code";
  const value = document.getElementById(`login-${name}`).value.trim();
  if (!value) {
    fieldError(name, t("error.required"));
    document.getElementById(`login-${name}`).focus();
    return;
  }
  const body = { pending_token: pendingToken };
  body[usingRecovery ? "recovery_code" : "code"] = value;
  const button = codeForm.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await request("POST", "/auth/login/2fa", { body, signInOn401: false });
    location.assign(nextPath());
  } catch (error) {
    button.disabled = false;
    if (commonProblem(error)) return;
    if (error.status === 401 && error.problem.detail === "Wrong code") {
      fieldError(name, t("login.code_failed"));
      document.getElementById(`login-${name}`).select();
      document.getElementById(`login-${name}`).focus();
      return;
    }
    if (error.status === 401) {
      showSummary(t("login.step_expired"));
      return;
    }
    fieldError(name, t("login.code_failed"));
    document.getElementById(`login-${name}`).focus();
  }
}

async function submitEnrolment(event) {
  event.preventDefault();
  clearErrors();
  const input = document.getElementById("enrol-code");
  const code = input.value.trim();
  if (!code) {
    fieldError("enrol-code", t("error.required"));
    input.focus();
    return;
  }
  const button = enrolForm.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const done = await request("POST", "/auth/login/enrol/confirm", {
      body: { pending_token: pendingToken, code },
      signInOn401: false,
    });
    const list = document.getElementById("recovery-codes");
    list.replaceChildren(
      ...done.recovery_codes.map((value) => {
        const item = document.createElement("li");
        item.textContent = value;
        return item;
      }),
    );
    show(recoveryPanel);
    recoveryPanel.focus();
  } catch (error) {
    button.disabled = false;
    if (commonProblem(error)) return;
    if (error.status === 401) {
      showSummary(t("login.step_expired"));
      return;
    }
    fieldError("enrol-code", t("login.code_failed"));
    input.select();
    input.focus();
  }
}

form.addEventListener("submit", submit);
codeForm.addEventListener("submit", submitCode);
enrolForm.addEventListener("submit", submitEnrolment);
codeSwitch.addEventListener("click", switchCodeKind);
document.getElementById("recovery-continue").addEventListener("click", () => location.assign(nextPath()));
