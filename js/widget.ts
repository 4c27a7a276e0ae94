/**
 * anywidget entry. The factory runs once per widget model: `initialize` creates
 * the model's audio engine (so a widget displayed twice plays once) and
 * `render` draws a view bound to it. Both return their cleanup.
 */
import { Player, type Model } from "./player";
import { renderPlayer, type ViewModel } from "./view";

export default () => {
  let player: Player | null = null;
  return {
    initialize({ model }: { model: Model }) {
      player ??= new Player(model);
      return () => {
        player?.dispose();
        player = null;
      };
    },
    render({ model, el }: { model: ViewModel & Model; el: HTMLElement }) {
      player ??= new Player(model);
      return renderPlayer(model, el, player);
    },
  };
};
