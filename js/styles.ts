/**
 * The widgets' stylesheet (widget.css, bundled as text), added to a document once.
 *
 * Given as a widget's `_css`, anywidget sets it again for every new model: it replaces
 * the text of its <style> even when equal, and the page then recomputes the style of
 * the whole document — 1.6-2.7 ms in a small JupyterLab notebook (more in a large one)
 * for each new Player, while its speech's first audio is arriving.
 */
import css from "./widget.css";

const ID = "cartesia-widget-styles";

export function ensureStyles(doc: Document): void {
  const existing = doc.getElementById(ID);
  if (existing) {
    if (existing.textContent !== css) existing.textContent = css; // a newer package's
    return;
  }
  const style = doc.createElement("style");
  style.id = ID;
  style.textContent = css;
  (doc.head ?? doc.documentElement).appendChild(style);
}
