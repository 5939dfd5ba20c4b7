// The page's boot data: locale, messages, object descriptions and which page this is.
// The server renders it as JSON into <script id="kith-boot">; it is read once here.

const node = document.getElementById("kith-boot");

/** @type {{locale: string, version: string, messages: Record<string, string>,
 *   objects: Record<string, any>, nav: string[], page: Record<string, any>}} */
export const boot = node ? JSON.parse(node.textContent) : { objects: {}, messages: {}, nav: [], page: {} };

export const objects = boot.objects;

/** The UI description of an object type ("contact"), or undefined. */
export function objectSpec(name) {
  return objects[name];
}

/** The field description {kind, target?, options?, ...} of an object's field. */
export function fieldSpec(objectName, field) {
  const spec = objects[objectName];
  return (spec && spec.fields[field]) || { kind: "text" };
}

export function recordUrl(objectName, id) {
  return `/o/${objects[objectName].plural}/${encodeURIComponent(id)}`;
}

export function listUrl(objectName, params) {
  const url = new URL(`/o/${objects[objectName].plural}`, location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    for (const item of [].concat(value)) url.searchParams.append(key, item);
  }
  return url.pathname + url.search;
}
