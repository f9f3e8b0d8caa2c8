/* desk agent console: live updates over Socket.IO (/console) and small page behaviours.
 *
 * No inline script anywhere (strict CSP): pages pass what this file needs in data-* attributes.
 * Untrusted text is only ever written with textContent. The one place that parses HTML is the
 * timeline, whose entries are rendered by the server (sanitised, permission-checked) and fetched
 * from same-origin fragment URLs.
 */
(function () {
  "use strict";

  var body = document.body;

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  /* ---------------------------------------------------------------- small behaviours */

  // "/" focuses the search box (unless the agent is typing somewhere).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) { return; }
    var search = $("[data-hotkey='/']");
    if (search) { event.preventDefault(); search.focus(); search.select(); }
  });

  // Filter selects apply themselves; the Apply button stays for keyboard and no-JS use.
  $all("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { if (select.form) { select.form.submit(); } });
  });

  // Forms submit once.
  $all("form[method='post']").forEach(function (form) {
    form.addEventListener("submit", function () {
      $all("button[type='submit']", form).forEach(function (button) {
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  });

  function fetchFragment(url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok || response.redirected) { throw new Error("fragment " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html; // server-rendered, sanitised timeline markup from our own origin
        return template.content;
      });
  }

  /* ---------------------------------------------------------------- connection indicator */

  var conn = $("[data-conn]");
  function setConn(state) {
    if (!conn) { return; }
    conn.setAttribute("data-state", state);
    var key = "label" + state.charAt(0).toUpperCase() + state.slice(1);
    var text = body.dataset[key];
    var label = $(".conn-label", conn);
    if (label && text) { label.textContent = text; }
  }

  /* ---------------------------------------------------------------- ticket page */

  function TicketPage(root) {
    this.root = root;
    this.ticketId = Number(root.dataset.ticketId);
    this.customerId = Number(root.dataset.customerId);
    this.version = Number(root.dataset.version);
    this.entryUrl = root.dataset.entryUrl;
    this.latestUrl = root.dataset.latestUrl;
    this.scroller = $("[data-timeline]", root);
    this.list = $("[data-timeline-list]", root);
    this.jump = $("[data-jump-new]", root);
    this.typing = $("[data-typing]", root);
    this.staleBar = $("[data-stale-bar]", root);
    this.props = $("[data-props-form]", root);
    this.composer = $("[data-composer]", root);
    this.typingTimer = null;
    this.connectedOnce = false;
    this.setup();
  }

  TicketPage.prototype.setup = function () {
    var page = this;
    // Start at the newest entry, or at the one the URL points to.
    var target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
    if (target && page.scroller.contains(target)) {
      target.classList.add("is-fresh");
      page.scroller.scrollTo({ top: target.offsetTop - page.scroller.offsetTop - 12, behavior: "instant" });
    } else {
      page.scrollToEnd(false);
    }
    page.scroller.addEventListener("scroll", function () {
      if (page.nearEnd()) { page.jump.hidden = true; }
    });
    page.jump.addEventListener("click", function () { page.scrollToEnd(true); });
    page.list.addEventListener("click", function (event) {
      var link = event.target.closest("[data-older-url]");
      if (!link) { return; }
      event.preventDefault();
      page.loadOlder(link);
    });
    if (page.props) {
      page.props.addEventListener("change", function () { page.props.dataset.dirty = "1"; });
    }
    if (page.composer) { page.setupComposer(); }
  };

  TicketPage.prototype.setupComposer = function () {
    var page = this;
    var form = page.composer;
    var textarea = $("textarea", form);
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (textarea.value.trim()) { form.requestSubmit(); }
      }
    });
    $all("input[name='kind']", form).forEach(function (radio) {
      radio.addEventListener("change", function () {
        var note = radio.value === "note" && radio.checked;
        form.classList.toggle("is-note", note);
        textarea.placeholder = note ? textarea.dataset.placeholderNote : textarea.dataset.placeholderReply;
      });
    });
    var lastSent = 0;
    function grow() { // the box grows with the draft, up to the CSS max-height
      textarea.style.height = "auto";
      textarea.style.height = textarea.scrollHeight + 2 + "px";
    }
    if (textarea.value) { grow(); }
    textarea.addEventListener("input", function () {
      grow();
      var now = Date.now();
      if (page.socket && page.socket.connected && now - lastSent > 2500) {
        lastSent = now;
        page.socket.emit("typing", { ticket_id: page.ticketId });
      }
    });
  };

  TicketPage.prototype.nearEnd = function () {
    var s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 140;
  };

  TicketPage.prototype.scrollToEnd = function (smooth) {
    var s = this.scroller;
    if (s.scrollTo) { s.scrollTo({ top: s.scrollHeight, behavior: smooth ? "smooth" : "instant" }); } else { s.scrollTop = s.scrollHeight; }
    this.jump.hidden = true;
  };

  TicketPage.prototype.insertEntries = function (fragment, announce) {
    var page = this;
    var stick = page.nearEnd();
    var added = 0;
    $all(".entry", fragment).forEach(function (entry) {
      var id = Number(entry.dataset.interactionId);
      if (document.getElementById("i-" + id)) { return; }
      var before = null;
      $all(".entry", page.list).some(function (existing) {
        if (Number(existing.dataset.interactionId) > id) { before = existing; return true; }
        return false;
      });
      if (announce) { entry.classList.add("is-fresh"); }
      page.list.insertBefore(entry, before);
      added += 1;
    });
    if (!added) { return; }
    if (stick) { page.scrollToEnd(true); } else if (announce) { page.jump.hidden = false; }
  };

  TicketPage.prototype.showEntry = function (interactionId) {
    var page = this;
    if (document.getElementById("i-" + interactionId)) { return; }
    fetchFragment(page.entryUrl + interactionId)
      .then(function (fragment) { page.insertEntries(fragment, true); })
      .catch(function () { /* not visible to this agent, or signed out: nothing to show */ });
  };

  TicketPage.prototype.catchUp = function () {
    var page = this;
    fetchFragment(page.latestUrl)
      .then(function (fragment) {
        $all("[data-timeline-more]", fragment).forEach(function (node) { node.remove(); });
        page.insertEntries(fragment, true);
      })
      .catch(function () {});
  };

  TicketPage.prototype.loadOlder = function (link) {
    var page = this;
    var holder = link.closest("[data-timeline-more]");
    link.setAttribute("aria-busy", "true");
    fetchFragment(link.dataset.olderUrl).then(function (fragment) {
      var before = page.scroller.scrollHeight;
      $all(".entry", fragment).forEach(function (entry) {
        if (document.getElementById(entry.id)) { entry.remove(); }
      });
      holder.replaceWith(fragment);
      page.scroller.scrollTo({ top: page.scroller.scrollTop + page.scroller.scrollHeight - before, behavior: "instant" });
    }).catch(function () { window.location.href = link.href; });
  };

  TicketPage.prototype.updateTicket = function (ticket) {
    var page = this;
    var badge = $("[data-ticket-status] [data-status-badge]", page.root);
    if (badge && ticket.status) {
      badge.className = "badge status status-" + ticket.status;
      badge.textContent = statusLabel(ticket.status);
    }
    if (!(ticket.version > page.version)) { return; }
    page.version = ticket.version;
    if (!page.props) { return; }
    if (page.props.dataset.dirty === "1") { page.staleBar.hidden = false; return; }
    var values = {
      status: ticket.status,
      priority: ticket.priority,
      queue: ticket.queue ? String(ticket.queue.id) : "",
      assignee: ticket.assignee ? String(ticket.assignee.id) : ""
    };
    var complete = Object.keys(values).every(function (name) {
      var select = $("[data-prop='" + name + "']", page.props);
      return !select || $all("option", select).some(function (o) { return o.value === values[name]; });
    });
    if (!complete) { page.staleBar.hidden = false; return; }
    Object.keys(values).forEach(function (name) {
      var select = $("[data-prop='" + name + "']", page.props);
      if (select) { select.value = values[name]; }
    });
    var version = $("[data-version-field]", page.props);
    if (version) { version.value = String(ticket.version); }
  };

  TicketPage.prototype.showTyping = function (data) {
    var page = this;
    if (!page.typing || !data || !data.agent || (page.socket && data.sid === page.socket.id)) { return; }
    page.typing.textContent = (page.root.dataset.labelTyping || "{name}").replace("{name}", data.agent.name || "");
    page.typing.hidden = false;
    window.clearTimeout(page.typingTimer);
    page.typingTimer = window.setTimeout(function () { page.typing.hidden = true; }, 4000);
  };

  TicketPage.prototype.attach = function (socket) {
    var page = this;
    page.socket = socket;
    socket.on("connect", function () {
      socket.emit("join_ticket", { ticket_id: page.ticketId }, function (reply) {
        if (!reply || !reply.ok) { return; }
        page.root.dataset.joined = "1"; // the page now hears this ticket's events
        if (reply.version > page.version) { page.updateTicket({ version: reply.version }); }
      });
      if (page.connectedOnce) { page.catchUp(); } // fetch what arrived while we were away
      page.connectedOnce = true;
    });
    socket.on("interaction.created", function (data) {
      if (!data || !data.interaction || !data.ticket) { return; }
      if (data.ticket.customer && Number(data.ticket.customer.id) === page.customerId) {
        page.showEntry(Number(data.interaction.id));
      }
      if (Number(data.ticket.id) === page.ticketId) { page.updateTicket(data.ticket); }
    });
    socket.on("ticket.updated", function (data) {
      if (data && data.ticket && Number(data.ticket.id) === page.ticketId) { page.updateTicket(data.ticket); }
    });
    socket.on("typing", function (data) {
      if (data && Number(data.ticket_id) === page.ticketId) { page.showTyping(data); }
    });
  };

  /* ---------------------------------------------------------------- ticket list */

  function QueuePage(root) {
    this.bar = $("[data-live-bar]", root);
    this.barText = $("[data-live-bar-text]", root);
    this.seen = new Set();
  }

  QueuePage.prototype.attach = function (socket) {
    var page = this;
    function onTicket(data) {
      if (!data || !data.ticket) { return; }
      var ticket = data.ticket;
      page.seen.add(ticket.id);
      var row = document.querySelector("tr[data-ticket-id='" + Number(ticket.id) + "']");
      if (row) {
        row.classList.add("is-updated");
        var badge = $("[data-status-badge]", row);
        if (badge && ticket.status) {
          badge.className = "badge status status-" + ticket.status;
          badge.textContent = statusLabel(ticket.status);
        }
        var updated = $("[data-updated]", row);
        if (updated) { updated.textContent = body.dataset.labelJustNow || ""; }
      }
      if (page.bar) {
        var template = page.bar.dataset.template || "{n}";
        page.barText.textContent = template.replace("{n}", String(page.seen.size));
        page.bar.hidden = false;
      }
    }
    socket.on("ticket.created", onTicket);
    socket.on("ticket.updated", onTicket);
  };

  /* ---------------------------------------------------------------- status labels */

  var statusLabels = null;
  function statusLabel(status) {
    if (!statusLabels) {
      try { statusLabels = JSON.parse(body.dataset.statusLabels || "{}"); } catch (e) { statusLabels = {}; }
    }
    return statusLabels[status] || status;
  }

  /* ---------------------------------------------------------------- wiring */

  var ticketRoot = $("[data-ticket]");
  var ticketPage = ticketRoot ? new TicketPage(ticketRoot) : null;
  var queuePage = body.dataset.page === "queue" ? new QueuePage(document) : null;

  if (!body.dataset.live) { return; }
  if (typeof window.io !== "function") { setConn("offline"); return; }

  // WebSocket first (no polling-to-WebSocket upgrade dance); long-polling only as a fallback.
  var socket = window.io(body.dataset.live, { withCredentials: true, transports: ["websocket", "polling"] });
  window.addEventListener("pagehide", function () { socket.disconnect(); });
  window.addEventListener("pageshow", function (event) { if (event.persisted) { socket.connect(); } });
  setConn("connecting");
  socket.on("connect", function () { setConn("live"); });
  socket.on("disconnect", function () {
    setConn("offline");
    if (ticketRoot) { delete ticketRoot.dataset.joined; }
  });
  socket.on("connect_error", function () { setConn("offline"); });
  socket.io.on("reconnect_attempt", function () { setConn("connecting"); });
  if (ticketPage) { ticketPage.attach(socket); }
  if (queuePage) { queuePage.attach(socket); }
  window.deskConsole = { socket: socket };
})();
