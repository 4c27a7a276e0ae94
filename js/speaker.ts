/**
 * anywidget entry of the Speaker widget: the same model-level audio engine as
 * the `%%speak` player (initialize), and the Speaker view (render).
 */
import { playbackWidget } from "./playback_widget";
import { renderSpeaker } from "./speaker_view";

export default playbackWidget(renderSpeaker);
