// @ts-check
// Attachments in a conversation: a thumbnail for photos, a link for PDFs. The file comes from
// GET /api/v1/attachments/{id} with the bearer token (fetch, then a blob: URL), never a bare URL.
import { apiError, fetchBlob } from "./api.js";
import { el } from "./dom.js";
import { fileSize } from "./format.js";
/** @import { Message } from "./types.js" */

const ICON_DOCUMENT = "/static/img/document.svg";
const ICON_PHOTO = "/static/img/photo.svg";

/** @type {Map<string, Promise<string>>} attachment id → its blob: URL */
const urls = new Map();

/** @param {string} id */
async function blobUrl(id) {
  let url = urls.get(id);
  if (!url) {
    url = fetchBlob(`/attachments/${encodeURIComponent(id)}`).then((blob) => URL.createObjectURL(blob));
    urls.set(id, url);
  }
  try {
    return await url;
  } catch (error) {
    urls.delete(id);
    throw error;
  }
}

/** @param {Message} message  an attachment message */
export function renderAttachment(message) {
  const info = message.data && message.data.attachment;
  if (!info) return el("p", { class: "message-body" }, message.body || "Document");
  const name = info.filename || "document";
  const size = fileSize(info.size);
  const isImage = typeof info.content_type === "string" && info.content_type.startsWith("image/");
  const status = el("span", { class: "visually-hidden", role: "status" });
  const link = el(
    "a",
    { href: "#", class: "attachment", download: name, dataset: { attachmentId: info.id } },
    // The kind is said in words and drawn as an SVG, never as an emoji (boxes without an emoji font).
    el("img", { class: "attachment-icon", src: isImage ? ICON_PHOTO : ICON_DOCUMENT, alt: "", width: 20, height: 20 }),
    el("span", { class: "attachment-kind" }, isImage ? "Photo : " : "Document : "),
    name,
    size ? ` (${size})` : "",
  );
  link.addEventListener("click", async (event) => {
    if (link.dataset.ready === "true") return; // the blob URL is in place: let the browser open it
    event.preventDefault();
    status.textContent = "Téléchargement du document…";
    try {
      link.href = await blobUrl(info.id);
      link.dataset.ready = "true";
      status.textContent = "";
      link.click();
    } catch (error) {
      const detail = apiError(error, "Document indisponible.").detail;
      status.textContent = detail;
      link.after(el("span", { class: "error" }, ` ${detail}`));
    }
  });
  const box = el("div", { class: "message-body" }, link, status);
  if (isImage) {
    const img = el("img", { class: "attachment-thumb", alt: `Photo : ${name}`, hidden: true });
    box.append(img);
    blobUrl(info.id)
      .then((url) => {
        img.src = url;
        img.hidden = false;
      })
      .catch(() => {});
  }
  return box;
}
