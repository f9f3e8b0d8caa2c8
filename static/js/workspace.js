/* desk console workspace: notifications, macros, keyboard navigation, live sidebar counts,
 * SLA alerts and the supervisors' live floor. Runs after console.js (which opens the socket and
 * exposes it as window.deskConsole.socket). No inline script; untrusted text via textContent. */
(function () {
  "use strict";

  function $(s, r) { return (r || document).querySelector(s); }
  function $all(s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); }
  var body = document.body;
  var socket = window.deskConsole && window.deskConsole.socket;
  var csrf = $("meta[name='csrf-token']");

  function debounce(fn, ms) {
    var timer = null;
    return function () { window.clearTimeout(timer); timer = window.setTimeout(fn, ms); };
  }
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function getText(url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { if (!r.ok || r.redirected) { throw new Error(String(r.status)); } return r.text(); });
  }
  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok || r.redirected) { throw new Error(String(r.status)); } return r.json(); });
  }
  function fragment(html) { var t = document.createElement("template"); t.innerHTML = html; return t.content; }

  /* ------------------------------------------------------------ copy buttons (admin: embed code, webhook URLs) */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    var source = button && $(button.dataset.copy);
    if (!source) { return; }
    var text = source.textContent;
    function done() {
      var label = $("span", button);
      var before = label ? label.textContent : "";
      button.classList.add("is-copied");
      if (label) { label.textContent = button.dataset.copied || before; }
      window.setTimeout(function () { button.classList.remove("is-copied"); if (label) { label.textContent = before; } }, 1500);
    }
    function selectOnly() { // no clipboard (plain HTTP): select the text so Ctrl+C copies it
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, selectOnly);
    } else {
      selectOnly();
    }
  });

  /* ------------------------------------------------------------ notifications */
  var notif = $("[data-notif]");
  var notifCount = notif && $("[data-notif-count]", notif);
  function setUnread(n) {
    if (!notifCount) { return; }
    notifCount.textContent = String(n);
    notifCount.hidden = !n;
  }
  if (notif) {
    var toggle = $("[data-notif-toggle]", notif);
    var panel = $("[data-notif-panel]", notif);
    function close() { panel.hidden = true; toggle.setAttribute("aria-expanded", "false"); }
    toggle.addEventListener("click", function () {
      if (!panel.hidden) { close(); return; }
      getText(notif.dataset.listUrl).then(function (html) {
        panel.replaceChildren(fragment(html)); // server-rendered, escaped list from our origin
        panel.hidden = false;
        toggle.setAttribute("aria-expanded", "true");
        if (Number(notifCount.textContent) > 0 && csrf) {
          var data = new FormData();
          data.append("csrf_token", csrf.content);
          fetch(notif.dataset.readUrl, { method: "POST", body: data, credentials: "same-origin" })
            .then(function (r) { if (r.ok) { setUnread(0); } });
        }
      }).catch(function () {});
    });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape" && !panel.hidden) { close(); toggle.focus(); } });
    document.addEventListener("click", function (e) { if (!panel.hidden && !notif.contains(e.target)) { close(); } });
  }

  /* ------------------------------------------------------------ toasts (SLA alerts, notifications) */
  var toasts = null;
  function toast(text, kind, href) {
    if (!toasts) {
      toasts = document.createElement("div");
      toasts.className = "toasts";
      toasts.setAttribute("role", "status");
      toasts.setAttribute("aria-live", "polite");
      body.appendChild(toasts);
    }
    var item = document.createElement(href ? "a" : "div");
    item.className = "toast toast-" + (kind || "info");
    if (href) { item.href = href; }
    item.textContent = text;
    toasts.appendChild(item);
    window.setTimeout(function () { item.remove(); }, 8000);
  }

  /* ------------------------------------------------------------ macros */
  var pick = $("[data-macro-pick]");
  var composer = $("[data-composer]");
  if (pick && composer) {
    var macroSelect = $("[data-macro-select]", pick);
    var note = $("[data-macro-note]", pick);
    macroSelect.addEventListener("change", function () {
      var id = macroSelect.value;
      if (!id) { return; }
      getJson(pick.dataset.url + encodeURIComponent(id)).then(function (macro) {
        var textarea = $("textarea", composer);
        if (macro.text) {
          textarea.value = textarea.value ? textarea.value.replace(/\s*$/, "") + "\n\n" + macro.text : macro.text;
          textarea.dispatchEvent(new Event("input"));
        }
        var hidden = $("input[name='macro_id']", composer);
        if (!hidden) {
          hidden = document.createElement("input");
          hidden.type = "hidden";
          hidden.name = "macro_id";
          composer.appendChild(hidden);
        }
        hidden.value = String(macro.id);
        var what = macro.summary || "";
        note.textContent = what ? (pick.dataset.labelApplies || "{what}").replace("{what}", what) : "";
        note.hidden = !what;
        if (macro.changes && macro.changes.status) {
          var status = $("#reply-status", composer);
          if (status && $all("option", status).some(function (o) { return o.value === macro.changes.status; })) {
            status.value = macro.changes.status;
          }
        }
        macroSelect.value = "";
        textarea.focus();
      }).catch(function () {});
    });
  }

  /* ------------------------------------------------------------ keyboard: j/k, Enter, r, n */
  var rows = $all("table.tickets tbody tr[data-ticket-id]");
  var current = -1;
  function selectRow(i) {
    if (!rows.length) { return; }
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (row, k) { row.classList.toggle("is-selected", k === current); });
    var link = $("a.row-link", rows[current]);
    if (link) { link.focus({ preventScroll: true }); }
    rows[current].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) { return; }
    if (rows.length && (e.key === "j" || e.key === "k")) {
      e.preventDefault();
      selectRow(current < 0 ? 0 : current + (e.key === "j" ? 1 : -1));
    } else if (rows.length && e.key === "o" && current >= 0) {
      var link = $("a.row-link", rows[current]);
      if (link) { window.location.href = link.href; }
    } else if (composer && (e.key === "r" || e.key === "n")) {
      var radio = $(e.key === "r" ? "#kind-reply" : "#kind-note", composer);
      if (radio && !radio.disabled) {
        e.preventDefault();
        radio.checked = true;
        radio.dispatchEvent(new Event("change", { bubbles: true }));
        $("textarea", composer).focus();
      }
    }
  });

  if (!socket) { return; }

  /* ------------------------------------------------------------ live sidebar counts */
  var countsUrl = notif ? notif.dataset.countsUrl : null;
  var refreshCounts = debounce(function () {
    if (!countsUrl) { return; }
    getJson(countsUrl).then(function (data) {
      $all(".sidebar a.nav-item").forEach(function (link) {
        var href = link.getAttribute("href");
        if (!(href in data.counts)) { return; }
        var badge = $(".nav-count", link);
        if (!badge) { return; }
        badge.textContent = String(data.counts[href]);
        badge.classList.toggle("is-zero", !data.counts[href]);
      });
      setUnread(data.notifications);
    }).catch(function () {});
  }, 800);
  socket.on("ticket.created", refreshCounts);
  socket.on("ticket.updated", refreshCounts);

  socket.on("notification.created", function (n) {
    if (!n) { return; }
    setUnread(Number(notifCount ? notifCount.textContent : 0) + 1);
    var kinds = {};
    try { kinds = JSON.parse((notif && notif.dataset.kinds) || "{}"); } catch (err) { kinds = {}; }
    var href = n.ticket_number ? "/tickets/" + Number(n.ticket_number) : null;
    toast((kinds[n.kind] || n.kind) + " · " + (n.text || ""), n.kind === "sla_breach" ? "danger" : "info", href);
  });

  /* ------------------------------------------------------------ SLA alerts on the ticket page */
  var ticketRoot = $("[data-ticket]");
  function onSla(level) {
    return function (data) {
      if (!ticketRoot || !data || !data.ticket || Number(data.ticket.id) !== Number(ticketRoot.dataset.ticketId)) { return; }
      var item = $("[data-sla-target='" + String(data.target).replace(/[^a-z_]/g, "") + "']");
      if (item) {
        item.className = "sla-item sla-" + (level === "breached" ? "breached" : "at_risk");
        var state = $(".sla-state", item);
        var labels = {};
        try { labels = JSON.parse((notif && notif.dataset.slaLabels) || "{}"); } catch (err) { labels = {}; }
        if (state && labels[level]) { state.textContent = labels[level]; }
      }
    };
  }
  socket.on("sla.warning", onSla("warning"));
  socket.on("sla.breached", onSla("breached"));

  /* ------------------------------------------------------------ collision: who else has this ticket open */
  var viewersBar = $("[data-viewers]");
  if (viewersBar && ticketRoot) {
    socket.on("viewers", function (data) {
      if (!data || Number(data.ticket_id) !== Number(ticketRoot.dataset.ticketId)) { return; }
      var me = Number(viewersBar.dataset.me);
      var names = (data.agents || []).filter(function (a) { return Number(a.id) !== me; })
        .map(function (a) { return String(a.name || ""); });
      $("[data-viewers-text]", viewersBar).textContent = (viewersBar.dataset.label || "{names}").replace("{names}", names.join(", "));
      viewersBar.hidden = !names.length;
    });
  }

  /* ------------------------------------------------------------ supervisors' live floor */
  var floor = $("[data-floor]");
  if (floor) {
    var reload = debounce(function () {
      getText(floor.dataset.floorUrl).then(function (html) { floor.replaceChildren(fragment(html)); }).catch(function () {});
    }, 1500);
    socket.on("floor.changed", reload);
    socket.on("connect", reload);
    window.setInterval(reload, 30000); // ages ("oldest waiting") move on even when nothing happens
  }
})();
