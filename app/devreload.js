// wandgen dev's reload script: served by the dev server alone and put in
// every page it serves, never written by a build. It listens to the dev
// server's events: "reload" after a good rebuild reloads the page;
// "problem" (a content error) shows it over the page until the next good
// build. An external file, as the pages' CSP allows no inline script.
(function () {
  "use strict";
  var box = null;
  function show(text) {
    if (!box) {
      box = document.createElement("div");
      box.setAttribute("role", "alert");
      box.setAttribute("data-testid", "dev-problem");
      // Styled through the CSSOM: the CSP refuses style attributes, not this.
      var st = box.style;
      st.position = "fixed";
      st.left = st.right = st.bottom = "0";
      st.maxHeight = "60vh";
      st.overflow = "auto";
      st.zIndex = "2147483647";
      st.padding = "1rem";
      st.background = "#3b0d0d";
      st.color = "#fff";
      st.font = "14px/1.4 ui-monospace, monospace";
      st.boxShadow = "0 -4px 16px rgba(0,0,0,.4)";
      var title = document.createElement("strong");
      title.textContent = "wandgen dev: the content has a problem; the last good build is shown";
      var pre = document.createElement("pre");
      pre.style.whiteSpace = "pre-wrap";
      pre.style.margin = ".5rem 0 0";
      box.appendChild(title);
      box.appendChild(pre);
      document.body.appendChild(box);
    }
    box.querySelector("pre").textContent = text;
  }
  var es = new EventSource("/_wandstore/dev/events");
  es.addEventListener("reload", function () {
    location.reload();
  });
  es.addEventListener("problem", function (e) {
    show(JSON.parse(e.data));
  });
})();
