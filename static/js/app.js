// Small enhancements; every page works without this file.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// The error summary: the page puts the focus on it with autofocus; where a browser has
// not (autofocus is ignored once something has the focus), this does. A link in it
// moves the focus to its field and scrolls the field's label (or legend) into view,
// so a person sees what the field asks as well as the box.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary && (document.activeElement === document.body || !document.activeElement)) {
    summary.focus();
  }
});
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-error-summary] a[href^='#']");
  if (!link) return;
  const target = document.getElementById(link.getAttribute("href").slice(1));
  if (!target) return;
  event.preventDefault();
  const legend = target.closest("fieldset")?.querySelector("legend");
  const label = legend || document.querySelector(`label[for="${CSS.escape(target.id)}"]`);
  (label || target).scrollIntoView();
  target.focus({ preventScroll: true });
});

// The Markdown preview, enhanced: without this the "Preview" button sends the form and
// the server shows it again with the preview above it. Here the same request is made in
// the background and the server's preview (rendered by its sanitiser) is put above the
// form, so the page, and everything typed, stays as it is. On any failure the form is
// sent the plain way.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[name='preview']");
  const form = button && button.form;
  if (!form || form.dataset.previewPlain || !window.fetch || !window.DOMParser) return;
  event.preventDefault();
  const data = new FormData(form);
  data.set("preview", "1");
  let fresh = null;
  try {
    const response = await fetch(form.action, { method: "POST", body: data,
                                                credentials: "same-origin" });
    if (response.ok) {
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      fresh = page.getElementById("preview");
    }
  } catch (error) {
    fresh = null;
  }
  if (!fresh) {
    form.dataset.previewPlain = "1";
    button.click();
    return;
  }
  // One preview per form; ids are made unique, as a page may hold several boxes.
  const index = [...document.forms].indexOf(form);
  const old = document.querySelector(`[data-preview-for="${index}"]`);
  const heading = fresh.querySelector("h2");
  fresh.id = `preview-${index}`;
  fresh.dataset.previewFor = String(index);
  fresh.removeAttribute("autofocus");
  if (heading) {
    heading.id = `preview-${index}-heading`;
    fresh.setAttribute("aria-labelledby", heading.id);
  }
  const node = document.importNode(fresh, true);
  if (old) old.replaceWith(node); else form.before(node);
  node.focus();
});
