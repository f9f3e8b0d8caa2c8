/* Console knowledge-base helpers: article search and "insert link" on the ticket page, live
   preview in the article editor. Strings come from data- attributes of the templates. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function insertAtCursor(textarea, text) {
    var start = textarea.selectionStart || 0, end = textarea.selectionEnd || 0, value = textarea.value;
    var before = value.slice(0, start), after = value.slice(end);
    var pad = before && !/\s$/.test(before) ? " " : "";
    textarea.value = before + pad + text + after;
    var pos = (before + pad + text).length;
    textarea.focus();
    textarea.setSelectionRange(pos, pos);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function setupPanel(panel) {
    var list = panel.querySelector("[data-kb-results]");
    var input = panel.querySelector("[data-kb-search] input");
    var url = panel.getAttribute("data-suggest-url");
    panel.addEventListener("click", function (event) {
      var button = event.target.closest("[data-kb-insert]");
      if (!button) { return; }
      var reply = document.getElementById("reply-body");
      if (reply) { insertAtCursor(reply, button.getAttribute("data-kb-title") + ": " + button.getAttribute("data-kb-insert")); }
    });
    panel.querySelector("[data-kb-search]").addEventListener("submit", function (e) { e.preventDefault(); });
    input.addEventListener("input", debounce(function () {
      var q = input.value.trim();
      if (!q) { return; }
      fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) { render(list, data.items || [], panel); })
        .catch(function () { /* keep what is shown */ });
    }, 250));
  }

  function render(list, items, panel) {
    list.textContent = "";
    if (!items.length) {
      var none = document.createElement("li");
      none.className = "muted small";
      none.textContent = panel.getAttribute("data-label-none");
      list.appendChild(none);
      return;
    }
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url; a.target = "_blank"; a.rel = "noopener"; a.textContent = item.title;
      var b = document.createElement("button");
      b.type = "button"; b.className = "button button-small button-ghost";
      /* the short link (it redirects to the canonical one): readable in a mail */
      b.setAttribute("data-kb-insert", item.url.replace(/\/articles\/(\d+)-[^\/]*$/, "/articles/$1"));
      b.setAttribute("data-kb-title", item.title);
      b.textContent = panel.getAttribute("data-label-insert");
      li.appendChild(a); li.appendChild(b); list.appendChild(li);
    });
  }

  function setupEditor(form) {
    var body = form.querySelector("[data-kb-body]");
    var preview = form.querySelector("[data-kb-preview]");
    var url = form.getAttribute("data-preview-url");
    body.addEventListener("input", debounce(function () {
      var data = new FormData();
      data.append("body", body.value);
      fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) { if (d) { preview.innerHTML = d.html; } })  /* sanitised on the server */
        .catch(function () {});
    }, 300));
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-kb-panel]").forEach(setupPanel);
    document.querySelectorAll("[data-kb-editor]").forEach(setupEditor);
  });
})();
