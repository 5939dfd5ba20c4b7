// An accessible search-as-you-type combobox (ARIA 1.2 pattern) used by the
// reference picker and the global search box.

import { debounce, h, uid } from "./dom.js";
import { t } from "./i18n.js";

/**
 * combobox({input, label, search: async q => [{label, sublabel?, ...}], onSelect(option)})
 * Returns {list, close} — the caller places `list` next to the input (a positioned parent).
 */
export function combobox({ input, label, search, onSelect, minChars = 1, delay = 200 }) {
  const listId = uid("listbox");
  const list = h("ul", { id: listId, role: "listbox", class: "combo-list", hidden: true, "aria-label": label });
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listId);
  input.setAttribute("autocomplete", "off");

  let options = [];
  let active = -1;
  let sequence = 0;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    const items = list.querySelectorAll("[role=option]:not([aria-disabled])");
    items.forEach((item, i) => item.setAttribute("aria-selected", i === index ? "true" : "false"));
    active = index;
    if (index >= 0 && items[index]) {
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(index) {
    const option = options[index];
    if (!option) return;
    close();
    onSelect(option);
  }

  function show(results) {
    options = results;
    const items = results.map((option, index) =>
      h(
        "li",
        {
          id: `${listId}-${index}`,
          role: "option",
          "aria-selected": "false",
          class: "combo-option",
          on: {
            mousedown: (event) => event.preventDefault(),
            click: () => choose(index),
          },
        },
        h("span", { class: "combo-label" }, option.label),
        option.sublabel ? h("span", { class: "combo-sub" }, option.sublabel) : null,
      ),
    );
    if (!items.length) {
      items.push(h("li", { role: "option", "aria-disabled": "true", class: "combo-empty" }, t("picker.no_results")));
    }
    list.replaceChildren(...items);
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }

  const run = debounce(async () => {
    const query = input.value.trim();
    if (query.length < minChars) {
      close();
      return;
    }
    const mine = ++sequence;
    let results = [];
    try {
      results = await search(query);
    } catch {
      results = [];
    }
    if (mine === sequence && document.activeElement === input) show(results);
  }, delay);

  input.addEventListener("input", run);
  input.addEventListener("blur", close);
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!open) run();
      else highlight(Math.min(active + 1, options.length - 1));
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });
  return { list, close };
}
