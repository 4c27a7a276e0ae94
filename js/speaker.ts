/**
 * anywidget entry of the Speaker widget: the same model-level engine as
 * `%%speak` (initialize), and the Speaker view (render).
 */
import { playerWidget } from "./player";
import { renderSpeaker } from "./speaker_view";

export default playerWidget(renderSpeaker);
