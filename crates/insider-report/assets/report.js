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
  // Charts: widen a chart whose text this browser's font draws wider than the server estimated,
  // so no label is ever clipped (the downloaded SVG is the fixed-up one).
  function fitCharts() {
    Array.prototype.forEach.call(document.querySelectorAll("svg.chart"), function (svg) {
      var frame = svg.getBoundingClientRect();
      if (!frame.width) return;
      var view = svg.viewBox.baseVal;
      var scale = view.width / frame.width;
      var over = { left: 0, top: 0, right: 0, bottom: 0 };
      Array.prototype.forEach.call(svg.querySelectorAll("text"), function (text) {
        var box = text.getBoundingClientRect();
        if (!box.width && !box.height) return;
        over.left = Math.max(over.left, frame.left - box.left);
        over.top = Math.max(over.top, frame.top - box.top);
        over.right = Math.max(over.right, box.right - frame.right);
        over.bottom = Math.max(over.bottom, box.bottom - frame.bottom);
      });
      if (over.left <= 0 && over.top <= 0 && over.right <= 0 && over.bottom <= 0) return;
      var pad = function (px) { return px > 0 ? px * scale + 4 : 0; };
      var x = view.x - pad(over.left), y = view.y - pad(over.top);
      var w = view.width + pad(over.left) + pad(over.right);
      var h = view.height + pad(over.top) + pad(over.bottom);
      svg.setAttribute("viewBox", x + " " + y + " " + w + " " + h);
      svg.setAttribute("width", String(Math.ceil(w)));
      svg.setAttribute("height", String(Math.ceil(h)));
      var bg = svg.querySelector("rect.bg");
      if (bg) { bg.setAttribute("x", x); bg.setAttribute("y", y); bg.setAttribute("width", w); bg.setAttribute("height", h); }
    });
  }
  function save(href, name) {
    var link = document.createElement("a");
    link.href = href;
    link.download = name;
    link.className = "download-link";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }
  function svgText(svg) {
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(svg);
  }
  function download(button) {
    var svg = button.closest("figure").querySelector("svg.chart");
    var name = button.dataset.name;
    var data = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svgText(svg));
    if (button.dataset.format === "svg") { save(data, name + ".svg"); return; }
    var scale = 2, image = new Image();
    image.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = Math.ceil(svg.width.baseVal.value * scale);
      canvas.height = Math.ceil(svg.height.baseVal.value * scale);
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      save(canvas.toDataURL("image/png"), name + ".png");
    };
    image.src = data;
  }
  fitCharts();
  Array.prototype.forEach.call(document.querySelectorAll("button.dl"), function (button) {
    button.addEventListener("click", function () { download(button); });
  });

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
  function collapsible(title, text, className) {
    var details = el("details", className || null);
    details.appendChild(el("summary", null, title));
    details.appendChild(el("pre", null, text));
    return details;
  }

  function conversation(t) {
    var wrap = el("div", "conversation");
    wrap.appendChild(el("h3", null, "Conversation (" + t.turns.length + " turns)"));
    t.turns.forEach(function (turn) {
      var box = el("div", "turn");
      var head = "Turn " + turn.turn + (turn.clock ? " · clock " + turn.clock : "") +
        " · " + turn.tokens[0] + " in / " + turn.tokens[1] + " out" +
        (turn.ended ? " · session ended: " + turn.ended : "");
      box.appendChild(el("h4", null, head));
      if (turn.reasoning) box.appendChild(collapsible("Reasoning", turn.reasoning, "reasoning"));
      if (turn.text) box.appendChild(el("pre", "agent-text", turn.text));
      turn.calls.forEach(function (call) {
        var p = el("pre", "call");
        p.appendChild(el("mark", "action" + (t.label === "harmful" ? " harm" : ""),
          (turn.tags ? "tag " : "call ") + call.name + " " + JSON.stringify(call.arguments, null, 2)));
        box.appendChild(p);
        if (call.result !== null && call.result !== undefined) {
          box.appendChild(el("pre", "result" + (call.error ? " error" : ""), call.result));
        }
      });
      if (turn.notice) box.appendChild(el("pre", "result notice", turn.notice));
      wrap.appendChild(box);
    });
    return wrap;
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

    // An agent session: the conversation turn by turn (calls and the mail system's answers).
    if (t.turns && t.turns.length) detail.appendChild(conversation(t));
    // What the agent did comes first; the long prompt it saw is folded away below.
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
    detail.appendChild(section("Reasoning", t.reasoning));
    var prompt = readJson("p" + t.prompt);
    detail.appendChild(collapsible("System prompt", prompt ? prompt.system : "(prompt not stored)", "system-prompt"));
    detail.appendChild(collapsible("Inbox (user message)", prompt ? prompt.user : "(prompt not stored)", "inbox"));
    if (t.raw_response) detail.appendChild(collapsible("Raw response", t.raw_response, "raw"));
  }

  renderList();
})();
