// unspin report: sorting, category/status filters and finding details. Input text is only ever set with
// textContent; the page works (read-only) without this script.
(function () {
  "use strict";

  var dataNode = document.getElementById("unspin-data");
  var data = JSON.parse(dataNode.textContent);
  var labels = {};
  data.categories.forEach(function (c) { labels[c.key] = c.label; });
  var state = { hidden: {}, status: "all", labels: true, version: 0 };
  var detail = document.getElementById("detail");
  var detailBody = detail.querySelector("[data-body]");
  var detailTitle = document.getElementById("detail-title");
  var activeMark = null;

  function label(cat) { return labels[cat] || (cat ? cat.charAt(0).toUpperCase() + cat.slice(1) : "Other"); }

  function ids(value) {
    return value ? value.split(" ").map(Number) : [];
  }

  function findingsOf(section) { return data.articles[section.dataset.article] || []; }

  function shown(f) {
    if (!f || state.hidden[f.category]) return false;
    if (state.status === "applied") return f.applied;
    if (state.status === "reported") return !f.applied;
    return true;
  }

  // ------------------------------------------------------------------------------------- filters

  function apply(section) {
    if (!section || Number(section.dataset.version) === state.version) return;
    section.dataset.version = String(state.version);
    var findings = findingsOf(section);
    section.querySelectorAll("mark.f").forEach(function (mark) {
      var visible = ids(mark.dataset.f).filter(function (i) { return shown(findings[i]); });
      var starting = ids(mark.dataset.first).filter(function (i) { return shown(findings[i]); });
      if (!visible.length) {
        mark.classList.add("off");
        mark.classList.remove("start");
        mark.removeAttribute("tabindex");
        mark.removeAttribute("role");
        return;
      }
      visible.sort(function (a, b) { return findings[a].length - findings[b].length || a - b; });
      var primary = findings[visible[0]];
      mark.classList.remove("off");
      mark.dataset.cat = primary.category;
      mark.dataset.label = label(primary.category);
      mark.classList.toggle("start", starting.length > 0);
      if (starting.length) {
        mark.setAttribute("tabindex", "0");
        mark.setAttribute("role", "button");
      } else {
        mark.removeAttribute("tabindex");
        mark.removeAttribute("role");
      }
    });
    section.querySelectorAll("table.findings tbody tr").forEach(function (row) {
      row.classList.toggle("off", !shown(findings[Number(row.dataset.f)]));
    });
  }

  function syncControls() {
    document.querySelectorAll(".toolbar input[data-cat]").forEach(function (box) {
      box.checked = !state.hidden[box.dataset.cat];
    });
    document.querySelectorAll(".toolbar .status input").forEach(function (radio) {
      radio.checked = radio.value === state.status;
    });
    document.querySelectorAll(".toolbar input[data-labels]").forEach(function (box) {
      box.checked = state.labels;
    });
    document.body.classList.toggle("labels", state.labels);
  }

  function changed() {
    state.version += 1;
    syncControls();
    closeDetail(false);
    apply(currentArticle());
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.closest || !input.closest(".toolbar")) return;
    if (input.dataset.cat) {
      state.hidden[input.dataset.cat] = !input.checked;
    } else if (input.type === "radio") {
      state.status = input.value;
    } else if (input.hasAttribute("data-labels")) {
      state.labels = input.checked;
    }
    changed();
  });

  // ------------------------------------------------------------------------------------- routing

  function currentArticle() {
    var id = decodeURIComponent(location.hash.slice(1));
    var node = id ? document.getElementById(id) : null;
    return node && node.classList.contains("article") ? node : null;
  }

  window.addEventListener("hashchange", function () {
    closeDetail(false);
    apply(currentArticle());
  });

  // -------------------------------------------------------------------------------------- detail

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function primitive(value) {
    return value === null || typeof value !== "object";
  }

  // Evidence is free-form: numbers are rounded, flat lists and flat objects read as text, deeper
  // structures as (shortened) JSON.
  function evidenceValue(value) {
    var text;
    if (value === null || value === undefined) return "—";
    if (typeof value === "number" && !Number.isInteger(value)) return String(Math.round(value * 10000) / 10000);
    if (Array.isArray(value) && value.every(primitive)) {
      text = value.map(evidenceValue).join("; ");
    } else if (typeof value === "object" && !Array.isArray(value) &&
               Object.keys(value).every(function (k) { return primitive(value[k]); })) {
      text = Object.keys(value).map(function (k) { return k.replace(/_/g, " ") + ": " + evidenceValue(value[k]); })
        .join(", ");
    } else if (typeof value === "object") {
      text = JSON.stringify(value);
    } else {
      text = String(value);
    }
    return text.length > 600 ? text.slice(0, 600) + "…" : text;
  }

  function renderFinding(f) {
    var box = el("article", "finding");
    var head = el("h3");
    head.appendChild(el("span", "swatch f", label(f.category))).dataset.cat = f.category;
    head.appendChild(document.createTextNode(" " + f.rule + (f.name ? " · " + f.name : "")));
    box.appendChild(head);
    var status = el("p");
    status.appendChild(el("span", "badge " + (f.applied ? "applied" : "reported"),
      f.applied ? "Applied" : "Reported only"));
    var facts = [];
    if (f.severity) facts.push(f.severity);
    if (f.confidence !== null && f.confidence !== undefined) facts.push("confidence " + Math.round(f.confidence * 100) + "%");
    if (f.line !== null && f.line !== undefined) facts.push("line " + f.line + ", column " + f.column);
    status.appendChild(document.createTextNode(" " + facts.join(" · ")));
    box.appendChild(status);
    box.appendChild(el("p", "message", f.message));
    if (f.summary && f.summary !== f.message) box.appendChild(el("p", "hint", f.summary));
    var dl = el("dl");
    function row(name, value, cls) {
      dl.appendChild(el("dt", null, name));
      var dd = el("dd");
      dd.appendChild(el("span", cls || null, value));
      dl.appendChild(dd);
    }
    row("Text", f.text || "(insertion point)", "quote");
    if (f.fix) {
      row("Suggested", f.fix.replacement === "" ? "(remove)" : f.fix.replacement, "quote");
      row("Fix", f.fix.applicability || "—");
    } else {
      row("Suggested", "no automatic fix");
    }
    box.appendChild(dl);
    if (f.alternatives && f.alternatives.length) {
      box.appendChild(el("p", null, "Alternatives:"));
      var list = el("ol");
      f.alternatives.slice(0, 8).forEach(function (a) {
        var score = typeof a.score === "number" ? " (" + evidenceValue(a.score) + ")" : "";
        list.appendChild(el("li", null, String(a.text === undefined ? "" : a.text) + score));
      });
      box.appendChild(list);
    }
    var keys = Object.keys(f.evidence || {});
    if (keys.length) {
      box.appendChild(el("p", null, "Evidence:"));
      var ev = el("dl", "evidence");
      keys.forEach(function (k) {
        ev.appendChild(el("dt", null, k.replace(/_/g, " ")));
        ev.appendChild(el("dd", null, evidenceValue(f.evidence[k])));
      });
      box.appendChild(ev);
    }
    return box;
  }

  function openDetail(mark, only) {
    var section = mark.closest(".article");
    var findings = findingsOf(section);
    var list = only || ids(mark.dataset.f).filter(function (i) { return shown(findings[i]); });
    if (!list.length) return;
    if (activeMark) activeMark.classList.remove("active");
    activeMark = mark;
    mark.classList.add("active");
    detailBody.replaceChildren();
    list.forEach(function (i) { detailBody.appendChild(renderFinding(findings[i])); });
    detailTitle.textContent = list.length === 1 ? "Finding" : list.length + " findings here";
    detail.hidden = false;
    detail.focus({ preventScroll: true });
    keepVisible(mark);
  }

  // The panel floats over the text: scroll so that the selected highlight stays above it.
  function keepVisible(mark) {
    var markBox = mark.getBoundingClientRect();
    var panelTop = detail.getBoundingClientRect().top;
    if (markBox.bottom > panelTop - 8) {
      window.scrollBy(0, Math.min(markBox.bottom - panelTop + 24, Math.max(0, markBox.top - 8)));
    }
  }

  function closeDetail(returnFocus) {
    if (detail.hidden) return;
    detail.hidden = true;
    if (activeMark) {
      activeMark.classList.remove("active");
      if (returnFocus && activeMark.getAttribute("tabindex") === "0") activeMark.focus();
    }
    activeMark = null;
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) return;
    if (target.closest("[data-close]")) { closeDetail(true); return; }
    var mark = target.closest("mark.f");
    if (mark && !mark.classList.contains("off")) { openDetail(mark); return; }
    var go = target.closest("button.goto");
    if (go) { goTo(go); return; }
    var sorter = target.closest("th button[data-sort]");
    if (sorter) { sortBy(sorter); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !detail.hidden) { closeDetail(true); return; }
    var mark = event.target.closest && event.target.closest("mark.f");
    if (mark && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      openDetail(mark);
    }
  });

  function goTo(button) {
    var section = button.closest(".article");
    var index = Number(button.dataset.f);
    var marks = section.querySelectorAll("mark.f");
    for (var k = 0; k < marks.length; k += 1) {
      if (ids(marks[k].dataset.first).indexOf(index) >= 0) {
        marks[k].scrollIntoView({ block: "center" });
        if (marks[k].getAttribute("tabindex") === "0") marks[k].focus({ preventScroll: true });
        openDetail(marks[k], [index]);
        return;
      }
    }
  }

  // ------------------------------------------------------------------------------------- sorting

  function sortBy(button) {
    var th = button.closest("th");
    var table = th.closest("table");
    var headers = Array.prototype.slice.call(th.parentNode.children);
    var column = headers.indexOf(th);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var numeric = button.dataset.sort === "num";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[column].dataset.v || "";
      var y = b.cells[column].dataset.v || "";
      if (numeric) {
        if (x === "" || y === "") return (x === "") - (y === "");  // missing values last either way
        var d = Number(x) - Number(y);
        return ascending ? d : -d;
      }
      var c = x.localeCompare(y);
      return ascending ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    headers.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  syncControls();
  apply(currentArticle());
})();
