"""static/js/suggest.js run under Node against a stub DOM and a stub fetch.

The stub covers only what the script touches; the server side of the same flow
(GET /ideas/similar and the no-JavaScript form) is tested in Python.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.helpers.paths import ROOT

SCRIPT = ROOT / "static" / "js" / "suggest.js"

HARNESS = r"""
const fs = require("fs");
const vm = require("vm");
const calls = [];
let responseBody = process.env.FRAGMENT;
function element(props) {
  const el = Object.assign({ attrs: {}, listeners: {}, children: null, value: "" }, props);
  el.addEventListener = (type, fn) => { el.listeners[type] = fn; };
  el.getAttribute = (name) => el.attrs[name] ?? null;
  el.setAttribute = (name, value) => { el.attrs[name] = value; };
  el.replaceChildren = (...nodes) => { el.children = nodes.map((n) => n.html).join(""); };
  return el;
}
const title = element({ value: "", attrs: { "aria-describedby": "title-hint" } });
const confirmed = element({ value: "" });
const region = element({ dataset: { similarUrl: "/ideas/similar" } });
const form = element({
  querySelector: (sel) => ({ "input[name=title]": title, "#similar-ideas": region,
                             "input[name=confirmed]": confirmed })[sel],
});
const document = {
  querySelector: (sel) => (sel === "[data-suggest-form]" ? form : null),
  createRange: () => ({ createContextualFragment: (html) => ({ html }) }),
};
const fetch = async (url, options) => {
  calls.push({ url, accept: options.headers.Accept, credentials: options.credentials });
  return { ok: true, text: async () => responseBody };
};
const context = { document, fetch, window: { setTimeout, clearTimeout }, AbortController,
                  encodeURIComponent, console };
vm.runInNewContext(fs.readFileSync(process.env.SCRIPT, "utf8"), context);
const type = (text) => { title.value = text; title.listeners.input(); };
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
(async () => {
  const out = { describedby: title.attrs["aria-describedby"] };
  type("Rec"); type("Recycle pr"); type("Recycle printer paper");
  await wait(100);
  out.fetchesBeforeDelay = calls.length;
  await wait(400);
  out.calls = calls.slice();
  out.region = region.children;
  out.confirmed = confirmed.value;
  type("ab");  // too short: the list goes away without a request
  await wait(400);
  out.afterShort = { calls: calls.length, region: region.children };
  responseBody = "  ";
  type("Nothing similar at all");
  await wait(400);
  out.afterEmpty = { calls: calls.length, region: region.children, confirmed: confirmed.value };
  console.log(JSON.stringify(out));
})();
"""


@pytest.fixture(scope="module")
def node():
    path = shutil.which("node") or shutil.which("nodejs")
    if path is None:
        pytest.skip("Node.js is not installed")
    return path


def test_suggest_script_debounces_fetches_and_confirms(node, tmp_path):
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS)
    fragment = '<div class="similar-list">Printer paper recycling</div>'
    result = subprocess.run(
        [node, str(harness)], capture_output=True, text=True, timeout=30,
        env={"SCRIPT": str(SCRIPT), "FRAGMENT": fragment, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["describedby"] == "title-hint similar-ideas"
    assert out["fetchesBeforeDelay"] == 0
    assert out["calls"] == [{"url": "/ideas/similar?title=Recycle%20printer%20paper",
                             "accept": "text/html", "credentials": "same-origin"}]
    assert out["region"] == fragment
    assert out["confirmed"] == "1"
    assert out["afterShort"] == {"calls": 1, "region": ""}
    assert out["afterEmpty"] == {"calls": 2, "region": "", "confirmed": "1"}
