/**
 * DOM helpers shared by the views. Text always goes through textContent,
 * never innerHTML, so text from the kernel or the user stays text.
 */

/** A new element with a class and its text set through textContent. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = "",
  text = "",
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** A widget's outer box: a group named `aria` for assistive technology. */
export function group(className: string, aria: string): HTMLDivElement {
  const box = el("div", className);
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", aria);
  return box;
}

/** A plain button (not a form submit) with an accessible label. */
export function button(text: string, aria: string, className: string): HTMLButtonElement {
  const b = el("button", className, text);
  b.type = "button";
  b.setAttribute("aria-label", aria);
  return b;
}

/** `control` with a visible name before it, which is also its accessible label. */
export function labelled<T extends HTMLElement>(text: string, control: T): HTMLLabelElement {
  const label = el("label", "cw-field");
  label.append(el("span", "cw-field-name", text), control);
  control.setAttribute("aria-label", text);
  return label;
}

/** Replace a select's options by `[value, text]` pairs and select `value`. */
export function fill(
  select: HTMLSelectElement,
  options: Array<[string, string]>,
  value: string,
): void {
  select.replaceChildren(
    ...options.map(([v, text]) => {
      const o = el("option", "", text);
      o.value = v;
      return o;
    }),
  );
  select.value = value;
}

/** Show `text` in `node`, hiding it when empty. */
export function showText(node: HTMLElement, text: string): void {
  node.textContent = text;
  node.hidden = !text;
}
