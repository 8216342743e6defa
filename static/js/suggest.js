// Duplicate hints: while the author types a title, show up to five similar ideas.
// Without this script the server shows the same list once, before posting.
(() => {
  "use strict";
  const form = document.querySelector("[data-suggest-form]");
  if (!form) return;
  const title = form.querySelector("input[name=title]");
  const region = form.querySelector("#similar-ideas");
  const confirmed = form.querySelector("input[name=confirmed]");
  if (!title || !region || !confirmed) return;

  const url = region.dataset.similarUrl;
  const MIN_LENGTH = 4;
  const DELAY_MS = 300;
  let timer = null;
  let controller = null;
  let lastQuery = title.value.trim();

  async function refresh() {
    const query = title.value.trim();
    if (query === lastQuery) return;
    lastQuery = query;
    if (controller) controller.abort();
    if (query.length < MIN_LENGTH) {
      region.replaceChildren();
      return;
    }
    controller = new AbortController();
    try {
      const response = await fetch(`${url}?title=${encodeURIComponent(query)}`, {
        headers: { Accept: "text/html" },
        credentials: "same-origin",
        signal: controller.signal,
      });
      if (!response.ok) return;
      // A fragment rendered (and escaped) by our own server.
      const html = (await response.text()).trim();
      const fragment = document.createRange().createContextualFragment(html);
      region.replaceChildren(fragment);
      if (html) {
        // The author has now seen the similar ideas: posting should not ask again.
        confirmed.value = "1";
      }
    } catch (error) {
      if (error.name !== "AbortError") throw error;
    }
  }

  title.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, DELAY_MS);
  });
  title.setAttribute("aria-describedby",
    [title.getAttribute("aria-describedby"), "similar-ideas"].filter(Boolean).join(" "));
})();
