// The /docs page's initialiser: Swagger UI over this API's own /openapi.json. Served from our origin as a file of
// its own, so the page's policy allows no inline script (and no eval).
"use strict";

// What axe-core finds in Swagger UI's markup, mended after each render (React may re-create an element, so this
// runs on every change): the parts outside its <main> get landmarks of their own, the headings below the title's h1
// (h3 for each group of operations, h4 inside them) read one level up (h5
// and h6 both as 4: the dialog skips h5), the unlabelled servers list and dialog's close button get names, and
// code that scrolls sideways can be reached by keyboard.
function mend(root) {
  var landmarks = [[".information-container", "API"], [".scheme-container", "Servers and authorization"],
                   [".models", "Schemas"]];
  landmarks.forEach(function (pair) {
    root.querySelectorAll(pair[0]).forEach(function (element) {
      if (element.getAttribute("role") !== "region") {
        element.setAttribute("role", "region");
        element.setAttribute("aria-label", pair[1]);
      }
    });
  });
  root.querySelectorAll("h3, h4, h5, h6").forEach(function (heading) {
    var level = String(Math.min(Number(heading.tagName.charAt(1)) - 1, 4));
    if (heading.getAttribute("aria-level") !== level) heading.setAttribute("aria-level", level);
  });
  root.querySelectorAll("select#servers").forEach(function (select) {
    if (!select.getAttribute("aria-label")) select.setAttribute("aria-label", "Server");
  });
  root.querySelectorAll("button.close-modal").forEach(function (button) {
    if (!button.getAttribute("aria-label")) button.setAttribute("aria-label", "Close");
  });
  root.querySelectorAll("pre.microlight").forEach(function (code) {  // scrolls sideways: reachable by keyboard
    if (!code.hasAttribute("tabindex")) code.setAttribute("tabindex", "0");
  });
}

window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  new MutationObserver(function () { mend(root); }).observe(root, {childList: true, subtree: true});
  window.ui = SwaggerUIBundle({
    // Relative to the page, so it works under a stage path (https://…/api/docs) as on 127.0.0.1.
    url: new URL("openapi.json", document.baseURI).href,
    dom_id: "#swagger-ui",
    // Deep links would put a link inside each operation's summary button (a control inside a control).
    deepLinking: false,
    // Never ask swagger.io to validate the document (the policy would refuse it anyway).
    validatorUrl: null,
    // The bearer token typed under Authorize stays in this tab's memory only.
    persistAuthorization: false,
    displayRequestDuration: true,
    layout: "BaseLayout",
  });
});
