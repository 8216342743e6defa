// Pickers that list their matches as you type: upgrades every [data-picker] of the
// review page (templates/review/idea.html). Without this file the "Find" button posts
// the form as it stands and the page comes back with the matches; this script asks the
// server for the same page the "Find" button would get and takes the picker's list from
// it, so the server stays the one place that searches, checks permissions and renders.
(() => {
  "use strict";
  const DELAY_MS = 300;

  function upgrade(picker) {
    const form = picker.closest("form");
    const input = picker.querySelector("input[type=search]");
    const button = picker.querySelector("button[name=find]");
    const matches = picker.querySelector("[data-picker-matches]");
    const status = picker.querySelector("[data-picker-status]");
    if (!form || !input || !button || !matches || !status) return;
    let timer = null;
    let controller = null;
    let last = input.value.trim();

    async function refresh() {
      const query = input.value.trim();
      if (query === last) return;
      last = query;
      if (controller) controller.abort();
      controller = new AbortController();
      const data = new FormData(form);
      data.set("find", button.value);
      let response;
      try {
        response = await fetch(button.formAction, {
          method: "POST", body: data, credentials: "same-origin",
          headers: { Accept: "text/html" }, signal: controller.signal,
        });
      } catch (error) {
        if (error.name === "AbortError") return;
        throw error;
      }
      if (!response.ok) return; // e.g. a search too long: the "Find" button says why
      // A page rendered (and escaped) by our own server.
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById(picker.id);
      const list = fresh && fresh.querySelector("[data-picker-matches]");
      if (!list) return;
      // Copied first: adopting a node takes it out of the live childNodes list.
      const nodes = Array.from(list.childNodes);
      matches.replaceChildren(...nodes.map((node) => document.adoptNode(node)));
      const hint = document.getElementById(`${input.id}-hint`);
      const freshHint = page.getElementById(`${input.id}-hint`);
      if (hint && freshHint) hint.textContent = freshHint.textContent;
      const count = matches.querySelectorAll("input[type=radio]").length;
      // Clearing first makes screen readers repeat an identical message.
      status.textContent = "";
      window.setTimeout(() => {
        // The sentences are the page's (data-one, data-many), so they are translated there.
        status.textContent = count === 0 ? (freshHint ? freshHint.textContent : "")
          : count === 1 ? status.dataset.one
            : status.dataset.many.replace("{count}", String(count));
      }, 50);
    }

    input.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DELAY_MS);
    });
  }

  document.querySelectorAll("[data-picker]").forEach(upgrade);
})();
