/** The kernel's notice and error lines, shown only when they have text. */
import { el, showText } from "./dom";
import type { AnyModel } from "@anywidget/types";
import type { PlayerTraits } from "./models";

export interface NoticesPart {
  notice: HTMLDivElement;
  error: HTMLDivElement;
  update(): void;
}

export function noticesPart<T extends PlayerTraits>(model: AnyModel<T>): NoticesPart {
  const notice = el("div", "cw-notice");
  const error = el("div", "cw-error");
  error.setAttribute("role", "alert");
  const update = () => {
    showText(notice, String(model.get("notice") ?? ""));
    showText(error, String(model.get("error") ?? ""));
  };
  return { notice, error, update };
}
