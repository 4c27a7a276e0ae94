/**
 * anywidget entry of the Speaker widget: the same model-level Player as
 * `%%speak` (initialize), and the Speaker view (render).
 */
import { Player, type Model } from "./player";
import { renderSpeaker } from "./speaker_view";

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
    render({ model, el }: { model: any; el: HTMLElement }) {
      player ??= new Player(model);
      return renderSpeaker(model, el, player);
    },
  };
};
