// Small enhancements; every page works without this file.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// The same width as app.css's phone layout (48rem): above it the filter bar is open.
const wide = window.matchMedia("(min-width: 48.01rem)");

// The idea list's filters: always open on wide screens, folded behind "Filters" on
// phones unless some filter is in use (the page then renders the panel open).
function openFiltersWhenWide() {
  for (const panel of document.querySelectorAll("details.filter-panel")) {
    if (wide.matches) {
      panel.open = true;
    } else if (!panel.hasAttribute("data-active")) {
      panel.open = false;
    }
  }
}

// Stacked tables (app.css, ".table-wrap.stack"): display: block makes some browsers
// forget that a table is a table, so its roles are said out loud.
function keepTableRoles() {
  for (const table of document.querySelectorAll(".table-wrap.stack table")) {
    table.setAttribute("role", "table");
    for (const group of table.querySelectorAll("thead, tbody")) group.setAttribute("role", "rowgroup");
    for (const row of table.querySelectorAll("tr")) row.setAttribute("role", "row");
    for (const cell of table.querySelectorAll("td")) cell.setAttribute("role", "cell");
    for (const head of table.querySelectorAll("th")) {
      head.setAttribute("role", head.getAttribute("scope") === "row" ? "rowheader" : "columnheader");
    }
  }
}

// A table that scrolls sideways must be reachable by keyboard: a focusable, named
// region, only while it does scroll (axe's scrollable-region-focusable).
function focusableScrollers() {
  for (const wrap of document.querySelectorAll(".table-wrap")) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      const caption = wrap.querySelector("caption");
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table");
    } else if (wrap.getAttribute("role") === "region") {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
  }
}

function layout() {
  openFiltersWhenWide();
  focusableScrollers();
}

document.addEventListener("DOMContentLoaded", () => {
  keepTableRoles();
  layout();
  wide.addEventListener("change", layout);
  window.addEventListener("resize", focusableScrollers);
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

// The last step of a SAML sign-in (identity/saml_continue.html) goes on by itself;
// without this file its button does the same.
for (const form of document.querySelectorAll("form[data-submit-on-load]")) form.submit();
