/**
 * anywidget entry of the kernel's Engine widget (static/engine.js): its
 * model connects to the page's engine in `initialize` — the audio of every
 * stream of that kernel comes through it — and opens the AudioContext at the
 * likely rate before the first speech; its view is one status line.
 */
import type { InitializeProps, RenderProps } from "@anywidget/types";
import { pageEngine } from "./engine";
import { renderEngine } from "./engine_view";
import type { EngineTraits } from "./models";
import { ensureStyles } from "./styles";

export default {
  initialize({ model }: InitializeProps<EngineTraits>) {
    const engine = pageEngine();
    const disconnect = engine.connect(model);
    engine.warm(Number(model.get("sample_rate")));
    return disconnect;
  },
  render({ model, el }: RenderProps<EngineTraits>) {
    ensureStyles(el.ownerDocument);
    return renderEngine(model, el, pageEngine());
  },
};
