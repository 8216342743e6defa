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
