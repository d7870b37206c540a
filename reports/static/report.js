/* report.html behaviour: sort, filter and paginate tables, and filter and page lists (the
   duplicate clusters: `data-list`, whose children are the items). Inlined at render time.
   Reads and writes the DOM through textContent and attributes only (never innerHTML), so no
   value from the data can become markup. The page stays readable without it. */
(function () {
  "use strict";
  var SEVERITY = { error: 0, warning: 1, info: 2 };

  function text(cell) {
    if (!cell) { return ""; }
    var v = cell.getAttribute("data-v");
    return v === null ? cell.textContent.trim() : v;
  }

  function sortKey(row, col, kind) {
    var v = text(row.cells[col]);
    if (kind === "num") {
      var n = parseFloat(v.replace(/,/g, ""));
      return isNaN(n) ? Number.NEGATIVE_INFINITY : n;
    }
    if (kind === "sev") {
      return v in SEVERITY ? SEVERITY[v] : 9;
    }
    return v.toLowerCase();
  }

  function byId(id) { return document.getElementById(id); }

  function query(attr, id) {
    var out = [];
    var all = document.querySelectorAll("[" + attr + "]");
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute(attr) === id) { out.push(all[i]); }
    }
    return out;
  }

  function Table(table) {
    this.table = table;
    this.isList = table.hasAttribute("data-list");
    this.body = this.isList ? table : table.tBodies[0];
    this.rows = Array.prototype.slice.call(this.isList ? table.children : this.body.rows);
    this.haystack = null;
    this.matched = this.rows;
    this.page = 0;
    this.size = parseInt(table.getAttribute("data-page-size") || "0", 10);
    this.search = query("data-search", table.id)[0] || null;
    this.selects = query("data-filter", table.id);
    this.pager = query("data-pager", table.id)[0] || null;
    this.counter = query("data-count", table.id)[0] || null;
    this.bind();
    this.apply();
  }

  Table.prototype.bind = function () {
    var self = this;
    var heads = !this.isList && this.table.tHead ? this.table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, col) {
      var kind = th.getAttribute("data-sort");
      if (!kind) { return; }
      th.setAttribute("tabindex", "0");
      th.setAttribute("role", "button");
      var go = function () { self.sort(th, col, kind); };
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); }
      });
    });
    if (this.search) {
      var timer = null;
      this.search.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { self.page = 0; self.apply(); }, 120);
      });
    }
    this.selects.forEach(function (sel) {
      sel.addEventListener("change", function () { self.page = 0; self.apply(); });
    });
  };

  Table.prototype.sort = function (th, col, kind) {
    var asc = th.getAttribute("aria-sort") !== "ascending";
    var heads = this.table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) { heads[i].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var keyed = this.rows.map(function (row, i) { return [sortKey(row, col, kind), i, row]; });
    keyed.sort(function (a, b) {
      if (a[0] < b[0]) { return asc ? -1 : 1; }
      if (a[0] > b[0]) { return asc ? 1 : -1; }
      return a[1] - b[1];
    });
    this.rows = keyed.map(function (k) { return k[2]; });
    this.haystack = null;
    var frag = document.createDocumentFragment();
    this.rows.forEach(function (row) { frag.appendChild(row); });
    this.body.appendChild(frag);
    this.page = 0;
    this.apply();
  };

  Table.prototype.apply = function () {
    var needle = this.search ? this.search.value.trim().toLowerCase() : "";
    var filters = this.selects
      .filter(function (s) { return s.value !== ""; })
      .map(function (s) { return [parseInt(s.getAttribute("data-col"), 10), s.value]; });
    if (needle && this.haystack === null) {
      this.haystack = this.rows.map(function (row) { return row.textContent.toLowerCase(); });
    }
    var hay = this.haystack;
    this.matched = this.rows.filter(function (row, i) {
      for (var f = 0; f < filters.length; f++) {
        if (text(row.cells[filters[f][0]]) !== filters[f][1]) { return false; }
      }
      return !needle || hay[i].indexOf(needle) !== -1;
    });
    var size = this.size || this.matched.length;
    var pages = Math.max(1, Math.ceil(this.matched.length / size));
    this.page = Math.min(this.page, pages - 1);
    var start = this.page * size;
    var visible = new Set(this.matched.slice(start, start + size));
    this.rows.forEach(function (row) { row.hidden = !visible.has(row); });
    this.render(start, size, pages);
  };

  Table.prototype.render = function (start, size, pages) {
    var n = this.matched.length;
    var noun = this.isList ? " clusters" : " rows";
    if (this.counter) {
      this.counter.textContent = n === this.rows.length
        ? n.toLocaleString() + noun
        : n.toLocaleString() + " of " + this.rows.length.toLocaleString() + noun + " match";
    }
    if (!this.pager) { return; }
    var self = this;
    while (this.pager.firstChild) { this.pager.removeChild(this.pager.firstChild); }
    var info = document.createElement("span");
    info.className = "muted small";
    info.textContent = n === 0 ? "No matching rows"
      : (start + 1).toLocaleString() + "–" + Math.min(start + size, n).toLocaleString() +
        " of " + n.toLocaleString();
    var prev = document.createElement("button");
    prev.type = "button";
    prev.textContent = "‹ Previous";
    prev.disabled = this.page === 0;
    prev.addEventListener("click", function () { self.page -= 1; self.apply(); });
    var next = document.createElement("button");
    next.type = "button";
    next.textContent = "Next ›";
    next.disabled = this.page >= pages - 1;
    next.addEventListener("click", function () { self.page += 1; self.apply(); });
    this.pager.appendChild(info);
    this.pager.appendChild(prev);
    this.pager.appendChild(next);
  };

  var tables = document.querySelectorAll("table[data-table], [data-list]");
  for (var i = 0; i < tables.length; i++) {
    if (tables[i].id && byId(tables[i].id) === tables[i]) { new Table(tables[i]); }
  }
}());
