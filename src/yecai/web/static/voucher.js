// Voucher entry built for speed: keyboard only. Enter moves on, the account field completes by
// code / name / pinyin initials, "=" in an amount balances the voucher, totals update live,
// Ctrl+Enter saves and starts a new voucher. Without this file the form still posts.
(function () {
  "use strict";
  var form = document.querySelector("form[data-voucher-entry]");
  if (!form) { return; }
  var tbody = form.querySelector("#lines tbody");
  var template = document.getElementById("line-template");
  var box = document.getElementById("acct-suggest");
  var ROW_FIELDS = "input.summary, input.acct, .dim.on input, input.amount";

  // --- amounts in integer fen (never floating point arithmetic on money) ---
  function cents(text) {
    var s = String(text || "").replace(/[,\s¥￥]/g, "");
    if (!s) { return 0; }
    var m = /^(-?)(\d*)(?:\.(\d{0,2}))?$/.exec(s);
    if (!m || (m[2] === "" && !m[3])) { return null; }
    var v = parseInt(m[2] || "0", 10) * 100 + parseInt(((m[3] || "") + "00").slice(0, 2), 10);
    return m[1] ? -v : v;
  }
  function fmt(c) {
    var neg = c < 0, a = Math.abs(c), yuan = Math.floor(a / 100), fen = String(a % 100);
    var s = String(yuan).replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + (fen.length < 2 ? "0" + fen : fen);
    return (neg ? "-" : "") + s;
  }
  function plain(c) { return fmt(c).replace(/,/g, ""); }

  function totals(except) {
    var t = { debit: 0, credit: 0, bad: false };
    form.querySelectorAll("input.amount").forEach(function (inp) {
      if (inp === except) { return; }
      var c = cents(inp.value);
      if (c === null) { t.bad = true; return; }
      t[inp.getAttribute("data-side")] += c;
    });
    return t;
  }
  function showTotals() {
    var t = totals(null);
    document.getElementById("total-debit").textContent = fmt(t.debit);
    document.getElementById("total-credit").textContent = fmt(t.credit);
    var diff = document.getElementById("diff");
    if (t.debit === t.credit) {
      diff.textContent = t.debit ? "✓" : "";
      diff.className = "diff ok";
    } else {
      diff.textContent = "Δ " + fmt(t.debit - t.credit);
      diff.className = "diff";
    }
  }

  // --- rows ---
  function rows() { return Array.prototype.slice.call(tbody.querySelectorAll("tr.line")); }
  function addRow() {
    var tr = template.content.firstElementChild.cloneNode(true);
    tbody.appendChild(tr);
    return tr;
  }
  function setDims(tr, dims) {
    tr.querySelectorAll(".dim").forEach(function (label) {
      var on = dims.indexOf(label.getAttribute("data-dim")) >= 0 || label.querySelector("input").value !== "";
      label.classList.toggle("on", on);
    });
  }
  function fields() {
    var head = Array.prototype.slice.call(form.querySelectorAll(".voucher-head input, .voucher-head select"));
    rows().forEach(function (tr) {
      head = head.concat(Array.prototype.slice.call(tr.querySelectorAll(ROW_FIELDS)));
    });
    return head;
  }
  function focusField(el) {
    el.focus();
    if (el.select) { el.select(); }
  }
  function enterSummary(tr) {
    var inp = tr.querySelector("input.summary");
    var prev = tr.previousElementSibling;
    if (!inp.value && prev) { inp.value = prev.querySelector("input.summary").value; }
    focusField(inp);
  }
  function moveNext(el) {
    var tr = el.closest("tr.line");
    // a line takes one amount: after a debit, go straight to the next line
    if (tr && (el.getAttribute("data-side") === "credit" ||
               (el.getAttribute("data-side") === "debit" && el.value.trim() !== ""))) {
      var next = tr.nextElementSibling || addRow();
      enterSummary(next);
      return;
    }
    var list = fields(), i = list.indexOf(el);
    var target = list[i + 1];
    if (!target) { enterSummary(addRow()); return; }
    if (target.classList.contains("summary")) { enterSummary(target.closest("tr.line")); return; }
    focusField(target);
  }

  // --- account autocomplete ---
  var current = null, items = [], active = 0, pending = null, timer = null;
  function closeBox() { box.hidden = true; box.innerHTML = ""; items = []; current = null; }
  function render() {
    box.innerHTML = "";
    items.forEach(function (it, i) {
      var d = document.createElement("div");
      d.setAttribute("role", "option");
      d.textContent = it.code + "  " + it.name;
      if (i === active) { d.className = "on"; }
      d.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); moveNext(current || document.activeElement); });
      box.appendChild(d);
    });
    if (!items.length || !current) { box.hidden = true; return; }
    var r = current.getBoundingClientRect(), f = form.getBoundingClientRect();
    box.style.left = (r.left - f.left) + "px";
    box.style.top = (r.bottom - f.top) + "px";
    box.hidden = false;
  }
  function lookup(inp) {
    var q = inp.value.trim();
    if (!q) { closeBox(); return Promise.resolve([]); }
    current = inp;
    pending = fetch("/ui/accounts?q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (list) {
        if (current === inp && inp.value.trim() === q) { items = list; active = 0; render(); }
        return list;
      })
      .catch(function () { return []; });
    return pending;
  }
  function apply(inp, it) {
    inp.value = it.code;
    var tr = inp.closest("tr.line");
    tr.querySelector(".acct-name").textContent = it.name;
    inp.setAttribute("data-dims", it.dims.join(";"));
    setDims(tr, it.dims);
  }
  function pick(i) {
    if (!current || !items[i]) { return; }
    apply(current, items[i]);
    closeBox();
  }
  form.addEventListener("input", function (e) {
    var t = e.target;
    if (t.classList.contains("acct")) {
      clearTimeout(timer);
      timer = setTimeout(function () { lookup(t); }, 120);
    }
    if (t.classList.contains("amount")) { showTotals(); }
  });
  form.addEventListener("focusout", function (e) {
    var t = e.target;
    if (!t.classList || !t.classList.contains("acct")) { return; }
    setTimeout(function () { if (document.activeElement !== t) { box.hidden = true; } }, 150);
  });

  // --- keys ---
  form.addEventListener("keydown", function (e) {
    var t = e.target;
    if ((e.key === "Enter" && (e.ctrlKey || e.metaKey)) || (e.key === "s" && (e.ctrlKey || e.metaKey))) {
      e.preventDefault();
      // a new voucher: save and start the next one; an edited draft: save it
      (document.getElementById("save-new") || document.getElementById("save")).click();
      return;
    }
    if (t.tagName === "BUTTON") { return; }
    if (t.classList.contains("acct")) {
      if (e.key === "ArrowDown" && items.length) { e.preventDefault(); active = (active + 1) % items.length; render(); return; }
      if (e.key === "ArrowUp" && items.length) { e.preventDefault(); active = (active - 1 + items.length) % items.length; render(); return; }
      if (e.key === "Escape") { closeBox(); return; }
      if (e.key === "Enter") {
        e.preventDefault();
        clearTimeout(timer);
        var q = t.value.trim();
        var choose = function () {
          if (items.length && current === t) { pick(active); }
          moveNext(t);
        };
        if (!q) { moveNext(t); return; }
        // typed faster than the lookup: wait for it, then take the first match
        if (current !== t || !items.length) { lookup(t).then(function () { choose(); }); } else { choose(); }
        return;
      }
    }
    if (t.classList.contains("amount") && e.key === "=") {
      e.preventDefault();
      var others = totals(t), side = t.getAttribute("data-side");
      var need = side === "debit" ? others.credit - others.debit : others.debit - others.credit;
      t.value = need ? plain(need) : "";
      showTotals();
      return;
    }
    if (e.key === "Enter" && t.tagName !== "TEXTAREA") {
      e.preventDefault();
      moveNext(t);
    }
  });

  document.getElementById("add-line").addEventListener("click", function () { enterSummary(addRow()); });

  // Rows re-rendered after a refusal keep their accounts: show their dimension fields.
  rows().forEach(function (tr) {
    var dims = (tr.querySelector("input.acct").getAttribute("data-dims") || "").split(";").filter(Boolean);
    setDims(tr, dims);
  });
  showTotals();
  var firstError = form.querySelector(".has-error input, .has-error select");
  var start = firstError || rows()[0].querySelector("input.summary");
  focusField(start);
})();
