// Votes in place: upgrades every [data-vote-widget] (templates/_macros/vote.html).
// Without this file each button is a plain form that posts and comes back to the idea.
(function () {
  "use strict";

  var LABELS = {
    up: ["Vote up", "Take back your up vote"],
    down: ["Vote down", "Take back your down vote"]
  };

  function announce(widget, text) {
    var status = widget.querySelector("[data-vote-status]");
    if (status) {
      // Clearing first makes screen readers repeat an identical message.
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }
  }

  function setButton(widget, direction, pressed) {
    var button = widget.querySelector(".vote-" + direction);
    if (!button) { return; }
    var form = button.form;
    form.querySelector("input[name=value]").value = pressed ? "0" : (direction === "up" ? "1" : "-1");
    button.setAttribute("aria-pressed", pressed ? "true" : "false");
    button.setAttribute("aria-label", LABELS[direction][pressed ? 1 : 0] + ": " + (widget.dataset.title || ""));
  }

  function update(widget, data) {
    setButton(widget, "up", data.my_vote === 1);
    setButton(widget, "down", data.my_vote === -1);
    var net = widget.querySelector("[data-vote-net]");
    if (net) { net.textContent = String(data.net); }
    var score = widget.querySelector(".vote-score");
    if (score) { score.setAttribute("aria-label", "Net score " + data.net); }
    var mine = data.my_vote === 1 ? "Your vote: up." : data.my_vote === -1 ? "Your vote: down." : "Your vote is taken back.";
    announce(widget, mine + " Net score " + data.net + ".");
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
          announce(widget, data.error || "Your vote could not be saved. Reload the page and try again.");
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
