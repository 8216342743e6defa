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
