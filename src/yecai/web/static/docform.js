// Document forms (orders, stock receipts, transfers): item autocomplete by code, name or pinyin
// initials; Enter moves on and a new line appears at the end; live totals with tax for display
// only (integer fen, never floating point; the service computes the amounts that count).
// Without this file the form still posts.
(function () {
  "use strict";
  var form = document.querySelector("form[data-doc-form]");
  if (!form) { return; }
  var tbody = form.querySelector("#lines tbody");
  var template = document.getElementById("line-template");
  var box = document.getElementById("item-suggest");
  var withTax = form.hasAttribute("data-tax");
  if (!tbody) { return; }

  // --- exact decimals as BigInt at a fixed scale ---
  function scaled(text, places) {
    var s = String(text || "").replace(/[,\s¥￥]/g, "");
    var m = /^(\d*)(?:\.(\d*))?$/.exec(s);
    if (!s || !m || (m[1] === "" && !m[2])) { return null; }
    var frac = ((m[2] || "") + "0000000000").slice(0, places);
    if ((m[2] || "").replace(/0+$/, "").length > places) { return null; }
    return BigInt(m[1] || "0") * (10n ** BigInt(places)) + BigInt(frac || "0");
  }
  function div(a, b) { return (a * 2n + b) / (b * 2n); }  // half up, a >= 0
  function fmt(fen) {
    var neg = fen < 0n, a = neg ? -fen : fen, yuan = (a / 100n).toString(), f = (a % 100n).toString();
    return (neg ? "-" : "") + yuan.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + (f.length < 2 ? "0" + f : f);
  }
  function includeTax() {
    var box = form.querySelector("input[name=prices_include_tax]");
    return !!(box && box.checked);
  }
  function rateOf(tr) {
    var sel = tr.querySelector("select.taxcode");
    var opt = sel && sel.options[sel.selectedIndex];
    var r = opt && opt.getAttribute("data-rate") ? opt.getAttribute("data-rate") : tr.getAttribute("data-rate");
    return r ? scaled(r, 4) : null;
  }
  function totals() {
    if (!withTax) { return; }
    var sum = 0n, sumTax = 0n;
    tbody.querySelectorAll("tr.line").forEach(function (tr) {
      var qty = scaled(tr.querySelector("input.qty").value, 4);
      var price = scaled(tr.querySelector("input.unit_price").value, 6);
      var rate = rateOf(tr);
      var cellA = tr.querySelector(".line-amount"), cellT = tr.querySelector(".line-tax");
      if (qty === null || price === null) { cellA.textContent = ""; cellT.textContent = ""; return; }
      var amount = div(qty * price, 10n ** 8n), tax = 0n, total = amount;
      if (rate !== null) {
        if (includeTax()) { tax = div(amount * rate, 10000n + rate); } else { tax = div(amount * rate, 10000n); total = amount + tax; }
      }
      cellA.textContent = fmt(total);
      cellT.textContent = rate === null ? "" : fmt(tax);
      sum += total; sumTax += tax;
    });
    document.getElementById("total-amount").textContent = fmt(sum);
    document.getElementById("total-tax").textContent = fmt(sumTax);
  }

  // --- lines ---
  function addRow() {
    var tr = template.content.firstElementChild.cloneNode(true);
    tbody.appendChild(tr);
    return tr;
  }
  function inputs() {
    return Array.prototype.slice.call(form.querySelectorAll("#lines input, #lines select"));
  }

  // --- item autocomplete ---
  var active = null, choices = [], index = 0, timer = null;
  function close() { box.hidden = true; box.innerHTML = ""; choices = []; }
  function pick(item) {
    if (!active || !item) { return; }
    active.value = item.code;
    var tr = active.closest("tr");
    tr.setAttribute("data-rate", item.tax_rate);
    tr.querySelector(".item-name").textContent = item.name + (item.unit ? " (" + item.unit + ")" : "");
    close();
    totals();
  }
  function show(list) {
    choices = list; index = 0; box.innerHTML = "";
    if (!list.length) { close(); return; }
    list.forEach(function (item, i) {
      var div = document.createElement("div");
      div.textContent = item.code + " " + item.name + (item.unit ? " · " + item.unit : "");
      div.className = i === 0 ? "on" : "";
      div.addEventListener("mousedown", function (e) { e.preventDefault(); pick(item); });
      box.appendChild(div);
    });
    var r = active.getBoundingClientRect(), p = form.getBoundingClientRect();
    box.style.left = (r.left - p.left) + "px";
    box.style.top = (r.bottom - p.top) + "px";
    box.hidden = false;
  }
  function lookup(inp, then) {
    var q = inp.value.trim();
    if (!q) { close(); return; }
    var url = "/ui/items?q=" + encodeURIComponent(q) + (inp.hasAttribute("data-stock") ? "&stock=1" : "");
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(then);
  }
  form.style.position = "relative";
  form.addEventListener("input", function (e) {
    if (e.target.classList.contains("item")) {
      active = e.target;
      clearTimeout(timer);
      timer = setTimeout(function () { lookup(active, function (list) { if (active === e.target) { show(list); } }); }, 120);
    }
    totals();
  });
  form.addEventListener("change", totals);
  form.addEventListener("focusout", function (e) { if (e.target.classList.contains("item")) { setTimeout(close, 150); } });

  form.addEventListener("keydown", function (e) {
    var t = e.target;
    if (t.classList.contains("item") && !box.hidden && choices.length) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        index = (index + (e.key === "ArrowDown" ? 1 : choices.length - 1)) % choices.length;
        Array.prototype.forEach.call(box.children, function (d, i) { d.className = i === index ? "on" : ""; });
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        if (e.key === "Enter") { e.preventDefault(); }
        pick(choices[index]);
        if (e.key === "Tab") { return; }
      } else if (e.key === "Escape") { close(); return; }
    }
    if (e.key !== "Enter" || e.ctrlKey || e.metaKey || t.tagName === "BUTTON" || !t.closest("#lines")) { return; }
    e.preventDefault();
    var all = inputs(), i = all.indexOf(t);
    if (i === all.length - 1) { addRow(); all = inputs(); }
    var next = all[i + 1];
    if (next) { next.focus(); if (next.select) { next.select(); } }
  });
  form.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
  });

  // after a refusal the lines come back typed: look their items up again for names and rates
  tbody.querySelectorAll("input.item").forEach(function (inp) {
    if (!inp.value) { return; }
    lookup(inp, function (list) {
      var item = list.filter(function (x) { return x.code === inp.value; })[0];
      if (item) { active = inp; pick(item); active = null; }
    });
  });
  totals();
})();
