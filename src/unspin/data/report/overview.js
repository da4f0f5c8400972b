// The overview of a large batch: sort, filter and page through every article's row; each row links to
// the article's own page. Rows: [title, source, page stem, findings, applied, (before, after) per score column,
// count per counted category]. Text from articles is only ever set with textContent.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("unspin-data").textContent);
  var rows = data.rows;
  var columns = data.columns;
  var scoreCount = columns.length - 2;
  var countStart = 5 + 2 * scoreCount;
  var pageSize = data.page_size;
  var state = { sort: 1, ascending: true, filter: "", withFindings: false, page: 0 };
  var view = rows.slice();
  var body = document.querySelector("#articles-table tbody");
  var headRow = document.querySelector("#articles-table thead tr");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fmt(v) { return v === null ? "—" : (v === Math.round(v) ? String(v) : v.toFixed(1)); }

  // The value a column sorts on: the title, a score after the rewrite, or the number of findings.
  function sortValue(row, column) {
    if (column === 0) return row[0].toLowerCase();
    if (column === columns.length - 1) return row[3];
    return row[6 + 2 * (column - 1)];
  }

  columns.forEach(function (c, i) {
    var th = el("th");
    th.scope = "col";
    th.setAttribute("aria-sort", i === 1 ? "ascending" : "none");
    var button = el("button", "", c.label);
    button.type = "button";
    button.dataset.column = String(i);
    th.appendChild(button);
    headRow.appendChild(th);
  });

  function change(before, after) {
    var span = el("span");
    span.appendChild(el("span", "before", fmt(before)));
    span.appendChild(el("span", "arrow", " → "));
    var cls = "after";
    if (before !== null && after !== null) cls += after > before ? " up" : after < before ? " down" : "";
    span.appendChild(el("span", cls, fmt(after)));
    return span;
  }

  function renderRow(row) {
    var tr = el("tr");
    var th = el("th");
    th.scope = "row";
    var link = el("a", "", row[0]);
    link.href = data.pages + "/" + row[2] + ".html";
    th.appendChild(link);
    th.appendChild(el("span", "path", row[1]));
    tr.appendChild(th);
    var counted = 0;
    for (var i = 1; i < columns.length - 1; i++) {
      var td = el("td");
      td.appendChild(change(row[5 + 2 * (i - 1)], row[6 + 2 * (i - 1)]));
      if (columns[i].count) td.appendChild(el("span", "count", row[countStart + counted++] + " found"));
      tr.appendChild(td);
    }
    var last = el("td");
    last.appendChild(el("span", "total", String(row[3])));
    last.appendChild(el("span", "count", row[4] + " applied"));
    tr.appendChild(last);
    return tr;
  }

  function render() {
    var pages = Math.max(1, Math.ceil(view.length / pageSize));
    state.page = Math.min(state.page, pages - 1);
    var start = state.page * pageSize;
    var fragment = document.createDocumentFragment();
    view.slice(start, start + pageSize).forEach(function (row) { fragment.appendChild(renderRow(row)); });
    body.textContent = "";
    body.appendChild(fragment);
    document.getElementById("page").textContent = "Page " + (state.page + 1) + " of " + pages;
    document.getElementById("shown").textContent = view.length + " of " + rows.length + " articles";
    document.getElementById("previous").disabled = state.page === 0;
    document.getElementById("next").disabled = state.page >= pages - 1;
  }

  function refilter() {
    var needle = state.filter.toLowerCase();
    view = rows.filter(function (row) {
      if (state.withFindings && row[3] === 0) return false;
      return !needle || row[0].toLowerCase().indexOf(needle) >= 0 || row[1].toLowerCase().indexOf(needle) >= 0;
    });
    resort();
  }

  function resort() {
    var column = state.sort;
    var sign = state.ascending ? 1 : -1;
    view.sort(function (a, b) {
      var x = sortValue(a, column);
      var y = sortValue(b, column);
      if (x === null || y === null) return (x === null) - (y === null);  // missing values last either way
      if (column === 0) return sign * x.localeCompare(y);
      return sign * (x - y) || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
    });
    render();
  }

  headRow.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-column]");
    if (!button) return;
    var column = Number(button.dataset.column);
    state.ascending = state.sort === column ? !state.ascending : true;
    state.sort = column;
    state.page = 0;
    headRow.querySelectorAll("th").forEach(function (th, i) {
      th.setAttribute("aria-sort", i === column ? (state.ascending ? "ascending" : "descending") : "none");
    });
    resort();
  });
  document.getElementById("filter").addEventListener("input", function (event) {
    state.filter = event.target.value;
    state.page = 0;
    refilter();
  });
  document.getElementById("with-findings").addEventListener("change", function (event) {
    state.withFindings = event.target.checked;
    state.page = 0;
    refilter();
  });
  document.getElementById("previous").addEventListener("click", function () { state.page--; render(); });
  document.getElementById("next").addEventListener("click", function () { state.page++; render(); });

  render();  // rows arrive worst first, as the table starts
})();
