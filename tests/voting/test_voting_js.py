"""static/js/vote.js, run in Node against a minimal DOM of the vote widget.

No browser is available in CI, so the script's own logic is exercised: it must
send the vote as JSON with the CSRF header, then update the score, the pressed
states, the hidden values and the live region in place, report refusals, and fall
back to the plain form when the network fails.
"""

import json
import shutil
import subprocess
from types import SimpleNamespace

import pytest

from ideaboard.voting.routes import _widget_words
from tests.helpers.paths import ROOT

SCRIPT = ROOT / "static" / "js" / "vote.js"

HARNESS = r"""
const fs = require("fs");
function el(attrs) {
  return {
    attrs: Object.assign({}, attrs),
    getAttribute(n) { return n in this.attrs ? this.attrs[n] : null; },
    setAttribute(n, v) { this.attrs[n] = String(v); },
    removeAttribute(n) { delete this.attrs[n]; },
  };
}
const widget = el({});
widget.dataset = { title: "Free fruit", voteFailed: "Your vote could not be saved." };
// The words the server answers with (voting.routes._widget_words), by "vote,up,down".
const WORDS = JSON.parse(process.argv[3]);
function makeForm(direction, value) {
  const input = { name: "value", value: String(value) };
  const csrf = { name: "csrf_token", value: "token-123" };
  const form = {
    action: "/ideas/7/vote", inputs: [csrf, input], submitted: false,
    closest(sel) { return sel === "[data-vote-widget]" ? widget : null; },
    querySelector(sel) { return sel === "input[name=value]" ? input : null; },
    submit() { this.submitted = true; },
  };
  const button = el({ "aria-pressed": "false",
                      "aria-label": (direction === "up" ? "Support, 0 supporters"
                                     : "Oppose, 0 against") + ": Free fruit" });
  button.form = form;
  const count = { textContent: "0" };
  return { form, button, input, count };
}
const up = makeForm("up", 1), down = makeForm("down", -1);
const net = { textContent: "0" }, status = { textContent: "" };
const score = el({ "aria-label": "Net score 0" });
const parts = { ".vote-up": up.button, ".vote-down": down.button, "[data-vote-net]": net,
                ".vote-score": score, "[data-vote-status]": status,
                ".vote-up [data-vote-count]": up.count,
                ".vote-down [data-vote-count]": down.count };
widget.querySelector = (sel) => parts[sel] || null;
global.FormData = class {
  constructor(form) { this.form = form; }
  get(n) { const i = this.form.inputs.find((x) => x.name === n); return i ? i.value : null; }
};
const requests = [];
let reply = null;
global.window = {
  fetch(url, opts) {
    requests.push({ url, method: opts.method, headers: opts.headers,
                    value: opts.body.get("value") });
    if (reply === "network") { return Promise.reject(new Error("offline")); }
    return Promise.resolve({ ok: reply.ok, json: () => Promise.resolve(reply.body) });
  },
  setTimeout: (fn) => fn(),
};
let listener = null;
global.document = { addEventListener(type, fn) { if (type === "submit") { listener = fn; } } };
eval(fs.readFileSync(process.argv[2], "utf8"));

function buttonState(which) {
  return [which.button.getAttribute("aria-pressed"), which.input.value,
          which.button.getAttribute("aria-label"), which.count.textContent];
}
function snapshot(prevented) {
  return {
    prevented, net: net.textContent, score: score.getAttribute("aria-label"),
    status: status.textContent, busy: widget.getAttribute("aria-busy"),
    up: buttonState(up), down: buttonState(down),
    fellBack: up.form.submitted || down.form.submitted,
  };
}
async function submit(which, answer) {
  reply = answer;
  let prevented = false;
  listener({ target: which.form, preventDefault() { prevented = true; } });
  await new Promise((resolve) => setTimeout(resolve, 0));
  return snapshot(prevented);
}
(async () => {
  const steps = [];
  const counts = (my_vote, upvotes, downvotes) =>
    ({ ok: true, body: { my_vote, net: upvotes - downvotes, upvotes, downvotes,
                        words: WORDS[[my_vote, upvotes, downvotes].join(",")] } });
  steps.push(await submit(up, counts(1, 1, 0)));
  steps.push(await submit(down, counts(-1, 0, 1)));
  steps.push(await submit(down, { ok: false, body: { error: "You cannot vote on this idea." } }));
  steps.push(await submit(down, counts(0, 0, 0)));
  steps.push(await submit(up, "network"));
  console.log(JSON.stringify({ steps, requests }));
})();
"""


# The vote, supporters and opponents of each answer the harness gives.
ANSWERS = [(1, 1, 0), (-1, 0, 1), (0, 0, 0)]


def _server_words(app) -> dict[str, dict[str, str]]:
    with app.test_request_context():
        return {",".join(map(str, (vote, up, down))): _widget_words(
            SimpleNamespace(upvotes=up, downvotes=down, net_votes=up - down), vote)
            for vote, up, down in ANSWERS}


@pytest.fixture
def run(app):
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs Node.js to run static/js/vote.js")
    result = subprocess.run([node, "-", str(SCRIPT), json.dumps(_server_words(app))],
                            input=HARNESS, capture_output=True, text=True, timeout=30,
                            check=True)
    return json.loads(result.stdout)


def test_sends_json_with_the_csrf_header(run):
    first = run["requests"][0]
    assert first["url"] == "/ideas/7/vote" and first["method"] == "POST"
    assert first["headers"] == {"Accept": "application/json", "X-CSRFToken": "token-123"}
    assert [r["value"] for r in run["requests"]] == ["1", "-1", "0", "0", "1"]


def test_up_vote_updates_in_place(run):
    step = run["steps"][0]
    assert step["prevented"] is True  # no page load
    assert step["net"] == "1" and step["score"] == "Net score 1"
    assert step["up"] == ["true", "0", "Support, 1 supporter: Free fruit", "1"]
    assert step["down"] == ["false", "-1", "Oppose, 0 against: Free fruit", "0"]
    assert step["status"] == "You support this idea. Net score 1."
    assert step["busy"] is None


def test_switching_to_down(run):
    step = run["steps"][1]
    assert step["net"] == "-1"
    assert step["up"] == ["false", "1", "Support, 0 supporters: Free fruit", "0"]
    assert step["down"] == ["true", "0", "Oppose, 1 against: Free fruit", "1"]


def test_refusal_is_announced_and_changes_nothing(run):
    step = run["steps"][2]
    assert step["status"] == "You cannot vote on this idea."
    assert step["net"] == "-1" and step["down"][0] == "true"


def test_retract(run):
    step = run["steps"][3]
    assert step["net"] == "0" and step["up"][0] == step["down"][0] == "false"
    assert step["up"][1] == "1" and step["down"][1] == "-1"
    assert step["status"] == "Your vote is taken back. Net score 0."


def test_network_failure_falls_back_to_the_form(run):
    step = run["steps"][4]
    assert step["fellBack"] is True and step["busy"] is None
