// Form controls for one field each, built from schema field descriptors (schema.js).
// Every control has a visible label, an error slot wired with aria-describedby,
// and converts between API values and input values.

import { api } from "./api.js";
import { objects } from "./boot.js";
import { combobox } from "./combobox.js";
import { h, uid } from "./dom.js";
import { enumLabel, fieldLabel, t } from "./i18n.js";
import { loadTeams, loadUsers } from "./me.js";
import { loadStages, recordTitle, rememberTitle, resolveTitles, titleOf } from "./refs.js";

function pad(n) {
  return String(n).padStart(2, "0");
}

/** ISO instant -> "YYYY-MM-DDTHH:MM" in local time for <input type=datetime-local>. */
export function toLocalInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

function searchLabel(record) {
  const parts = ["title", "company", "email", "phone", "mobile", "sku", "city"]
    .map((key) => record[key])
    .filter(Boolean);
  return parts.slice(0, 2).join(" · ");
}

/** Search records of `target` for a picker: full-text when the object supports it. */
async function searchRecords(target, query) {
  const spec = objects[target];
  if (spec.searchable) {
    const page = await api.get(`/${spec.plural}`, { q: query, limit: 8 });
    return page.items;
  }
  const page = await api.get(`/${spec.plural}`, { limit: 100 });
  const needle = query.toLowerCase();
  return page.items.filter((item) => recordTitle(target, item).toLowerCase().includes(needle)).slice(0, 8);
}

function selectOptions(select, entries, current, { allowEmpty = true } = {}) {
  const options = [];
  if (allowEmpty) options.push(h("option", { value: "" }, "—"));
  for (const [value, label] of entries) {
    options.push(h("option", { value, selected: value === current }, label));
  }
  if (current && !entries.some(([value]) => value === current)) {
    options.push(h("option", { value: current, selected: true }, current));
  }
  select.replaceChildren(...options);
  select.value = current || "";
}

/**
 * createControl("deal", field, value, {disabled, note, onChange})
 * -> {name, element, focus(), getValue(), setValue(v), setError(msg), clearError(), onChange(fn),
 *     bindPipeline(control) — stage selects only: follow a pipeline control}
 */
export function createControl(objectName, field, value, options = {}) {
  const id = uid(`f-${field.name}`);
  const errorId = `${id}-error`;
  const noteId = `${id}-note`;
  const listeners = [];
  const notify = () => listeners.forEach((fn) => fn());
  const label = fieldLabel(objectName, field.name);
  const common = {
    id,
    name: field.name,
    "aria-describedby": [options.note ? noteId : null, errorId].filter(Boolean).join(" "),
    disabled: options.disabled,
    required: field.required && field.kind !== "bool",
  };
  let input;
  let getValue;
  let setValue;
  let extra = null;
  let bindPipeline = null;

  switch (field.kind) {
    case "bool": {
      input = h("input", { ...common, type: "checkbox", checked: Boolean(value) });
      getValue = () => input.checked;
      setValue = (v) => { input.checked = Boolean(v); };
      break;
    }
    case "enum": {
      input = h("select", common);
      const entries = field.options.map((option) => [option, enumLabel(objectName, field.name, option)]);
      const allowEmpty = field.nullable || (!field.required && field.default === undefined);
      selectOptions(input, entries, value ?? "", { allowEmpty });
      getValue = () => input.value || null;
      setValue = (v) => { input.value = v ?? ""; };
      break;
    }
    case "user":
    case "team": {
      input = h("select", common);
      selectOptions(input, [], value ?? "");
      const load = field.kind === "user" ? loadUsers() : loadTeams();
      load.then((map) => {
        const entries = [...map.values()].map((item) => [item.id, item.name]).sort((a, b) => a[1].localeCompare(b[1]));
        selectOptions(input, entries, input.value);
      });
      getValue = () => input.value || null;
      setValue = (v) => { input.value = v ?? ""; };
      break;
    }
    case "stage": {
      input = h("select", common);
      selectOptions(input, [], value ?? "");
      let pipelineId = null;
      const fill = async (keep) => {
        const stages = pipelineId ? await loadStages(pipelineId) : [];
        const entries = stages.map((stage) => [stage.id, `${stage.name} (${stage.probability}%)`]);
        const current = keep && stages.some((s) => s.id === keep) ? keep : "";
        selectOptions(input, entries, current, { allowEmpty: true });
      };
      bindPipeline = (control) => {
        pipelineId = control.getValue();
        fill(value);
        control.onChange(() => {
          const next = control.getValue();
          if (next === pipelineId) return;
          pipelineId = next;
          fill(null);
        });
      };
      getValue = () => input.value || null;
      setValue = (v) => { input.value = v ?? ""; };
      break;
    }
    case "ref":
      if (!objects[field.target].searchable) {
        input = h("select", common);
        selectOptions(input, [], value ?? "");
        const plural = objects[field.target].plural;
        api.get(`/${plural}`, { limit: 200 }).then((page) => {
          const entries = page.items.map((item) => [item.id, recordTitle(field.target, item)]);
          let current = input.value;
          if (!current && field.target === "pipeline") {
            current = (page.items.find((item) => item.is_default) || page.items[0] || {}).id || "";
          }
          selectOptions(input, entries, current);
          notify();
        }).catch(() => {});
        getValue = () => input.value || null;
        setValue = (v) => { input.value = v ?? ""; };
        break;
      }
      ({ input, getValue, setValue, extra } = referencePicker(field.target, value, common, label, notify));
      break;
    case "longtext":
      input = h("textarea", { ...common, rows: 4, maxlength: field.maxLength });
      input.value = value ?? "";
      break;
    case "int":
    case "decimal":
      input = h("input", {
        ...common,
        type: "number",
        step: field.kind === "int" ? "1" : "0.01",
        min: field.minimum,
        max: field.maximum,
        inputmode: field.kind === "int" ? "numeric" : "decimal",
        value: value ?? "",
      });
      break;
    case "date":
      input = h("input", { ...common, type: "date", value: value ?? "" });
      break;
    case "datetime":
      input = h("input", { ...common, type: "datetime-local", value: toLocalInput(value) });
      getValue = () => fromLocalInput(input.value);
      setValue = (v) => { input.value = toLocalInput(v); };
      break;
    case "email":
      input = h("input", { ...common, type: "email", maxlength: field.maxLength, value: value ?? "", autocomplete: "off" });
      break;
    default:
      input = h("input", { ...common, type: "text", maxlength: field.maxLength, value: value ?? "" });
  }

  if (!getValue) {
    getValue = () => {
      const raw = input.value.trim();
      if (raw === "") return field.required ? "" : null;
      if (field.kind === "int") return Number.isInteger(Number(raw)) ? Number(raw) : raw;
      return raw;
    };
    setValue = (v) => { input.value = v ?? ""; };
  }
  input.addEventListener("change", notify);

  const error = h("p", { class: "field-error", id: errorId });
  const note = options.note ? h("p", { class: "field-hint", id: noteId }, options.note) : null;
  const labelNode = h(
    "label",
    { for: id },
    label,
    field.required ? h("span", { class: "required-mark", "aria-hidden": "true" }, " *") : null,
  );
  const element = h(
    "div",
    { class: ["field", `field-${field.kind}`], dataset: { field: field.name } },
    field.kind === "bool" ? h("div", { class: "check" }, input, labelNode) : [labelNode, extra || input],
    note,
    error,
  );

  return {
    name: field.name,
    field,
    element,
    bindPipeline,
    focus: () => input.focus(),
    getValue,
    setValue,
    onChange: (fn) => listeners.push(fn),
    setError(message) {
      error.textContent = message;
      input.setAttribute("aria-invalid", "true");
    },
    clearError() {
      error.textContent = "";
      input.removeAttribute("aria-invalid");
    },
  };
}

/** A search-as-you-type picker for a reference; the chosen record's id is the value. */
function referencePicker(target, value, common, label, notify) {
  let selected = value || null;
  const input = h("input", { ...common, type: "text", spellcheck: "false", placeholder: t("picker.placeholder") });
  const show = () => {
    input.value = selected ? titleOf(target, selected) || "" : "";
  };
  if (selected && titleOf(target, selected) === undefined) {
    resolveTitles(target, [selected]).then(show);
  }
  show();
  const clear = h(
    "button",
    { type: "button", class: "picker-clear", "aria-label": t("picker.clear", { field: label }), disabled: common.disabled },
    "×",
  );
  const { list } = combobox({
    input,
    label,
    search: async (query) => {
      const items = await searchRecords(target, query);
      return items.map((item) => ({ id: item.id, label: recordTitle(target, item), sublabel: searchLabel(item), record: item }));
    },
    onSelect: (option) => {
      rememberTitle(target, option.record);
      selected = option.id;
      show();
      notify();
    },
  });
  input.addEventListener("blur", () => {
    if (input.value.trim() === "") {
      if (selected) {
        selected = null;
        notify();
      }
    } else {
      show();
    }
  });
  clear.addEventListener("click", () => {
    selected = null;
    show();
    notify();
    input.focus();
  });
  const extra = h("div", { class: "picker" }, input, clear, list);
  return {
    input,
    extra,
    getValue: () => selected,
    setValue: (v) => {
      selected = v || null;
      show();
    },
  };
}
