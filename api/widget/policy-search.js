/*
 * <policy-search> — an embeddable search box for policygraph.
 *
 * One line on any page:
 *   <script src="https://HOST/widget/policy-search.js" defer></script><policy-search></policy-search>
 *
 * Attributes: endpoint (default: where this script was loaded from), firm-in (default location,
 * e.g. 厦门市), as-of (YYYY-MM-DD), k (number of results, default 8), placeholder.
 * Every value from the service is written with textContent or as an attribute of an element made
 * here, never parsed as HTML, so clause text and questions render inertly.
 */
(() => {
  "use strict";
  const SCRIPT_ORIGIN = (() => {
    try {
      return new URL(document.currentScript && document.currentScript.src ? document.currentScript.src : location.href).origin;
    } catch (e) {
      return "";
    }
  })();

  const STYLE = `
    :host { display: block; font-family: system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #1a1a1a; }
    form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
    label { display: flex; flex-direction: column; font-size: .85rem; color: #444; gap: .2rem; }
    .q { flex: 1 1 18rem; }
    input, select, button { font: inherit; padding: .45rem .6rem; border: 1px solid #b8bec9; border-radius: 6px; }
    button { background: #0b57d0; color: #fff; border-color: #0b57d0; cursor: pointer; }
    input:focus-visible, select:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
    .status { margin: .6rem 0; font-size: .9rem; color: #444; min-height: 1.2em; }
    ol { list-style: none; padding: 0; margin: 0; display: grid; gap: .8rem; }
    li.hit { border: 1px solid #dde1e7; border-radius: 8px; padding: .8rem 1rem; }
    .cite { font-weight: 600; color: #0b57d0; text-decoration: none; }
    .cite:hover { text-decoration: underline; }
    .badge { display: inline-block; font-size: .8rem; padding: .05rem .5rem; border-radius: 999px; margin-left: .4rem; }
    .yes { background: #e3f4e8; color: #1e6b34; } .no { background: #fbe5e5; color: #9b1c1c; } .unknown { background: #eef0f3; color: #555; }
    .why { font-size: .85rem; color: #555; margin: .2rem 0; }
    .amounts { margin: .3rem 0; padding: 0; display: flex; flex-wrap: wrap; gap: .3rem; list-style: none; }
    .amounts li { background: #f3f6fb; border-radius: 4px; padding: .05rem .45rem; font-size: .85rem; }
    .amounts li.match { background: #fff2cc; font-weight: 600; }
    .text { font-size: .9rem; line-height: 1.6; margin: .3rem 0 0; }
  `;

  const APPLIES = { true: ["适用", "yes"], false: ["不适用", "no"], null: ["待确认", "unknown"] };

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function yuan(value) {
    if (value >= 1e8 && value % 1e8 === 0) return `${value / 1e8}亿元`;
    if (value >= 1e4) return `${+(value / 1e4).toFixed(2)}万元`;
    return `${value}元`;
  }

  function amountText(a) {
    if (a.kind === "ratio") return `${+(a.value * 100).toFixed(2)}%`;
    if (a.kind === "per_unit") return `每${a.unit}${a.value}元`;
    if (a.kind === "threshold") return `门槛 ${yuan(a.value)}`;
    return yuan(a.value);
  }

  class PolicySearch extends HTMLElement {
    static get observedAttributes() { return ["endpoint", "firm-in", "as-of", "k"]; }

    constructor() {
      super();
      this.root = this.attachShadow({ mode: "open" });
      this.seq = 0;
    }

    get endpoint() {
      const value = this.getAttribute("endpoint");
      return (value === null || value === "" ? SCRIPT_ORIGIN : value).replace(/\/+$/, "");
    }

    connectedCallback() {
      if (this.form) return;
      const uid = Math.random().toString(36).slice(2, 8);
      this.root.append(el("style", {}, STYLE));
      const form = el("form", { role: "search", "aria-label": "政策条款检索" });
      const qLabel = el("label", { class: "q", for: `q-${uid}` }, "问题");
      this.input = el("input", {
        id: `q-${uid}`, type: "search", name: "q", required: "", maxlength: "500", autocomplete: "off",
        placeholder: this.getAttribute("placeholder") || "例如：厦门企业通过DCMM四级能拿多少奖励",
      });
      qLabel.append(this.input);
      const placeLabel = el("label", { for: `p-${uid}` }, "企业所在地");
      this.place = el("select", { id: `p-${uid}`, name: "firm_in" });
      this.place.append(el("option", { value: "" }, "不限"));
      placeLabel.append(this.place);
      const dateLabel = el("label", { for: `d-${uid}` }, "日期");
      this.date = el("input", { id: `d-${uid}`, type: "date", name: "as_of" });
      if (this.getAttribute("as-of")) this.date.value = this.getAttribute("as-of");
      dateLabel.append(this.date);
      const button = el("button", { type: "submit" }, "搜索");
      form.append(qLabel, placeLabel, dateLabel, button);
      this.status = el("div", { class: "status", role: "status", "aria-live": "polite" });
      this.list = el("ol", { class: "results", "aria-label": "检索结果" });
      this.root.append(form, this.status, this.list);
      form.addEventListener("submit", (event) => { event.preventDefault(); this.search(this.input.value); });
      this.form = form;
      this.loadPlaces();
    }

    async loadPlaces() {
      const wanted = this.getAttribute("firm-in") || "";
      try {
        const response = await fetch(`${this.endpoint}/jurisdictions`, { headers: { accept: "application/json" } });
        if (!response.ok) throw new Error(String(response.status));
        const body = await response.json();
        for (const p of body.places || []) {
          const indent = p.level === "prefecture" ? "　" : p.level === "county" || p.level === "zone" ? "　　" : "";
          this.place.append(el("option", { value: p.name }, `${indent}${p.name}`));
        }
      } catch (e) {
        /* the selector keeps 不限; a typed firm-in attribute still works */
      }
      if (wanted) {
        if (![...this.place.options].some((o) => o.value === wanted)) this.place.append(el("option", { value: wanted }, wanted));
        this.place.value = wanted;
      }
    }

    async search(question) {
      const q = (question || "").trim();
      if (!q) { this.status.textContent = "请输入问题"; return; }
      const seq = ++this.seq;
      const params = new URLSearchParams({ q, k: this.getAttribute("k") || "8" });
      if (this.place.value) params.set("firm_in", this.place.value);
      if (this.date.value) params.set("as_of", this.date.value);
      this.status.textContent = "检索中…";
      this.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(`${this.endpoint}/search?${params}`, { headers: { accept: "application/json" } });
        const body = await response.json();
        if (seq !== this.seq) return;
        if (!response.ok) throw new Error((body.error && body.error.message) || `HTTP ${response.status}`);
        this.render(body);
      } catch (e) {
        if (seq !== this.seq) return;
        this.list.replaceChildren();
        this.status.textContent = `出错：${e.message}`;
      } finally {
        if (seq === this.seq) this.removeAttribute("aria-busy");
      }
    }

    render(body) {
      const hits = body.results || [];
      this.list.replaceChildren(...hits.map((h) => this.hit(h)));
      this.status.textContent = hits.length ? `找到 ${hits.length} 条相关条款` : "没有找到相关条款";
      this.dispatchEvent(new CustomEvent("policy-search:results", { detail: body, bubbles: true, composed: true }));
    }

    hit(h) {
      const item = el("li", { class: "hit" });
      const href = `${this.endpoint}/eli/${String(h.id).split("/").map(encodeURIComponent).join("/")}`;
      const title = el("a", { class: "cite", href }, `${h.citation}${h.heading ? " " + h.heading : ""}`);
      const [label, cls] = APPLIES[String(h.applies)] || APPLIES.null;
      item.append(title, el("span", { class: `badge ${cls}` }, label));
      item.append(el("p", { class: "why" }, h.why));
      const matched = new Set((h.matched_tier || []).map((m) => `${m.tier}|${m.value}`));
      const amounts = (h.amounts || []).filter((a) => a.kind !== "count_limit");
      if (amounts.length) {
        const ul = el("ul", { class: "amounts", "aria-label": "金额" });
        for (const a of amounts) {
          const isMatch = [...matched].some((key) => key.endsWith(`|${a.value}`) && a.tier && key.startsWith(a.tier.slice(-2)));
          ul.append(el("li", { class: isMatch ? "match" : "" }, `${a.tier ? a.tier + "：" : ""}${amountText(a)}`));
        }
        item.append(ul);
      }
      const text = String(h.text || "");
      item.append(el("p", { class: "text" }, text.length > 180 ? `${text.slice(0, 180)}…` : text));
      return item;
    }
  }

  if (!customElements.get("policy-search")) customElements.define("policy-search", PolicySearch);
})();
