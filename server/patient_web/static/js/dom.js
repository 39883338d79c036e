// @ts-check
// Tiny DOM helpers: elements are built with textContent, never innerHTML, so names and messages
// typed by people can never become markup.

/**
 * What `el` accepts as a child: nodes, and text (null, undefined and false are skipped).
 * @typedef {Node | string | number | boolean | null | undefined} Child
 */

/**
 * Attributes for `el`: `class`, `text`, `dataset` (an object), `on<event>` (a listener), and any
 * other attribute (true → present and empty; null, undefined, false → absent).
 * @typedef {{[name: string]: unknown, class?: string, dataset?: Record<string, string>}} Attributes
 */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = String(value);
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    } else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * The element of the page's markup that `selector` names. Its absence is a bug of the page (an
 * Error that names the selector, instead of a TypeError on null further on).
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {HTMLElement}
 */
export function $(selector, root = document) {
  const node = root.querySelector(selector);
  if (!(node instanceof HTMLElement)) throw new Error(`Élément introuvable dans la page : ${selector}`);
  return node;
}

/**
 * An element that a page may or may not have (the invitation landing differs per link state).
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {HTMLElement | null}
 */
export function $maybe(selector, root = document) {
  const node = root.querySelector(selector);
  return node instanceof HTMLElement ? node : null;
}

/**
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {HTMLElement[]}
 */
export function $$(selector, root = document) {
  return Array.from(root.querySelectorAll(selector)).filter((node) => node instanceof HTMLElement);
}

/**
 * `node` as the element class the code needs (a form, an input…), checked: the markup and the
 * script cannot drift apart unnoticed.
 * @template {Element} T
 * @param {Element} node
 * @param {{new (): T, prototype: T}} type  HTMLFormElement, HTMLInputElement…
 * @returns {T}
 */
export function typed(node, type) {
  if (!(node instanceof type)) throw new TypeError(`Élément inattendu : ${node.tagName} (#${node.id})`);
  return node;
}

/**
 * @param {HTMLElement | null} node
 * @param {boolean} [visible]
 */
export function show(node, visible = true) {
  if (node) node.hidden = !visible;
}

/**
 * Move focus to a region (headings and containers get tabindex=-1 for that).
 * @param {HTMLElement | null} node
 */
export function focusOn(node) {
  if (!node) return;
  if (!node.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(node.tagName)) {
    node.setAttribute("tabindex", "-1");
  }
  node.focus();
}

// Web addresses in what people write: http(s) only, to the first space, quote, angle bracket or
// guillemet; sentence punctuation after them is not part of them (desktop/domain/links.py).
const WEB_LINK = /https?:\/\/[^\s<>"'«»]+/gi;
const TRAILING = ".,;:!?";

/** @param {string} url */
function trimLink(url) {
  let end = url.length;
  const count = (/** @type {string} */ c) => url.slice(0, end).split(c).length - 1;
  while (end > 0 && (TRAILING.includes(url[end - 1]) || (url[end - 1] === ")" && count("(") < count(")")))) end -= 1;
  return url.slice(0, end);
}

/**
 * `text` as children for `el`: its http(s) addresses as links (built with DOM APIs, opened in a new
 * tab without access to this page), everything else as text. Nothing in `text` can become markup.
 * @param {string} text
 * @returns {(string | HTMLAnchorElement)[]}
 */
export function linkedText(text) {
  /** @type {(string | HTMLAnchorElement)[]} */
  const out = [];
  let at = 0;
  for (const match of text.matchAll(WEB_LINK)) {
    const start = match.index ?? 0;
    const url = trimLink(match[0]);
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      continue; // « https:// » alone
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") continue;
    if (start > at) out.push(text.slice(at, start));
    out.push(el("a", { href: parsed.href, rel: "noopener noreferrer", target: "_blank" }, url));
    at = start + url.length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}
