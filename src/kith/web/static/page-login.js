// The sign-in form: POST /api/v1/auth/login (sets the session cookie), then go on.

import { ApiError, request } from "./api.js";
import { boot } from "./boot.js";
import { errorMessage } from "./forms.js";
import { t } from "./i18n.js";

const form = document.getElementById("login-form");
const summary = document.getElementById("login-error");
const tenantField = document.getElementById("login-tenant-field");

function fieldError(name, message) {
  const input = form.elements[name];
  const slot = document.getElementById(`login-${name}-error`);
  if (!input || !slot) return false;
  slot.textContent = message;
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  return true;
}

function clearErrors() {
  for (const name of ["email", "password", "tenant"]) fieldError(name, "");
  summary.hidden = true;
  summary.textContent = "";
}

function showSummary(message) {
  summary.textContent = message;
  summary.hidden = false;
}

/** Only local paths: never send the user to another site after signing in. */
function nextPath() {
  const next = boot.page.next || "/";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
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
    await request("POST", "/auth/login", { body, signInOn401: false });
    location.assign(nextPath());
  } catch (error) {
    button.disabled = false;
    if (!(error instanceof ApiError)) throw error;
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
    if (!shown) showSummary(error.status === 0 ? t("error.network") : t("error.generic"));
    const invalid = form.querySelector("[aria-invalid=true]");
    (invalid || summary).focus();
  }
}

form.addEventListener("submit", submit);
