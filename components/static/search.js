// Client-side search over the store's static index: search.json names its
// shards (search-0.json, ...), fetched together on the first search. It builds
// results with DOM APIs only (no innerHTML), so catalog text is never parsed
// as markup. Without JavaScript the page still offers a link to all products.
(function () {
  "use strict";
  var root = document.getElementById("search-results");
  var form = document.getElementById("search-form");
  if (!root || !form) return;
  var input = form.querySelector("input[name=q]");
  var status = document.getElementById("search-status");
  var index = null;

  function norm(s) {
    return (s || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  function load() {
    if (index) return Promise.resolve(index);
    function get(url) {
      return fetch(url, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
    }
    return get(root.getAttribute("data-index"))
      .then(function (idx) { return Promise.all(idx.shards.map(get)); })
      .then(function (shards) {
        index = [].concat.apply([], shards).map(function (p) {
          p.hay = norm([p.title, p.vendor, p.type].concat(p.tags || []).join(" "));
          return p;
        });
        index.sort(function (a, b) { return a.title.localeCompare(b.title); });
        return index;
      });
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function render(q, items) {
    root.textContent = "";
    var terms = norm(q).split(/\s+/).filter(Boolean);
    if (!terms.length) { status.textContent = ""; return; }
    var hits = items.filter(function (p) {
      return terms.every(function (t) { return p.hay.indexOf(t) !== -1; });
    });
    status.textContent = hits.length === 1 ? "1 product found" : hits.length + " products found";
    var ul = el("ul", "grid");
    hits.slice(0, 96).forEach(function (p) {
      var li = el("li", "card");
      if (p.image) {
        var img = el("img");
        img.src = p.image; img.alt = p.imageAlt || ""; img.width = 400; img.height = 400; img.loading = "lazy";
        li.appendChild(img);
      }
      var h = el("h3");
      var a = el("a", null, p.title);
      a.href = p.url;
      h.appendChild(a);
      li.appendChild(h);
      if (p.vendor) li.appendChild(el("p", "vendor", p.vendor));
      li.appendChild(el("p", "price", p.price));
      ul.appendChild(li);
    });
    root.appendChild(ul);
  }
  function run() {
    var q = input.value;
    load().then(function (items) { render(q, items); }, function () {
      status.textContent = "Search is unavailable right now.";
    });
  }
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; run(); }
  var timer;
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 120); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    run();
  });
})();
