// Liaison console: live countdowns beside each deadline, and the progress of a file upload. The pages work
// without this script: the countdowns then show the time left when the page was made, and an upload form posts
// as a plain form.
(function () {
  "use strict";
  function text(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000), days = Math.floor(minutes / 1440),
        hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60, out;
    if (days) { out = days + " d " + hours + " h"; }
    else if (hours) { out = hours + " h " + (mins < 10 ? "0" : "") + mins + " min"; }
    else { out = mins + " min"; }
    return out + (ms >= 0 ? " left" : " overdue");
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var ms = Date.parse(el.getAttribute("datetime")) - now;
      if (!isNaN(ms)) {
        el.textContent = text(ms);
        if (ms < 0) { el.classList.add("overdue"); }
      }
    });
  }

  // An upload form (form[data-upload]) is sent with XMLHttpRequest to the same URL, with the same fields (the
  // CSRF token among them), so a <progress> can show how much has been sent. The server answers as it answers
  // the plain form: a redirect to the request's page, which the browser then follows; or the page with the
  // refusal beside the form, which replaces this page's content.
  function status(form) {
    var box = form.querySelector(".upload-progress");
    if (!box) {
      box = document.createElement("p");
      box.className = "upload-progress";
      box.setAttribute("role", "status");
      form.appendChild(box);
    }
    return box;
  }
  function show(form, message, fraction) {
    var box = status(form), bar = box.querySelector("progress"), words = box.querySelector("span");
    if (!bar) {
      bar = document.createElement("progress");
      bar.max = 100;
      bar.setAttribute("aria-label", "Upload progress");
      words = document.createElement("span");
      box.appendChild(bar);
      box.appendChild(words);
    }
    bar.hidden = fraction === null;
    if (fraction !== null) { bar.value = Math.round(fraction * 100); }
    words.textContent = message;
  }
  function replaceMain(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html"), main = document.querySelector("main"),
        incoming = fresh.querySelector("main");
    if (!main || !incoming) { return false; }
    main.replaceWith(document.importNode(incoming, true));
    if (fresh.title) { document.title = fresh.title; }
    var alert = document.querySelector("main .field-error, main [role=alert]");
    if (alert) {
      alert.setAttribute("tabindex", "-1");
      alert.focus();
    }
    tick();
    return true;
  }
  function send(form, event) {
    var input = form.querySelector("input[type=file]"), file = input && input.files && input.files[0],
        limit = parseInt(form.getAttribute("data-max-bytes"), 10), button = form.querySelector("button[type=submit]");
    if (!file || !window.FormData || !window.XMLHttpRequest || !window.DOMParser) { return; }  // the plain form
    event.preventDefault();
    if (limit && file.size > limit) {
      show(form, form.getAttribute("data-too-large") || "The file is too large.", null);
      return;
    }
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        show(form, "Uploading " + file.name + ": " + Math.round(100 * e.loaded / e.total) + " %", e.loaded / e.total);
      }
    });
    request.upload.addEventListener("load", function () {
      show(form, "Sent; Liaison is storing the file and checking its SHA-256…", 1);
    });
    request.addEventListener("load", function () {
      var landed = request.responseURL || "";
      if (request.status === 200 && landed && landed.split("#")[0] !== form.action) {
        window.location.assign(landed + "#h-documents");  // the redirect, as the plain form follows it
      } else if (!replaceMain(request.responseText)) {
        show(form, "The upload was not accepted (" + request.status + "). Reload the page and try again.", null);
        if (button) { button.disabled = false; }
      }
    });
    request.addEventListener("error", function () {
      show(form, "The upload did not reach Liaison (network error). Try again.", null);
      if (button) { button.disabled = false; }
    });
    // An earlier refusal no longer describes what is being sent.
    document.querySelectorAll("main .refused, main .field-error").forEach(function (old) { old.remove(); });
    if (button) { button.disabled = true; }
    show(form, "Uploading " + file.name + ": 0 %", 0);
    request.send(new FormData(form));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-upload")) { send(form, event); }
  });
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 30000); });
}());
