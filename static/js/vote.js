// Votes in place: upgrades every [data-vote-widget] (templates/_macros/vote.html).
// Without this file each button is a plain form that posts and comes back to the idea.
(function () {
  "use strict";

  // Every word it writes comes from the server, in the reader's language: the vote's
  // answer carries them (voting.routes._widget_words), the widget its failure message.

  function announce(widget, text) {
    var status = widget.querySelector("[data-vote-status]");
    if (status) {
      // Clearing first makes screen readers repeat an identical message.
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }
  }

  function setButton(widget, direction, pressed, count, label) {
    var button = widget.querySelector(".vote-" + direction);
    if (!button) { return; }
    var form = button.form;
    form.querySelector("input[name=value]").value = pressed ? "0" : (direction === "up" ? "1" : "-1");
    button.setAttribute("aria-pressed", pressed ? "true" : "false");
    // The buttons keep their names when pressed: aria-pressed says it is your vote.
    button.setAttribute("aria-label", label.replace("{title}", widget.dataset.title || ""));
    var shown = widget.querySelector(".vote-" + direction + " [data-vote-count]");
    if (shown) { shown.textContent = String(count); }
  }

  // The idea's progress to review on this page (a card's line, the idea page's bar):
  // [data-progress-idea] holds a <progress> and a [data-progress-text] in the words the
  // server wrote ("text", or "short" on a card). Once the idea leaves "open" it goes.
  // Returns true when the vote just sent the idea to review (a shown progress went).
  function updateProgress(widget, data) {
    if (!document.querySelectorAll || !("progress" in data)) { return false; }
    var boxes = document.querySelectorAll("[data-progress-idea='" + widget.dataset.idea + "']");
    var reached = false;
    Array.prototype.forEach.call(boxes, function (box) {
      if (!data.progress) {
        reached = reached || (!box.hidden && data.status === "in_review");
        box.hidden = true;
        return;
      }
      var bar = box.querySelector("progress");
      if (bar) { bar.value = data.progress.value; bar.max = data.progress.threshold; }
      var text = box.querySelector("[data-progress-text]");
      if (text) { text.textContent = data.progress[box.dataset.progressForm || "text"]; }
    });
    return reached;
  }

  function update(widget, data) {
    var reached = updateProgress(widget, data);
    var words = data.words;
    setButton(widget, "up", data.my_vote === 1, data.upvotes, words.up);
    setButton(widget, "down", data.my_vote === -1, data.downvotes, words.down);
    var net = widget.querySelector("[data-vote-net]");
    if (net) { net.textContent = String(data.net); }
    var score = widget.querySelector(".vote-score");
    if (score) { score.setAttribute("aria-label", words.score); }
    announce(widget, words.mine + " " + words.net + (reached ? " " + words.reached : ""));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var widget = form.closest ? form.closest("[data-vote-widget]") : null;
    if (!widget || !window.fetch) { return; }
    event.preventDefault();
    if (widget.getAttribute("aria-busy") === "true") { return; }
    widget.setAttribute("aria-busy", "true");
    var body = new FormData(form);
    window.fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": body.get("csrf_token") }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) {
          update(widget, data);
        } else {
          announce(widget, data.error || widget.dataset.voteFailed);
        }
      });
    }).catch(function () {
      // The network failed: fall back to the plain form, which reloads the page.
      form.submit();
    }).then(function () {
      widget.removeAttribute("aria-busy");
    });
  });
}());
