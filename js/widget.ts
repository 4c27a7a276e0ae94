/**
 * anywidget entry of the `%%speak` player: the model-level engine (initialize,
 * so a widget displayed twice plays once) and the compact player view (render).
 */
import { playerWidget } from "./player";
import { renderPlayer } from "./view";

export default playerWidget(renderPlayer);
