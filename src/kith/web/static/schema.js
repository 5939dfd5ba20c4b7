// Form fields generated from the OpenAPI document: the create body of each object.
// The document is fetched once per browser session and kept in sessionStorage.

import { boot, objects } from "./boot.js";

const STORAGE_KEY = `kith.openapi.${boot.version}`;
const RECORD_REF = "^[0-9a-f]{32}$";
let documentPromise;

async function fetchDocument() {
  try {
    const cached = sessionStorage.getItem(STORAGE_KEY);
    if (cached) return JSON.parse(cached);
  } catch {
    // Storage unavailable (private mode): fetch every time.
  }
  const response = await fetch("/api/openapi.json", { credentials: "same-origin" });
  if (!response.ok) throw new Error(`openapi.json: HTTP ${response.status}`);
  const doc = await response.json();
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(doc));
  } catch {
    // Quota exceeded: the in-memory copy serves this page.
  }
  return doc;
}

export function loadOpenApi() {
  documentPromise ??= fetchDocument();
  return documentPromise;
}

function deref(doc, schema) {
  let current = schema;
  while (current && current.$ref) {
    const path = current.$ref.replace(/^#\//, "").split("/");
    current = path.reduce((node, key) => node[key], doc);
  }
  return current;
}

/**
 * One JSON-schema property -> a field descriptor:
 * {name, kind, required, nullable, default, options?, maxLength?, minimum?, maximum?, target?}
 * kind is one of text, longtext, email, int, decimal, date, datetime, bool, enum, ref,
 * user, team, stage, or json (not editable in forms yet).
 */
function describe(doc, objectName, name, property, required) {
  const branches = (property.anyOf || [property]).map((branch) => deref(doc, branch));
  const values = branches.filter((branch) => branch.type !== "null");
  const nullable = values.length < branches.length;
  const field = { name, required, nullable, default: property.default, kind: "text" };
  const uiField = (objects[objectName].fields || {})[name] || {};
  const main = values.find((b) => b.enum) || values.find((b) => b.type === "number") || values[0] || {};
  for (const key of ["maxLength", "minimum", "maximum"]) if (main[key] !== undefined) field[key] = main[key];
  if (main.enum) {
    field.kind = "enum";
    field.options = main.enum;
  } else if (main.type === "boolean") {
    field.kind = "bool";
  } else if (main.type === "integer") {
    field.kind = "int";
  } else if (main.type === "number") {
    field.kind = "decimal";
  } else if (main.type === "array" || main.type === "object") {
    field.kind = "json";
  } else if (main.format === "date") {
    field.kind = "date";
  } else if (main.format === "date-time") {
    field.kind = "datetime";
  } else if (main.format === "email") {
    field.kind = "email";
  } else if (main.pattern === RECORD_REF) {
    if (uiField.kind === "user" || uiField.kind === "team") field.kind = uiField.kind;
    else if (uiField.target === "stage") field.kind = "stage";
    else if (uiField.target) Object.assign(field, { kind: "ref", target: uiField.target });
    else field.kind = "text";
  } else if (uiField.kind === "longtext" || (main.maxLength || 0) > 500) {
    field.kind = "longtext";
  }
  if (uiField.kind === "money") field.currencyField = uiField.currency_field;
  return field;
}

/** The fields of an object's create body, in schema order. */
export async function inputFields(objectName) {
  const doc = await loadOpenApi();
  const operation = doc.paths[`/api/v1/${objects[objectName].plural}`].post;
  const schema = deref(doc, operation.requestBody.content["application/json"].schema);
  const required = new Set(schema.required || []);
  return Object.entries(schema.properties).map(([name, property]) =>
    describe(doc, objectName, name, property, required.has(name)),
  );
}

/** Fields a form can edit, ordered: the object's form fields first, then the rest. */
export async function formFields(objectName) {
  const all = (await inputFields(objectName)).filter((field) => field.kind !== "json");
  const preferred = objects[objectName].form_fields || [];
  const rank = (field) => {
    const index = preferred.indexOf(field.name);
    if (index >= 0) return index;
    return field.required ? -1 : preferred.length;
  };
  const sorted = [...all].sort((a, b) => rank(a) - rank(b));
  return {
    primary: sorted.filter((field) => field.required || preferred.includes(field.name)),
    more: sorted.filter((field) => !field.required && !preferred.includes(field.name)),
  };
}
