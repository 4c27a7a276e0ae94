/**
 * The anywidget module shape of the widgets that show speech (Player,
 * Speaker): `initialize` binds the model to the page's engine through a
 * Playback (so a widget displayed twice plays once), each `render` draws a
 * view of it, and both return their cleanup. The audio itself reaches the
 * engine through the kernel's Engine widget (engine_entry.ts).
 */
import type { AnyModel, InitializeProps, RenderProps } from "@anywidget/types";
import { pageEngine } from "./engine";
import type { PlayerTraits } from "./models";
import { Playback } from "./playback";
import { ensureStyles } from "./styles";

/** A view: draws into `el`, bound to the widget's playback; returns its cleanup. */
export type View<T extends PlayerTraits> = (
  model: AnyModel<T>,
  el: HTMLElement,
  playback: Playback,
) => () => void;

export function playbackWidget<T extends PlayerTraits>(view: View<T>) {
  return () => {
    let playback: Playback | null = null;
    const bind = (model: AnyModel<T>) => {
      playback ??= new Playback(model as unknown as AnyModel<PlayerTraits>, pageEngine());
      return playback;
    };
    return {
      initialize({ model }: InitializeProps<T>) {
        bind(model);
        return () => {
          playback = null;
        };
      },
      render({ model, el }: RenderProps<T>) {
        ensureStyles(el.ownerDocument);
        return view(model, el, bind(model));
      },
    };
  };
}
