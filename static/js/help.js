/* desk help center: search as you type, article suggestions on the contact form, and the phone
   callback request. No framework; strings come from the page. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () { var a = arguments; clearTimeout(timer); timer = setTimeout(function () { fn.apply(null, a); }, ms); };
  }

  function search(api, locale, q, limit) {
    var url = api + "?q=" + encodeURIComponent(q) + "&locale=" + encodeURIComponent(locale) + "&limit=" + limit;
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (d) { return d.items || []; })
      .catch(function () { return []; });
  }

  function pathOf(url) { try { return new URL(url, location.href).pathname; } catch (e) { return url; } }

  function liveSearch(form) {
    var input = form.querySelector("input[type=search]");
    var list = form.querySelector("[data-live-results]");
    var api = form.getAttribute("data-api"), locale = form.getAttribute("data-locale");
    var latest = 0;
    input.addEventListener("input", debounce(function () {
      var q = input.value.trim(), ticket = ++latest;
      if (q.length < 1) { list.hidden = true; return; }
      search(api, locale, q, 6).then(function (items) {
        if (ticket !== latest) { return; }
        list.textContent = "";
        items.forEach(function (item) {
          var li = document.createElement("li"), a = document.createElement("a"), small = document.createElement("small");
          a.href = pathOf(item.url);
          a.textContent = item.title;
          small.innerHTML = item.snippet; /* server-escaped text with <mark> only */
          a.appendChild(small); li.appendChild(a); list.appendChild(li);
        });
        list.hidden = items.length === 0;
      });
    }, 200));
    document.addEventListener("click", function (e) { if (!form.contains(e.target)) { list.hidden = true; } });
    input.addEventListener("keydown", function (e) { if (e.key === "Escape") { list.hidden = true; } });
  }

  function contactSuggestions(form) {
    var subject = form.querySelector("[data-subject]");
    var box = form.querySelector("[data-suggest]"), list = form.querySelector("[data-suggest-list]");
    var api = form.getAttribute("data-api"), locale = form.getAttribute("data-locale");
    var latest = 0;
    subject.addEventListener("input", debounce(function () {
      var q = subject.value.trim(), ticket = ++latest;
      if (q.length < 2) { box.hidden = true; return; }
      search(api, locale, q, 5).then(function (items) {
        if (ticket !== latest) { return; }
        list.textContent = "";
        items.forEach(function (item) {
          var li = document.createElement("li"), a = document.createElement("a");
          a.href = pathOf(item.url) + "?from=contact&q=" + encodeURIComponent(q);
          a.textContent = item.title;
          li.appendChild(a); list.appendChild(li);
        });
        box.hidden = items.length === 0;
      });
    }, 350));
  }

  function callback(form) {
    var result = form.querySelector("[data-callback-result]");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = { source: "web" };
      ["name", "phone", "preferred_time"].forEach(function (k) { var v = form.elements[k].value.trim(); if (v) { body[k] = v; } });
      fetch(form.getAttribute("data-url"), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
        .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, d: d }; }); })
        .then(function (res) {
          var number = res.d && res.d.ticket_number;
          var failed = (res.d && res.d.error && res.d.error.message) || form.getAttribute("data-failed");
          result.textContent = res.ok ? form.getAttribute("data-done") + (number ? "#" + number : "") +
            (res.d.position ? " · " + form.getAttribute("data-position").replace("%(n)s", res.d.position) : "") : failed;
          if (res.ok) { form.reset(); }
        })
        .catch(function () { result.textContent = form.getAttribute("data-failed"); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live-search]").forEach(liveSearch);
    document.querySelectorAll("[data-contact]").forEach(contactSuggestions);
    document.querySelectorAll("[data-callback]").forEach(callback);
  });
})();
