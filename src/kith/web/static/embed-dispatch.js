// <kith-dispatch work-order="…" token="…" lang="zh-CN|en"></kith-dispatch>
// The dispatch panel inside another system's page (MES, ERP). Kith serves this file at
// /embed/dispatch.js with the panel (dispatch-panel.js) and the messages bundled in, as
// one classic script: the host adds <script src="https://kith…/embed/dispatch.js">.
// The token is a short-lived embed token (POST /api/v1/embed/tokens, component "dispatch");
// the element calls /embed/api/dispatch/{id} on Kith's origin with it. Shadow DOM keeps
// the host's styles out.

const KITH_ORIGIN = new URL(document.currentScript ? document.currentScript.src : location.href).origin;

class KithDispatch extends HTMLElement {
  static get observedAttributes() {
    return ["work-order", "token", "lang"];
  }

  connectedCallback() {
    if (!this.shadowRoot) this.attachShadow({ mode: "open" });
    this.load();
  }

  attributeChangedCallback() {
    if (this.shadowRoot) this.load();
  }

  async call(method, path, body) {
    const response = await fetch(`${KITH_ORIGIN}/embed/api/dispatch/${encodeURIComponent(this.getAttribute("work-order") || "")}${path}`, {
      method,
      headers: { "X-Kith-Embed-Token": this.getAttribute("token") || "", "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(data.detail || `HTTP ${response.status}`);
      error.problem = data;
      error.status = response.status;
      throw error;
    }
    return data;
  }

  async load() {
    const lang = this.getAttribute("lang") === "en" ? "en" : "zh-CN";
    const messages = MESSAGES[lang];
    const t = (key, vars) => {
      const template = messages[key];
      if (template === undefined) return key;
      return vars ? template.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole)) : template;
    };
    const root = el("div", { lang });
    this.shadowRoot.replaceChildren(el("style", {}, PANEL_CSS + ":host{display:block;font:14px/1.5 system-ui,sans-serif}.button{font:inherit;padding:.35rem .75rem;border-radius:6px;border:1px solid #98a2b3;background:#fff;cursor:pointer}.button-primary{background:#1d4ed8;color:#fff;border-color:#1d4ed8}"), root);
    try {
      await renderPanel(root, {
        t,
        locale: lang,
        client: {
          detail: () => this.call("GET", ""),
          recommend: () => this.call("POST", "/recommendation", {}),
          assign: (body) => this.call("POST", "/assign", body),
        },
      });
    } catch (error) {
      root.replaceChildren(el("p", { class: "kd-error", role: "alert" }, error.status === 403 ? t("dispatch.embed_expired") : error.message));
    }
  }
}

if (!customElements.get("kith-dispatch")) customElements.define("kith-dispatch", KithDispatch);
