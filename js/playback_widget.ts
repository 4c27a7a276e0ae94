/**
 * The anywidget module shape shared by both widgets: the model-level
 * `initialize` owns the widget's AudioEngine (so a widget displayed twice
 * plays once), each `render` draws a view bound to it, and both return their
 * cleanup. The factory runs once per widget model.
 */
import type { AnyModel, InitializeProps, RenderProps } from "@anywidget/types";
import { AudioEngine } from "./engine";
import type { PlayerTraits } from "./models";

/** A view: draws into `el`, bound to the model's engine; returns its cleanup. */
export type View<T extends PlayerTraits> = (
  model: AnyModel<T>,
  el: HTMLElement,
  engine: AudioEngine,
) => () => void;

export function engineWidget<T extends PlayerTraits>(view: View<T>) {
  return () => {
    let engine: AudioEngine | null = null;
    return {
      initialize({ model }: InitializeProps<T>) {
        engine ??= new AudioEngine(model);
        return () => {
          engine?.dispose();
          engine = null;
        };
      },
      render({ model, el }: RenderProps<T>) {
        engine ??= new AudioEngine(model);
        return view(model, el, engine);
      },
    };
  };
}
