// The product page's variant picker: when the shopper chooses a variant,
// the price, compare-at price, sale badge, availability and main image
// follow it, and the URL carries it (?variant=<id>, as Shopify's does, so a
// shared link opens that variant; the canonical link stays the product's).
// The variants' figures come from the picker's own options (data-*
// attributes the server rendered): nothing is fetched, and nothing here is
// inline, as the CSP requires. Without JavaScript the picker still posts the
// chosen variant and its options' labels carry each one's price.
(function () {
  "use strict";
  var picker = document.getElementById("variant");
  if (!picker) return;
  var price = document.querySelector("[data-testid=price]");
  var compare = document.querySelector("[data-testid=compare-at]");
  var compareAt = document.querySelector("[data-testid=compare-at-price]");
  var badge = document.querySelector("[data-testid=sale-badge]");
  var availability = document.querySelector("[data-testid=availability]");
  var gallery = document.getElementById("gallery");

  function show(opt, scroll) {
    var d = opt.dataset;
    price.textContent = d.price;
    var onSale = d.compareAt !== "";
    compareAt.textContent = d.compareAt;
    compare.hidden = !onSale;
    badge.hidden = !onSale;
    availability.textContent = d.availability;
    var img = parseInt(d.image, 10);
    if (gallery && img >= 0) {
      var item = gallery.children[img];
      if (item) {
        Array.prototype.forEach.call(gallery.children, function (li) { li.removeAttribute("aria-current"); });
        item.setAttribute("aria-current", "true");
        if (scroll) gallery.scrollTo({ left: item.offsetLeft - gallery.offsetLeft, behavior: "smooth" });
      }
    }
  }
  function byID(id) {
    for (var i = 0; i < picker.options.length; i++) {
      if (picker.options[i].value === id && !picker.options[i].disabled) return picker.options[i];
    }
    return null;
  }
  picker.addEventListener("change", function () {
    var opt = picker.options[picker.selectedIndex];
    show(opt, true);
    var u = new URL(location.href);
    u.searchParams.set("variant", opt.value);
    history.replaceState(null, "", u.pathname + u.search + u.hash);
  });
  var wanted = new URLSearchParams(location.search).get("variant");
  var opt = wanted && byID(wanted);
  if (opt) {
    picker.value = opt.value;
    show(opt, true);
  }
})();
