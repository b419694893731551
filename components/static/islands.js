// Every page's islands, with htmx loaded only when the shopper first acts.
//
// The page's loader element (data-islands-get or data-islands-post, with
// data-islands-vals) is answered by one request that carries every island
// of the page, each marked hx-swap-oob with its id: this script puts each
// in place of the element with that id and removes the loader. It is a
// few hundred bytes of work where starting htmx (50 KB to compile, then a
// walk of the whole page) is the longest task of a page view on a phone,
// and nothing on a page needs htmx until the shopper touches it.
//
// htmx itself (its URL is this script's data-htmx) is loaded on the first
// pointer, touch, key or focus, and then takes over every hx-* element,
// the islands' included. An action that comes before htmx has started (a
// click on an hx element, a form submitted, a filter changed) is held and
// done again once it has, so it is answered in place as it would have been;
// if htmx fails to load, it is done as without JavaScript. Nothing here is
// inline: the CSP allows only scripts from the store's own origin.
//
// Live updates: once the page is loaded and idle, and its islands were
// answered, the loader's data-islands-events stream (Server-Sent Events, a
// native EventSource: it needs no htmx) tells the page when the shopper's
// cart changed elsewhere (another tab, device or server), an order was
// confirmed, or a product on the page changed; the page then asks its
// islands again (or, for a product, its own price and stock). Nothing
// polls: a stream that never delivers (a proxy that buffers or blocks it)
// leaves the page as it is.
(function () {
  "use strict";
  var me = document.currentScript;
  var htmxURL = me && me.dataset.htmx;
  var hx = "[hx-get],[hx-post],[hx-put],[hx-patch],[hx-delete],[data-hx-get],[data-hx-post]";

  // The islands.
  var loader = document.querySelector("[data-islands-get],[data-islands-post]");
  var islandsURL = null, islandsVals = null, liveURL = null;
  if (loader) {
    var post = loader.hasAttribute("data-islands-post");
    var url = loader.getAttribute(post ? "data-islands-post" : "data-islands-get");
    var vals = new URLSearchParams(JSON.parse(loader.getAttribute("data-islands-vals") || "{}"));
    islandsURL = url;
    islandsVals = vals;
    liveURL = loader.getAttribute("data-islands-events");
    var init = { method: post ? "POST" : "GET", credentials: "same-origin", headers: { "HX-Request": "true" } };
    if (post) {
      init.body = vals;
    } else {
      url += (url.indexOf("?") < 0 ? "?" : "&") + vals.toString();
    }
    fetch(url, init)
      .then(function (r) {
        if (!r.ok) throw new Error("islands: " + r.status);
        return r.text();
      })
      .then(function (text) {
        // The stream is for pages whose islands server answered them.
        if (place(text) > 0) liveWhenIdle();
      })
      .catch(function () {
        // Every island keeps its fallback (what the page shows without
        // JavaScript); the loader goes, so nothing waits on it.
      })
      .then(function () {
        loader.remove();
      });
  }

  // place puts each island of an answer in place and says how many.
  function place(text) {
    var t = document.createElement("template"), n = 0;
    t.innerHTML = text;
    Array.prototype.slice.call(t.content.children).forEach(function (el) {
      if (!el.hasAttribute("hx-swap-oob")) return;
      el.removeAttribute("hx-swap-oob");
      var old = el.id && document.getElementById(el.id);
      if (!old) return;
      old.replaceWith(el);
      n++;
      if (window.htmx) window.htmx.process(el);
    });
    return n;
  }

  // htmx, on the first sign of the shopper.
  var ready = null;
  // htmx starts itself on DOMContentLoaded, or at once when the document
  // is complete. Loaded between the two (the shopper acts while an image
  // is still coming) it would wait for an event that has passed, and never
  // take over the page (htmx issues 2264, 2329): it is told again.
  var contentLoaded = document.readyState === "complete";
  document.addEventListener("DOMContentLoaded", function () { contentLoaded = true; });
  function loadHTMX() {
    if (!ready) {
      ready = new Promise(function (resolve, reject) {
        if (window.htmx || !htmxURL) return resolve();
        var s = document.createElement("script");
        s.src = htmxURL;
        s.onload = function () {
          if (contentLoaded && document.readyState !== "complete") {
            document.dispatchEvent(new Event("DOMContentLoaded"));
          }
          resolve();
        };
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return ready;
  }
  ["pointerdown", "touchstart", "keydown", "focusin", "mouseover"].forEach(function (type) {
    window.addEventListener(type, loadHTMX, { capture: true, passive: true, once: true });
  });

  // An action before htmx has started is held, then done again. failed:
  // htmx could not be loaded, so actions go as without JavaScript.
  var failed = false;
  function hold(e, redo) {
    if (window.htmx || failed) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    loadHTMX().then(redo, function () {
      failed = true;
      redo();
    });
  }
  // A click on an hx element that acts on a click (a link or a button
  // with hx-get or hx-post; a form acts on its submit, below).
  document.addEventListener("click", function (e) {
    var el = e.target instanceof Element && e.target.closest(hx);
    if (!el || el.tagName === "FORM") return;
    var trigger = el.getAttribute("hx-trigger");
    if (trigger && trigger.indexOf("click") < 0) return;
    hold(e, function () { el.click(); });
  }, true);
  // A form of hx-post or hx-get submitted: again by the same button, so
  // htmx sends that button's name and value as it would have.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.matches(hx)) return;
    var by = e.submitter;
    hold(e, function () {
      if (by && by !== form) by.click();
      else form.requestSubmit();
    });
  }, true);
  // A change (a collection's filters) or a toggle (the filters opened,
  // fetching their counts) that htmx acts on: the browser does nothing
  // with it itself, so it is fired again once htmx listens.
  ["change", "toggle"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      var el = e.target;
      if (window.htmx || failed || !(el instanceof Element) || !el.closest("[hx-trigger*=" + type + "]")) return;
      loadHTMX().then(function () {
        el.dispatchEvent(new Event(type, { bubbles: type === "change" }));
      }, function () {});
    }, true);
  });
  // Live updates.
  // tab names this page's writes (Wandstore-Tab), so the events of its
  // own writes, whose answers already updated it, are told from others'.
  // writes counts them: an islands refresh asked before one is dropped,
  // as is one overtaken by a later refresh.
  var source = null, pending = {}, timer = 0, rewired = false, retries = 0;
  var tab = Math.random().toString(36).slice(2, 12), writes = 0, refreshes = 0;
  // The products whose cards the page itself shows (a collection, the
  // home page): read before any island fills in cards of its own.
  var cards = {}, listed = [];
  Array.prototype.forEach.call(document.querySelectorAll("[data-testid=product-card] h3 a[href]"), function (a) {
    var m = /\/products\/([^\/?#]+)\/?$/.exec(a.getAttribute("href"));
    if (m && !cards[m[1]] && listed.length < 24) {
      cards[m[1]] = a.getAttribute("href");
      listed.push(m[1]);
    }
  });
  // Over HTTP/1.1 a browser keeps about six connections to a site for all
  // its tabs, and an open stream holds one: a hidden tab gives its stream
  // up (and asks its islands again when shown), so many open tabs never
  // starve the one in front. Over HTTP/2 the streams share one connection.
  function connectionEach() {
    var nav = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    var p = nav && nav.nextHopProtocol;
    return !p || p === "http/1.1" || p === "http/1.0";
  }
  document.addEventListener("visibilitychange", function () {
    if (!wanted || !connectionEach()) return;
    if (document.hidden) stopLive();
    else if (!source) {
      startLive();
      queue("order");
    }
  });
  function startLive() {
    if (!liveURL || source || typeof EventSource === "undefined") return;
    if (document.hidden && connectionEach()) return; // opened when shown
    var q = new URLSearchParams();
    if (islandsVals.get("product")) q.set("product", islandsVals.get("product"));
    else listed.forEach(function (h) { q.append("product", h); });
    var s = source = new EventSource(liveURL + (q.toString() ? "?" + q.toString() : ""));
    var opened = false;
    s.onopen = function () {
      // Reopened after a break: what was missed is asked once.
      if (opened) queue("order");
      opened = true;
      retries = 0;
      document.documentElement.setAttribute("data-live", "open");
    };
    s.onerror = function () {
      document.documentElement.setAttribute("data-live", "closed");
      if (s.readyState !== 2) return; // the browser reconnects by itself
      // Refused (too many tabs, a busy server): try again later, less
      // and less often; the page works without it.
      if (source === s) source = null;
      if (retries < 5) setTimeout(startLive, 30000 * Math.pow(2, retries++));
    };
    ["cart", "order", "product"].forEach(function (type) {
      s.addEventListener(type, function (e) { queue(type, e.data); });
    });
  }
  function stopLive() {
    if (source) {
      source.close();
      document.documentElement.setAttribute("data-live", "closed");
    }
    source = null;
  }
  // Events close together are answered once.
  function queue(type, data) {
    if (type !== "product" && data === tab) return; // this page's own write
    if (type === "product") {
      pending.products = pending.products || {};
      pending.products[data] = true;
    }
    pending[type] = data || true;
    if (!timer) timer = setTimeout(flush, 100);
  }
  function flush() {
    var p = pending;
    pending = {};
    timer = 0;
    if (p.cart || p.order) refreshIslands(!!p.order);
    if (p.product && islandsVals.get("product")) refreshProduct();
    else if (p.products) refreshCards(p.products);
  }
  // The page's islands as the loader asked them (a GET: no view is
  // recorded again); after a cart change only the cart's.
  function refreshIslands(all) {
    var q = new URLSearchParams(islandsVals);
    if (!all) {
      q.set("i", (q.get("i") || "").split(",").filter(function (r) { return r.indexOf("cart") === 0; }).join(","));
    }
    var w = writes, n = ++refreshes;
    fetch(islandsURL + (islandsURL.indexOf("?") < 0 ? "?" : "&") + q.toString(), { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (text) {
        if (w === writes && n === refreshes) place(text);
      }, function () {});
  }
  // A product page's price, stock and button, from the page as published
  // now; the variant the shopper picked stays picked.
  function refreshProduct() {
    fetch(location.pathname, { credentials: "same-origin", cache: "no-cache" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (text) {
        if (!text) return;
        var doc = new DOMParser().parseFromString(text, "text/html");
        ["product-price", "availability", "add-to-cart"].forEach(function (id) {
          var sel = "[data-testid=" + id + "]", old = document.querySelector(sel), now = doc.querySelector(sel);
          if (old && now) old.replaceWith(document.importNode(now, true));
        });
        var picker = document.querySelector("[data-testid=variant-picker]"), fresh = doc.querySelector("[data-testid=variant-picker]");
        if (!picker || !fresh) return;
        Array.prototype.forEach.call(fresh.options, function (o) {
          var mine = picker.querySelector("option[value='" + CSS.escape(o.value) + "']");
          if (!mine) return;
          ["data-price", "data-compare-at", "data-availability"].forEach(function (a) { mine.setAttribute(a, o.getAttribute(a) || ""); });
          mine.disabled = o.disabled;
        });
        picker.dispatchEvent(new Event("change", { bubbles: true }));
      }, function () {});
  }
  // The cards of changed products (their price, sale and sold-out badges),
  // from the page as published now.
  function refreshCards(changed) {
    fetch(location.pathname + location.search, { credentials: "same-origin", cache: "no-cache" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (text) {
        if (!text) return;
        var doc = new DOMParser().parseFromString(text, "text/html");
        Object.keys(changed).forEach(function (h) {
          var href = cards[h];
          if (!href) return;
          var sel = "[data-testid=product-card] h3 a[href='" + CSS.escape(href) + "']";
          var old = document.querySelector(sel), now = doc.querySelector(sel);
          old = old && old.closest("[data-testid=product-card]");
          now = now && now.closest("[data-testid=product-card]");
          if (old && now) old.replaceWith(document.importNode(now, true));
        });
      }, function () {});
  }
  // This page's writes: named, counted; the first one may be the
  // shopper's first (their cookie is new), so the stream is opened again
  // as theirs.
  document.addEventListener("htmx:configRequest", function (e) {
    if (e.detail.verb === "get") return;
    e.detail.headers["Wandstore-Tab"] = tab;
    writes++;
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var cfg = e.detail && e.detail.requestConfig;
    if (!cfg || cfg.verb === "get") return;
    if (!rewired && source) {
      rewired = true;
      stopLive();
      startLive();
    }
  });
  // Once the page has loaded and the browser is idle.
  var wanted = false;
  function liveWhenIdle() {
    wanted = true;
    var idle = function () {
      if (window.requestIdleCallback) requestIdleCallback(startLive, { timeout: 2000 });
      else setTimeout(startLive, 200);
    };
    if (document.readyState === "complete") idle();
    else window.addEventListener("load", idle, { once: true });
  }
  // A page left (or kept in the back-forward cache) holds no stream.
  window.addEventListener("pagehide", stopLive);
  window.addEventListener("pageshow", function (e) {
    if (e.persisted && wanted) {
      startLive();
      queue("order");
    }
  });
})();
