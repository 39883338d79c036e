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
