// Client-side search over the store's static index: search.json names its
// shards (search-0.json, ...), fetched together on the first search. Words
// are matched whole, as a prefix (as you type) or within a typo or two
// (edit distance, a swap of two letters counting one: one for words of 4-7
// letters, two from 8), in the title
// above the vendor, type and tags, above SKUs and the description; every
// word typed must match somewhere. With no result it suggests the nearest
// words ("did you mean") and shows the store's featured products, which
// the page carries hidden. Results are built with DOM APIs only (no
// innerHTML), so catalog text is never parsed as markup. Without
// JavaScript the page offers a link to all products.
//
// Its messages are the store's, in its language: the page carries them in
// a JSON block (#search-messages; data, which the CSP allows, not code),
// counts as plural forms by Intl.PluralRules category, "%s" standing for
// the number (formatted for the page's language) or the suggestion.
(function () {
  "use strict";
  var root = document.getElementById("search-results");
  var form = document.getElementById("search-form");
  if (!root || !form) return;
  var input = form.querySelector("input[name=q]");
  var status = document.getElementById("search-status");
  var suggest = document.getElementById("search-suggest");
  var popular = document.getElementById("search-popular");
  var indexing = null; // the index, once asked for (a promise)
  var msgs = {};
  try {
    msgs = JSON.parse(document.getElementById("search-messages").textContent);
  } catch (e) { /* no messages: the lines stay empty rather than wrong */ }
  var lang = document.documentElement.lang || "en";
  var ARG = /%(?:\[1\])?s/;

  // The page's plural rules and number format. The first Intl object a
  // page makes loads its locale's data: about 9 ms of a page view's main
  // thread at full speed (a Chromium CPU profile of this page, five
  // loads), so it is made in a task of its own while the index is on its
  // way (or when the search box is first focused), not inside the task
  // that shows the first results.
  var plural = null, number = null;
  function intl() {
    if (!plural) {
      plural = new Intl.PluralRules(lang);
      number = new Intl.NumberFormat(lang);
    }
  }

  // found is the result count line: the message of n's plural form.
  function found(n) {
    intl();
    var forms = msgs.found || {};
    return (forms[plural.select(n)] || forms.other || "").replace(ARG, number.format(n));
  }

  // Field weights: where a word is found says how well it matches.
  var TITLE = 8, META = 4, SKU = 4, TEXT = 1;

  function norm(s) {
    return (s || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  function words(s) {
    return norm(s).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  }
  // cjk: scripts written without spaces, searched by substring instead.
  var cjk = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/;

  // build indexes the products a few milliseconds at a time, yielding to
  // the page between slices: a large catalog's index never holds the main
  // thread long enough to delay a tap or a paint.
  function build(products) {
    var vocab = new Map(); // word -> Map(product index -> best weight)
    function add(word, p, w) {
      var posting = vocab.get(word);
      if (!posting) { posting = new Map(); vocab.set(word, posting); }
      if ((posting.get(p) || 0) < w) posting.set(p, w);
    }
    function one(p, i) {
      words(p.title).forEach(function (w) { add(w, i, TITLE); });
      words([p.vendor, p.type].concat(p.tags || []).join(" ")).forEach(function (w) { add(w, i, META); });
      (p.skus || []).forEach(function (s) { add(norm(s), i, SKU); words(s).forEach(function (w) { add(w, i, SKU); }); });
      words(p.text).forEach(function (w) { add(w, i, TEXT); });
      p.hay = norm([p.title, p.vendor, p.type, p.text].concat(p.tags || [], p.skus || []).join(" "));
    }
    // Each slice is a task of its own, apart from the one that parsed the
    // shards, and so are the first results once the index is whole (they
    // are shown in the task that resolves it).
    var next = 0;
    return new Promise(function (resolve) {
      function slice() {
        var until = performance.now() + SLICE_MS;
        while (next < products.length && performance.now() < until) {
          one(products[next], next);
          next++;
        }
        if (next < products.length) {
          setTimeout(slice, 0);
          return;
        }
        var ix = { products: products, vocab: vocab, words: Array.from(vocab.keys()) };
        setTimeout(function () { resolve(ix); }, 0);
      }
      setTimeout(slice, 0);
    });
  }
  var SLICE_MS = 8;

  // load fetches and indexes the shards once; searches typed meanwhile
  // wait for the same index. A failure is tried again on the next search.
  function load() {
    if (indexing) return indexing;
    var t0 = performance.now();
    function get(url) {
      return fetch(url, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
    }
    indexing = get(root.getAttribute("data-index"))
      .then(function (idx) { return Promise.all(idx.shards.map(get)); })
      .then(function (shards) { return build([].concat.apply([], shards)); })
      .then(function (ix) {
        root.setAttribute("data-load-ms", (performance.now() - t0).toFixed(0));
        return ix;
      }, function (err) {
        indexing = null;
        throw err;
      });
    return indexing;
  }

  // distance is the edit distance between a and b, counting a swap of two
  // neighbouring letters as one edit ("wnad" is one from "wand"), or max+1
  // once it is sure to exceed max.
  function distance(a, b, max) {
    if (Math.abs(a.length - b.length) > max) return max + 1;
    var prev2 = [], prev = [], cur;
    for (var j = 0; j <= b.length; j++) prev[j] = j;
    for (var i = 1; i <= a.length; i++) {
      cur = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        var c = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) c = Math.min(c, prev2[j - 2] + 1);
        cur[j] = c;
        if (c < best) best = c;
      }
      if (best > max) return max + 1;
      prev2 = prev;
      prev = cur;
    }
    return prev[b.length];
  }
  function typos(term) {
    return term.length >= 8 ? 2 : term.length >= 4 ? 1 : 0;
  }

  // scores the products for one term: product index -> score.
  function termScores(ix, term, last) {
    var scores = new Map();
    function credit(posting, factor) {
      posting.forEach(function (w, p) {
        var s = w * factor;
        if ((scores.get(p) || 0) < s) scores.set(p, s);
      });
    }
    if (cjk.test(term)) {
      ix.products.forEach(function (p, i) {
        if (p.hay.indexOf(term) !== -1) scores.set(i, norm(p.title).indexOf(term) !== -1 ? TITLE : TEXT);
      });
      return scores;
    }
    var exact = ix.vocab.get(term);
    if (exact) credit(exact, 1);
    var max = typos(term);
    ix.words.forEach(function (w) {
      if (w === term) return;
      if (last && term.length >= 2 && w.lastIndexOf(term, 0) === 0) {
        credit(ix.vocab.get(w), 0.75); // typing: a word it starts
      } else if (max > 0 && distance(term, w, max) <= max) {
        credit(ix.vocab.get(w), 0.5);
      }
    });
    return scores;
  }

  function search(ix, q) {
    var terms = words(q);
    if (!terms.length) return [];
    var total = null;
    terms.forEach(function (t, k) {
      var s = termScores(ix, t, k === terms.length - 1);
      if (total === null) { total = s; return; }
      var next = new Map();
      total.forEach(function (v, p) { if (s.has(p)) next.set(p, v + s.get(p)); });
      total = next;
    });
    var hits = [];
    total.forEach(function (score, p) { hits.push({ p: ix.products[p], score: score }); });
    hits.sort(function (a, b) { return b.score - a.score || a.p.title.localeCompare(b.p.title); });
    return hits.map(function (h) { return h.p; });
  }

  // didYouMean replaces each term with the nearest word of the titles and
  // tags (within three edits), when that finds something.
  function didYouMean(ix, q) {
    var changed = false;
    var out = words(q).map(function (t) {
      if (ix.vocab.has(t)) return t;
      var best = null, bestD = 4;
      ix.words.forEach(function (w) {
        var posting = ix.vocab.get(w), strong = false;
        posting.forEach(function (weight) { if (weight >= META) strong = true; });
        if (!strong) return;
        var d = distance(t, w, bestD - 1);
        if (d < bestD || (d === bestD && best && posting.size > ix.vocab.get(best).size)) { best = w; bestD = d; }
      });
      if (best) { changed = true; return best; }
      return t;
    });
    var s = out.join(" ");
    return changed && search(ix, s).length ? s : null;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function render(q, ix) {
    root.textContent = "";
    if (suggest) suggest.textContent = "";
    if (popular) popular.hidden = true;
    if (!words(q).length) { status.textContent = ""; return; }
    var t0 = performance.now();
    var hits = search(ix, q);
    root.setAttribute("data-took-ms", (performance.now() - t0).toFixed(2));
    status.textContent = found(hits.length);
    if (!hits.length) {
      var alt = didYouMean(ix, q);
      if (alt && suggest) {
        var parts = (msgs.didYouMean || "%s").split(ARG);
        suggest.appendChild(document.createTextNode(parts[0]));
        var a = el("a", null, alt);
        a.href = "?q=" + encodeURIComponent(alt);
        a.setAttribute("data-testid", "did-you-mean");
        a.addEventListener("click", function (e) { e.preventDefault(); input.value = alt; run(true); });
        suggest.appendChild(a);
        suggest.appendChild(document.createTextNode(parts.slice(1).join("")));
      }
      if (popular) popular.hidden = false;
      return;
    }
    var ul = el("ul", "grid");
    root.appendChild(ul);
    var shown = 0;
    var more = el("button", "button secondary", msgs.more || "+");
    more.type = "button";
    more.setAttribute("data-testid", "search-more");
    more.addEventListener("click", function () {
      var first = shown;
      showMore();
      var a = ul.children[first] && ul.children[first].querySelector("a");
      if (a) a.focus(); // on the first new result, for a keyboard or screen reader
    });
    // A page of results at a time: the first screen's images load first
    // (the first few eagerly), and a long result list costs nothing
    // until the shopper asks for it.
    function showMore() {
      hits.slice(shown, shown + PAGE).forEach(function (p, i) { ul.appendChild(card(p, shown + i < EAGER)); });
      shown = Math.min(hits.length, shown + PAGE);
      if (shown < hits.length) root.appendChild(more); else if (more.parentNode) more.remove();
    }
    showMore();
  }
  // Twelve a page: whole rows at two, three, four or six columns, and on
  // a phone (two columns) about two screens. Lighthouse's phone, search
  // page, four runs each way: 24 a page made 96-183 ms of blocking time
  // (each card's image is a task of its own), 12 made 60-169, 8 made 36-102.
  var PAGE = 12, EAGER = 4;
  function card(p, eager) {
    var li = el("li", "card");
    li.setAttribute("data-testid", "search-result");
    if (p.image) {
      var img = el("img");
      if (p.srcset) { img.srcset = p.srcset; img.sizes = msgs.sizes || "100vw"; }
      img.src = p.image; img.alt = p.imageAlt || "";
      img.width = +p.w || 400; img.height = +p.h || 400;
      img.loading = eager ? "eager" : "lazy"; img.decoding = "async";
      li.appendChild(img);
    }
    var h = el("h2");
    var a = el("a", null, p.title);
    a.href = p.url;
    h.appendChild(a);
    li.appendChild(h);
    if (p.vendor) li.appendChild(el("p", "vendor", p.vendor));
    li.appendChild(el("p", "price", p.price));
    return li;
  }
  function run(push) {
    var q = input.value;
    if (push) history.replaceState(null, "", "?q=" + encodeURIComponent(q));
    load().then(function (ix) { render(q, ix); }, function () {
      status.textContent = msgs.unavailable || "";
    });
  }
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) {
    input.value = initial;
    run(false);
    setTimeout(intl, 0);
  }
  input.addEventListener("focus", function () { setTimeout(intl, 0); }, { once: true });
  var timer;
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { run(true); }, 80); });
  form.addEventListener("submit", function (e) { e.preventDefault(); run(true); });
})();
