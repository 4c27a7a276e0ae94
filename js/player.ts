/**
 * anywidget entry of the `%%speak` player (the Python `Player` widget): the
 * model-level audio engine (initialize, so a widget displayed twice plays
 * once) and the compact player view (render).
 */
import { playbackWidget } from "./playback_widget";
import { renderPlayer } from "./player_view";

export default playbackWidget(renderPlayer);
