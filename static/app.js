// Berth: small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  var zh = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0;

  // 1. Enterprise form: the authorised person's own fields only matter when
  //    "someone else" is chosen. Hidden (not removed) so the values still post.
  function authorizedToggle() {
    var box = document.getElementById("authorized-fields");
    if (!box) return;
    var radios = document.querySelectorAll('input[type="radio"][name="authorized_person.same_as_legal_rep"]');
    if (!radios.length) return;
    function sync() {
      var same = false;
      for (var i = 0; i < radios.length; i++) {
        if (radios[i].checked && radios[i].value === "true") same = true;
      }
      box.hidden = same;
    }
    for (var i = 0; i < radios.length; i++) radios[i].addEventListener("change", sync);
    sync();
  }

  // 2. Move focus to the error summary (or whatever asks for it) on load.
  function autofocus() {
    var el = document.querySelector("[data-autofocus]");
    if (!el) return;
    if (!el.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) {
      el.setAttribute("tabindex", "-1");
    }
    try { el.focus({ preventScroll: false }); } catch (e) { el.focus(); }
    if (el.scrollIntoView) el.scrollIntoView({ block: "center" });
  }

  // 3. A small preview next to document inputs.
  function humanSize(n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(0) + " KB";
    return (n / 1024 / 1024).toFixed(1) + " MB";
  }
  var MAX_BYTES = 10 * 1024 * 1024;
  var urls = new WeakMap();

  function previewFor(input) {
    var box = input.__berthPreview;
    if (!box) {
      box = document.createElement("span");
      box.className = "file-preview";
      box.setAttribute("aria-live", "polite");
      box.hidden = true;
      var anchor = input.closest("label") || input;
      anchor.parentNode.insertBefore(box, anchor.nextSibling);
      input.__berthPreview = box;
    }
    return box;
  }

  function showPreview(input) {
    var box = previewFor(input);
    var old = urls.get(input);
    if (old) { URL.revokeObjectURL(old); urls.delete(input); }
    while (box.firstChild) box.removeChild(box.firstChild);
    var file = input.files && input.files[0];
    if (!file) { box.hidden = true; return; }

    var type = (file.type || "").toLowerCase();
    if (/^image\/(jpeg|png)$/.test(type) && window.URL && URL.createObjectURL) {
      var url = URL.createObjectURL(file);
      urls.set(input, url);
      var img = document.createElement("img");
      img.src = url;
      img.alt = "";
      box.appendChild(img);
    } else {
      var icon = document.createElement("span");
      icon.className = "file-icon";
      icon.setAttribute("aria-hidden", "true");
      icon.textContent = type === "application/pdf" || /\.pdf$/i.test(file.name) ? "PDF" : "FILE";
      box.appendChild(icon);
    }
    var text = document.createElement("span");
    var name = document.createElement("span");
    name.className = "file-name";
    name.textContent = file.name;
    text.appendChild(name);
    text.appendChild(document.createTextNode(" · " + humanSize(file.size)));
    var ok = /^(application\/pdf|image\/jpeg|image\/png)$/.test(type) || /\.(pdf|jpe?g|png)$/i.test(file.name);
    if (file.size > MAX_BYTES || !ok) {
      var warn = document.createElement("span");
      warn.className = "file-warn";
      warn.textContent = " · " + (file.size > MAX_BYTES
        ? (zh ? "超过 10 MB" : "larger than 10 MB")
        : (zh ? "仅支持 PDF、JPEG、PNG" : "PDF, JPEG or PNG only"));
      text.appendChild(warn);
    }
    box.appendChild(text);
    box.hidden = false;
  }

  function filePreviews() {
    var inputs = document.querySelectorAll('input[type="file"][data-preview]');
    for (var i = 0; i < inputs.length; i++) {
      (function (input) {
        input.addEventListener("change", function () { showPreview(input); });
        if (input.files && input.files.length) showPreview(input); // restored by the browser
      })(inputs[i]);
    }
  }

  // 4. No double submits: once a form is on its way, its submit buttons go quiet.
  //    Disabled only after this tick, so the clicked button's name/value is still sent.
  function noDoubleSubmit() {
    document.addEventListener("submit", function (ev) {
      var form = ev.target;
      if (!(form instanceof HTMLFormElement) || ev.defaultPrevented) return;
      if ((form.method || "get").toLowerCase() === "get") return; // filters: harmless to repeat
      if (form.getAttribute("data-submitting") === "1") { ev.preventDefault(); return; }
      form.setAttribute("data-submitting", "1");

      var submitter = ev.submitter;
      var buttons = form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]');
      // Disable after the browser has collected the form data for this submission.
      window.setTimeout(function () {
        for (var i = 0; i < buttons.length; i++) {
          buttons[i].disabled = true;
          buttons[i].classList.add("is-busy");
        }
        if (submitter) submitter.setAttribute("aria-busy", "true");
      }, 0);
    });

    // Coming back with the Back button (bfcache) must not leave forms frozen.
    window.addEventListener("pageshow", function (ev) {
      if (!ev.persisted) return;
      var forms = document.querySelectorAll('form[data-submitting="1"]');
      for (var i = 0; i < forms.length; i++) {
        forms[i].removeAttribute("data-submitting");
        var buttons = forms[i].querySelectorAll("button, input[type=submit]");
        for (var k = 0; k < buttons.length; k++) {
          buttons[k].disabled = false;
          buttons[k].classList.remove("is-busy");
          buttons[k].removeAttribute("aria-busy");
        }
      }
    });
  }

  // 5. "Go back" on a refusal page: the browser's own Back, which brings the form back with
  //    what was typed in it; the link's address is the fallback.
  function historyBack() {
    var links = document.querySelectorAll("a[data-history-back]");
    for (var i = 0; i < links.length; i++) {
      links[i].addEventListener("click", function (ev) {
        var same = document.referrer && document.referrer.indexOf(location.origin + "/") === 0;
        if (same && window.history.length > 1) {
          ev.preventDefault();
          window.history.back();
        }
      });
    }
  }

  // 6. Product form: the delivery follows the service type chosen, until the person picks one
  //    of their own (an on-site service is not an image).
  function deliveryFollowsType() {
    var type = document.querySelector("select[data-delivery-from]");
    var delivery = document.getElementById("f-delivery");
    if (!type || !delivery) return;
    var picked = delivery.value !== "";
    delivery.addEventListener("change", function () { picked = delivery.value !== ""; });
    type.addEventListener("change", function () {
      if (picked) return;
      var opt = type.options[type.selectedIndex];
      var wanted = opt ? opt.getAttribute("data-delivery") : "";
      for (var i = 0; i < delivery.options.length; i++) {
        if (delivery.options[i].value === wanted) delivery.value = wanted;
      }
    });
  }

  // 7. A secret shown once: a button copies it (without JavaScript, the hint says how).
  function copyButtons() {
    var buttons = document.querySelectorAll("button[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      (function (button) {
        var field = document.getElementById(button.getAttribute("data-copy"));
        if (!field || !navigator.clipboard) return;
        button.hidden = false;
        button.addEventListener("click", function () {
          navigator.clipboard.writeText(field.value).then(function () {
            button.textContent = button.getAttribute("data-copied");
          });
        });
      })(buttons[i]);
    }
  }

  function init() {
    copyButtons();
    historyBack();
    deliveryFollowsType();
    authorizedToggle();
    filePreviews();
    noDoubleSubmit();
    autofocus();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
