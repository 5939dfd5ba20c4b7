// Building DOM nodes safely: text always goes through text nodes, never HTML parsing.

const BOOLEAN_ATTRIBUTES = new Set([
  "checked", "disabled", "hidden", "multiple", "open", "readonly", "required", "selected", "autofocus",
]);

/**
 * h("a", {href: "/x", class: "link", on: {click: fn}}, "text", childNode, [more])
 * Attribute values are set with setAttribute; children that are not nodes become text.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "on") {
      for (const [type, handler] of Object.entries(value)) el.addEventListener(type, handler);
    } else if (key === "class") {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "value" && "value" in el) {
      el.value = value;
    } else if (BOOLEAN_ATTRIBUTES.has(key)) {
      el.setAttribute(key, "");
      if (key in el) el[key] = true;
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of [].concat(children).flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replace all children of `parent`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

let idCounter = 0;
/** A document-unique id for label/aria wiring. */
export function uid(prefix = "k") {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A visually hidden live region message for screen readers. */
export function announce(message) {
  let region = document.getElementById("kith-live");
  if (!region) {
    region = h("div", { id: "kith-live", class: "visually-hidden", "aria-live": "polite" });
    document.body.append(region);
  }
  region.textContent = message;
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
