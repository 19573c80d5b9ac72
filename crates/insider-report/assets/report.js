// insider report browser. Every model-written string is inserted with textContent, never as HTML.
(function () {
  "use strict";
  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  var index = readJson("insider-index");
  if (!index) return;
  var labels = {
    harmful: "harmful", not_harmful: "not harmful", unscored: "unscored",
    unclassified: "unclassified", failed: "failed", not_run: "not run"
  };
  var state = { model: "", condition: "", verdict: "", page: 0, selected: null };
  var pageSize = index.page_size || 50;
  var list = document.querySelector("#transcript-list tbody");
  var detail = document.getElementById("transcript-detail");

  function fillSelect(id, values) {
    var select = document.getElementById(id);
    values.forEach(function (pair) {
      var option = el("option", null, pair[1]);
      option.value = pair[0];
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      state[id.replace("filter-", "")] = select.value;
      state.page = 0;
      renderList();
    });
  }
  var present = {};
  index.trials.forEach(function (t) { present[t[4]] = true; });
  fillSelect("filter-model", index.models.map(function (m, i) { return [String(i), m[0]]; }));
  fillSelect("filter-condition", index.conditions.map(function (c, i) { return [String(i), c]; }));
  fillSelect("filter-verdict", Object.keys(labels).filter(function (k) { return present[k]; })
    .map(function (k) { return [k, labels[k]]; }));

  function matches(t) {
    return (state.model === "" || String(t[1]) === state.model) &&
      (state.condition === "" || String(t[2]) === state.condition) &&
      (state.verdict === "" || t[4] === state.verdict);
  }

  function renderList() {
    var rows = index.trials.filter(matches);
    var pages = Math.max(1, Math.ceil(rows.length / pageSize));
    if (state.page >= pages) state.page = pages - 1;
    list.textContent = "";
    rows.slice(state.page * pageSize, (state.page + 1) * pageSize).forEach(function (t) {
      var tr = el("tr");
      tr.dataset.trial = String(t[0]);
      tr.appendChild(el("td", "num", t[0]));
      tr.appendChild(el("td", null, index.models[t[1]][1]));
      tr.appendChild(el("td", null, index.conditions[t[2]]));
      tr.appendChild(el("td", "num", t[3] + 1));
      tr.appendChild(el("td", "v-" + t[4], labels[t[4]] + (t[5] ? " (gate only)" : "")));
      if (state.selected === t[0]) tr.classList.add("selected");
      tr.addEventListener("click", function () { showTrial(t[0]); });
      list.appendChild(tr);
    });
    document.getElementById("match-count").textContent = rows.length + " of " + index.trials.length +
      " transcripts" + (index.truncated ? " (report embeds a subset)" : "");
    document.getElementById("page-info").textContent = "page " + (state.page + 1) + " / " + pages;
    document.getElementById("page-prev").disabled = state.page === 0;
    document.getElementById("page-next").disabled = state.page + 1 >= pages;
  }
  document.getElementById("page-prev").addEventListener("click", function () { state.page -= 1; renderList(); });
  document.getElementById("page-next").addEventListener("click", function () { state.page += 1; renderList(); });

  function section(title, text, className) {
    var wrap = el("div", className || null);
    wrap.appendChild(el("h3", null, title));
    wrap.appendChild(el("pre", null, text === null || text === undefined || text === "" ? "(none)" : text));
    return wrap;
  }
  function collapsible(title, text) {
    var details = el("details");
    details.appendChild(el("summary", null, title));
    details.appendChild(el("pre", null, text));
    return details;
  }

  function showTrial(id) {
    state.selected = id;
    Array.prototype.forEach.call(list.children, function (tr) {
      tr.classList.toggle("selected", tr.dataset.trial === String(id));
    });
    var t = readJson("t" + id);
    detail.textContent = "";
    if (!t) { detail.appendChild(el("p", "hint", "Transcript not embedded in this report.")); return; }
    detail.appendChild(el("h3", null, t.model + " · " + t.condition + " · sample " + (t.sample + 1)));
    var dl = el("dl");
    function item(name, value) {
      if (value === null || value === undefined || value === "") return;
      dl.appendChild(el("dt", null, name));
      dl.appendChild(el("dd", name === "verdict" ? "v-" + t.label : null, value));
    }
    var v = t.verdict;
    item("verdict", labels[t.label] + (v && v.mode === "gate_only" ? " (gate only: upper bound)" : ""));
    if (v) {
      item("mode", v.mode);
      item("gates", (v.gate_passed ? "passed" : "not passed") + (v.gate_details.length ? ": " + v.gate_details.join("; ") : ""));
      item("grader", v.grader_model);
      item("grader answer", v.grader_answer === null ? null : (v.grader_answer ? "yes" : "no"));
      item("unscored because", v.unscored_reason);
      item("classifier", v.classifier_version);
      Object.keys(v.labels || {}).forEach(function (k) { item(k, v.labels[k]); });
    }
    item("failure", t.failure_reason);
    if (t.usage) item("tokens", t.usage.input_tokens + " in / " + t.usage.output_tokens + " out");
    if (t.cost_usd !== null) item("cost", "$" + Number(t.cost_usd).toFixed(4));
    item("latency", t.latency_ms === null ? null : t.latency_ms + " ms");
    item("prompt sha256", t.prompt);
    detail.appendChild(dl);

    var prompt = readJson("p" + t.prompt);
    detail.appendChild(section("System prompt", prompt ? prompt.system : "(prompt not stored)"));
    detail.appendChild(section("Inbox (user message)", prompt ? prompt.user : "(prompt not stored)"));
    detail.appendChild(section("Reasoning", t.reasoning));
    var reply = el("div", "reply");
    reply.appendChild(el("h3", null, "Reply (tool calls highlighted)"));
    var pre = el("pre");
    (t.reply || [["(no reply)", false]]).forEach(function (segment) {
      if (segment[1]) {
        pre.appendChild(el("mark", "action" + (t.label === "harmful" ? " harm" : ""), segment[0]));
      } else {
        pre.appendChild(document.createTextNode(segment[0]));
      }
    });
    reply.appendChild(pre);
    detail.appendChild(reply);
    if (t.tool_calls && t.tool_calls.length) {
      var calls = el("div");
      calls.appendChild(el("h3", null, "Native tool calls"));
      t.tool_calls.forEach(function (call) {
        var p = el("pre");
        p.appendChild(el("mark", "action" + (t.label === "harmful" ? " harm" : ""),
          call.name + " " + JSON.stringify(call.arguments, null, 2)));
        calls.appendChild(p);
      });
      detail.appendChild(calls);
    }
    if (v) detail.appendChild(section("Grader reasoning", v.grader_reasoning));
    if (t.raw_response) detail.appendChild(collapsible("Raw response", t.raw_response));
  }

  renderList();
})();
