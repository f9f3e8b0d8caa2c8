/* desk chat widget: one <script src=".../static/chat/widget.js" data-desk="https://desk.example"> tag.
 *
 * data-desk     the desk's address (default: where this file came from)
 * data-mode     "launcher" (a button in the corner opening a panel; default) or "inline"
 * data-target   the id of the element an inline chat fills
 * data-locale   "ko" or "en" (default: the browser's language)
 * data-name, data-email, data-email-hmac
 *               a site that knows its signed-in user passes them; data-email-hmac is the hex
 *               HMAC-SHA256 of the lower-cased email with the site's secret (computed server-side)
 *
 * Delivery: every message gets a client_id and stays in a local outbox (localStorage) until the
 * server acknowledges it after commit; it is resent with the same client_id after a timeout or
 * a reconnect, and the server keeps one copy. Incoming messages carry increasing ids; the widget
 * remembers the last one and sends it when it reconnects, so the server replays what was missed.
 * Everything untrusted is written with textContent.
 */
(function () {
  "use strict";

  var script = document.currentScript || (function () {
    var all = document.querySelectorAll("script[data-desk]");
    return all[all.length - 1];
  })();
  if (!script) { return; }
  var data = script.dataset;
  var base = (data.desk || new URL(script.src, window.location.href).origin).replace(/\/+$/, "");
  var mode = data.mode === "inline" ? "inline" : "launcher";
  var locale = (data.locale || navigator.language || "ko").slice(0, 2).toLowerCase() === "en" ? "en" : "ko";
  var storeKey = "desk-chat:" + base;

  /* ---------------------------------------------------------------- state */

  var state = load();
  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storeKey) || "{}");
      return {
        visitor: saved.visitor || null, lastId: Number(saved.lastId) || 0, pending: saved.pending || [],
        open: !!saved.open, status: saved.status || null, name: saved.name || "", email: saved.email || ""
      };
    } catch (e) {
      return { visitor: null, lastId: 0, pending: [], open: false, status: null, name: "", email: "" };
    }
  }
  function save() {
    try { window.localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }
  function uid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  var S = {};          // texts from the server, in the visitor's language
  var config = null;   // topics, availability
  var socket = null;
  var flushing = false;
  var seen = {};       // message id -> element
  var agentName = "";
  var typingTimer = null;
  var typingSent = false;
  var readSent = 0;
  var connectedOnce = false;

  /* ---------------------------------------------------------------- DOM */

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "class") { node.className = attrs[key]; } else { node.setAttribute(key, attrs[key]); }
    });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  var host;
  if (mode === "inline" && data.target && document.getElementById(data.target)) {
    host = document.getElementById(data.target);
  } else {
    host = el("div", { id: "desk-chat-widget" });
    document.body.appendChild(host);
  }
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var sheet = el("link", { rel: "stylesheet", href: base + "/static/chat/widget.css" });
  root.appendChild(sheet);

  var wrap = el("div", { class: "dc dc-mode-" + mode, lang: locale });
  root.appendChild(wrap);

  var ICON_CHAT = '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" fill="none" stroke="currentColor" ' +
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M21 11.5a8.38 8.38 0 0 1-.9 3.8 8.5 8.5 0 0 1-7.6 ' +
    '4.7 8.38 8.38 0 0 1-3.8-.9L3 21l1.9-5.7a8.38 8.38 0 0 1-.9-3.8 8.5 8.5 0 0 1 4.7-7.6 8.38 8.38 0 0 1 3.8-.9h.5a8.48 8.48 0 0 1 ' +
    '8 8v.5z"/></svg>';
  var ICON_X = '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" ' +
    'stroke-width="2" stroke-linecap="round"><path d="M18 6 6 18M6 6l12 12"/></svg>';

  var launcher = null;
  if (mode === "launcher") {
    launcher = el("button", { type: "button", class: "dc-launcher", "aria-expanded": "false", "aria-controls": "dc-panel" });
    launcher.innerHTML = ICON_CHAT; // constant markup
    launcher.appendChild(el("span", { class: "dc-launcher-text" }));
    launcher.appendChild(el("span", { class: "dc-badge", hidden: "" }, ""));
    wrap.appendChild(launcher);
  }

  var panel = el("section", { class: "dc-panel", id: "dc-panel" });
  if (mode === "launcher") { panel.setAttribute("role", "dialog"); panel.hidden = true; }
  wrap.appendChild(panel);

  var head = el("header", { class: "dc-head" });
  var avatar = el("span", { class: "dc-avatar", "aria-hidden": "true" });
  avatar.innerHTML = ICON_CHAT;
  var titles = el("div", { class: "dc-titles" });
  var title = el("h2", { class: "dc-title", id: "dc-title" });
  var status = el("p", { class: "dc-status", role: "status", "aria-live": "polite" });
  titles.appendChild(title);
  titles.appendChild(status);
  var endButton = el("button", { type: "button", class: "dc-end", hidden: "" });
  var closeButton = el("button", { type: "button", class: "dc-icon" });
  closeButton.innerHTML = ICON_X;
  head.appendChild(avatar);
  head.appendChild(titles);
  head.appendChild(endButton);
  if (mode === "launcher") { head.appendChild(closeButton); }
  panel.appendChild(head);
  panel.setAttribute("aria-labelledby", "dc-title");

  var notice = el("p", { class: "dc-notice", hidden: "" });
  panel.appendChild(notice);

  // Pre-chat form: name, email, topic, first question (with knowledge-base suggestions).
  var pre = el("form", { class: "dc-pre", novalidate: "" });
  function field(id, labelKey, input) {
    var row = el("div", { class: "dc-field" });
    var label = el("label", { for: id, "data-s": labelKey });
    row.appendChild(label);
    input.id = id;
    row.appendChild(input);
    pre.appendChild(row);
    return input;
  }
  var nameInput = field("dc-name", "name", el("input", { type: "text", autocomplete: "name", maxlength: "200" }));
  var emailInput = field("dc-email", "email", el("input", { type: "email", autocomplete: "email", maxlength: "320" }));
  var topicSelect = field("dc-topic", "topic", el("select", {}));
  var question = field("dc-question", "question", el("textarea", { rows: "3", maxlength: "4000" }));
  var suggestBox = el("div", { class: "dc-suggest", hidden: "" });
  var suggestTitle = el("p", { class: "dc-suggest-title" });
  var suggestList = el("ul", { class: "dc-suggest-list" });
  suggestBox.appendChild(suggestTitle);
  suggestBox.appendChild(suggestList);
  pre.appendChild(suggestBox);
  var preError = el("p", { class: "dc-error", role: "alert", hidden: "" });
  pre.appendChild(preError);
  var startButton = el("button", { type: "submit", class: "dc-primary" });
  pre.appendChild(startButton);
  panel.appendChild(pre);

  var log = el("ol", { class: "dc-log", role: "log", "aria-live": "polite", hidden: "" });
  panel.appendChild(log);
  var typing = el("p", { class: "dc-typing", "aria-live": "polite", hidden: "" });
  panel.appendChild(typing);

  var ended = el("div", { class: "dc-ended", hidden: "" });
  var endedText = el("p", { role: "status" });
  var transcriptButton = el("button", { type: "button", class: "dc-secondary" });
  var newChatButton = el("button", { type: "button", class: "dc-primary" });
  ended.appendChild(endedText);
  ended.appendChild(transcriptButton);
  ended.appendChild(newChatButton);
  panel.appendChild(ended);

  var composer = el("form", { class: "dc-composer", hidden: "" });
  var messageLabel = el("label", { for: "dc-message", class: "dc-sr" });
  var messageInput = el("textarea", { id: "dc-message", rows: "1", maxlength: "4000", enterkeyhint: "send" });
  var sendButton = el("button", { type: "submit", class: "dc-send" });
  composer.appendChild(messageLabel);
  composer.appendChild(messageInput);
  composer.appendChild(sendButton);
  panel.appendChild(composer);

  function applyStrings() {
    function s(key) { return S[key] || ""; }
    Array.prototype.forEach.call(root.querySelectorAll("[data-s]"), function (node) {
      node.textContent = s(node.getAttribute("data-s"));
    });
    if (launcher) {
      launcher.setAttribute("aria-label", s("launcher"));
      launcher.querySelector(".dc-launcher-text").textContent = s("launcher");
    }
    title.textContent = s("title");
    closeButton.setAttribute("aria-label", s("minimize"));
    closeButton.title = s("minimize");
    endButton.textContent = s("end");
    question.placeholder = s("question_placeholder");
    suggestTitle.textContent = s("suggested");
    startButton.textContent = s("start");
    log.setAttribute("aria-label", s("title"));
    messageLabel.textContent = s("message");
    messageInput.placeholder = s("message_placeholder");
    sendButton.textContent = s("send");
    transcriptButton.textContent = s("transcript");
    newChatButton.textContent = s("new_chat");
  }

  /* ---------------------------------------------------------------- views */

  function show(view) {
    pre.hidden = view !== "pre";
    log.hidden = view === "pre";
    composer.hidden = view !== "chat";
    ended.hidden = view !== "ended";
    endButton.hidden = view !== "chat";
    if (view !== "chat") { typing.hidden = true; }
  }

  function setStatus(text) { status.textContent = text || ""; }

  function setNotice(text) {
    notice.textContent = text || "";
    notice.hidden = !text;
  }

  function applyChatStatus(value, reason) {
    state.status = value;
    save();
    if (value === "active") {
      setNotice("");
      setStatus(agentName ? S.joined.replace("{name}", agentName) : S.connected);
    } else if (value === "waiting") {
      setNotice("");
      setStatus(S.waiting);
    } else if (value === "offline") {
      setNotice(offlineText(reason));
      setStatus("");
    } else if (value === "ended") {
      showEnded(S.ended);
    } else {
      setStatus(S.subtitle);
    }
  }

  function showEnded(text) {
    state.status = "ended";
    save();
    endedText.textContent = text;
    transcriptButton.hidden = false;
    transcriptButton.disabled = false;
    show("ended");
    setStatus("");
  }

  function openPanel() {
    if (!launcher) { return; }
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.hidden = true;
    state.open = true;
    save();
    clearBadge();
    var focusTarget = pre.hidden ? messageInput : nameInput;
    window.setTimeout(function () { focusTarget.focus(); }, 0);
    markRead();
  }

  function closePanel() {
    if (!launcher) { return; }
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    save();
    launcher.focus();
  }

  function clearBadge() {
    if (!launcher) { return; }
    var badge = launcher.querySelector(".dc-badge");
    badge.hidden = true;
    badge.textContent = "";
  }

  function bumpBadge() {
    if (!launcher || !panel.hidden) { return; }
    var badge = launcher.querySelector(".dc-badge");
    badge.textContent = String((Number(badge.textContent) || 0) + 1);
    badge.hidden = false;
    badge.setAttribute("aria-label", S.new_message);
  }

  /* ---------------------------------------------------------------- messages */

  function timeOf(iso) {
    if (!iso) { return ""; }
    try {
      return new Date(iso).toLocaleTimeString(locale === "ko" ? "ko-KR" : "en-US", { hour: "2-digit", minute: "2-digit" });
    } catch (e) { return ""; }
  }

  function messageNode(kind, body, meta) {
    var item = el("li", { class: "dc-msg dc-msg-" + kind });
    if (kind === "agent" && meta.name) { item.appendChild(el("span", { class: "dc-who" }, meta.name)); }
    item.appendChild(el("span", { class: "dc-bubble" }, body));
    var foot = el("span", { class: "dc-meta" });
    foot.appendChild(el("span", { class: "dc-time" }, meta.time || ""));
    if (kind === "visitor") { foot.appendChild(el("span", { class: "dc-state" }, meta.state || "")); }
    item.appendChild(foot);
    return item;
  }

  var maxShown = 0;
  function insertOrdered(node, id) {
    node.setAttribute("data-id", String(id));
    if (id > maxShown) { maxShown = id; log.appendChild(node); return; }
    var children = log.children;
    for (var i = children.length - 1; i >= 0; i--) {
      var other = Number(children[i].getAttribute("data-id"));
      if (other && other < id) {
        children[i].insertAdjacentElement("afterend", node);
        return;
      }
    }
    var firstWithId = log.querySelector("[data-id]");
    if (firstWithId && Number(firstWithId.getAttribute("data-id")) > id) { log.insertBefore(node, firstWithId); }
    else { log.appendChild(node); }
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function onMessage(message) {
    if (!message || typeof message.id !== "number") { return; }
    if (message.id > state.lastId) { state.lastId = message.id; save(); }
    if (seen[message.id]) { return; } // replayed or echoed: shown once
    var kind = message.author && message.author.kind || "system";
    if (kind === "system") {
      seen[message.id] = true;
      return; // the start marker: the conversation list needs no line for it
    }
    var pendingNode = message.client_id ? log.querySelector("[data-client-id='" + cssEscape(message.client_id) + "']") : null;
    if (pendingNode) {
      pendingNode.removeAttribute("data-client-id");
      pendingNode.classList.remove("is-pending");
      setState(pendingNode, "");
      pendingNode.setAttribute("data-id", String(message.id));
      seen[message.id] = pendingNode;
      return;
    }
    var node = messageNode(kind, message.body, {
      name: message.author && message.author.name, time: timeOf(message.at), state: ""
    });
    seen[message.id] = node;
    insertOrdered(node, message.id);
    if (kind === "agent") {
      if (message.author.name) { agentName = message.author.name; }
      typing.hidden = true;
      bumpBadge();
      markRead();
    }
    scrollDown();
  }

  function cssEscape(value) { return String(value).replace(/[^A-Za-z0-9_.:-]/g, ""); }

  function setState(node, text) {
    var target = node.querySelector(".dc-state");
    if (target) { target.textContent = text; }
  }

  function systemLine(text) {
    var item = el("li", { class: "dc-msg dc-msg-system" }, text);
    log.appendChild(item);
    scrollDown();
  }

  function markRead() {
    if (!socket || !socket.connected || (launcher && panel.hidden) || document.hidden) { return; }
    if (state.lastId > readSent && state.status !== "ended") {
      readSent = state.lastId;
      socket.emit("read", { id: state.lastId });
    }
  }

  /* ---------------------------------------------------------------- sending */

  function queueMessage(body) {
    var message = { client_id: uid(), body: body };
    state.pending.push(message);
    save();
    renderPending(message);
    flush();
  }

  function renderPending(message) {
    if (log.querySelector("[data-client-id='" + cssEscape(message.client_id) + "']")) { return; }
    var node = messageNode("visitor", message.body, { time: timeOf(new Date().toISOString()), state: S.sending });
    node.classList.add("is-pending");
    node.setAttribute("data-client-id", message.client_id);
    log.appendChild(node);
    scrollDown();
  }

  function flush() {
    if (flushing || !socket || !socket.connected || !state.pending.length) { return; }
    var message = state.pending[0];
    flushing = true;
    socket.timeout(8000).emit("message", message, function (err, ack) {
      flushing = false;
      var node = log.querySelector("[data-client-id='" + cssEscape(message.client_id) + "']");
      if (err) { // no acknowledgement: resend the same client_id
        if (node) { setState(node, S.failed); }
        window.setTimeout(flush, 1500);
        return;
      }
      if (ack && typeof ack.id === "number") {
        state.pending.shift();
        save();
        if (node && !seen[ack.id]) {
          node.removeAttribute("data-client-id");
          node.classList.remove("is-pending");
          setState(node, "");
          seen[ack.id] = node;
          node.setAttribute("data-id", String(ack.id));
        } else if (node) {
          node.remove(); // already shown through the echo
        }
        flush();
        return;
      }
      var code = ack && ack.error && ack.error.code;
      if (code === "rate_limited") {
        if (node) { setState(node, S.error_rate); }
        window.setTimeout(flush, 5000);
        return;
      }
      state.pending.shift();
      save();
      if (node) {
        node.classList.add("is-failed");
        setState(node, code === "too_large" ? S.error_too_large : S.error_generic);
      }
      if (code === "no_chat" || code === "chat_ended") { showEnded(S.ended); }
      flush();
    });
  }

  function sendTyping(active) {
    if (!socket || !socket.connected || state.status === "ended") { return; }
    if (active === typingSent) { return; }
    typingSent = active;
    socket.emit("typing", { typing: active });
  }

  /* ---------------------------------------------------------------- suggestions */

  var suggestTimer = null;
  function suggest() {
    window.clearTimeout(suggestTimer);
    suggestTimer = window.setTimeout(function () {
      var query = question.value.trim();
      if (query.length < 2 || !socket || !socket.connected) { suggestBox.hidden = true; return; }
      socket.emit("suggest", { query: query, locale: locale }, function (reply) {
        var items = reply && reply.items || [];
        suggestList.textContent = "";
        items.forEach(function (item) {
          var li = el("li", {});
          var link = el("a", { href: safeUrl(item.url), target: "_blank", rel: "noopener" }, item.title);
          link.addEventListener("click", function () {
            socket.emit("deflected", { article_id: item.id, title: item.title, query: query }, function (ack) {
              if (ack && ack.visitor) { state.visitor = ack.visitor; save(); }
            });
            setNotice(S.thanks_article);
          });
          li.appendChild(link);
          if (item.snippet) { li.appendChild(el("span", { class: "dc-snippet" }, item.snippet)); }
          suggestList.appendChild(li);
        });
        suggestBox.hidden = !items.length;
      });
    }, 300);
  }

  function safeUrl(url) {
    try {
      var parsed = new URL(url || "", base + "/");
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : "#";
    } catch (e) { return "#"; }
  }

  /* ---------------------------------------------------------------- events */

  if (launcher) {
    launcher.addEventListener("click", openPanel);
    closeButton.addEventListener("click", closePanel);
    panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { closePanel(); } });
  }

  question.addEventListener("input", suggest);

  pre.addEventListener("submit", function (event) {
    event.preventDefault();
    preError.hidden = true;
    var body = question.value.trim();
    if (!body) { question.focus(); return; }
    var needEmail = config && !config.open;
    if (needEmail && !emailInput.value.trim()) {
      preError.textContent = S.offline_need_email;
      preError.hidden = false;
      emailInput.focus();
      return;
    }
    startButton.disabled = true;
    var clientId = uid();
    var payload = {
      name: nameInput.value.trim(), email: emailInput.value.trim(), topic: topicSelect.value, locale: locale,
      body: body, client_id: clientId
    };
    if (data.emailHmac && payload.email === (data.email || "")) { payload.email_hmac = data.emailHmac; }
    state.name = payload.name;
    state.email = payload.email;
    socket.timeout(10000).emit("start", payload, function (err, ack) {
      startButton.disabled = false;
      if (err || !ack || ack.error) {
        preError.textContent = ack && ack.error && ack.error.code === "rate_limited" ? S.error_rate :
          (ack && ack.error && ack.error.field === "email" ? S.offline_need_email : S.error_generic);
        preError.hidden = false;
        return;
      }
      state.visitor = ack.visitor;
      save();
      log.textContent = "";
      seen = {};
      maxShown = 0;
      systemLine(S.chat_started);
      var node = messageNode("visitor", body, { time: timeOf(new Date().toISOString()), state: "" });
      if (typeof ack.id === "number") { seen[ack.id] = node; insertOrdered(node, ack.id); }
      question.value = "";
      suggestBox.hidden = true;
      show("chat");
      applyChatStatus(ack.status, ack.offline_reason);
      messageInput.focus();
    });
  });

  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = messageInput.value.trim();
    if (!body) { return; }
    messageInput.value = "";
    sendTyping(false);
    queueMessage(body);
    messageInput.focus();
  });

  messageInput.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  messageInput.addEventListener("input", function () {
    sendTyping(messageInput.value.trim().length > 0);
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(function () { sendTyping(false); }, 3000);
  });

  endButton.addEventListener("click", function () {
    socket.emit("end", {}, function () { showEnded(S.ended); });
  });

  transcriptButton.addEventListener("click", function () {
    transcriptButton.disabled = true;
    socket.emit("transcript", {}, function (ack) {
      endedText.textContent = ack && ack.ok ? S.transcript_sent : S.transcript_failed;
      transcriptButton.hidden = !!(ack && ack.ok);
      transcriptButton.disabled = false;
    });
  });

  newChatButton.addEventListener("click", function () {
    state.status = null;
    state.lastId = 0;
    state.pending = [];
    save();
    log.textContent = "";
    seen = {};
    maxShown = 0;
    show("pre");
    setNotice(config && !config.open ? offlineText(config.offline_reason) : "");
    question.focus();
  });

  document.addEventListener("visibilitychange", markRead);

  function offlineText(reason) {
    if (reason === "closed_hours") return S.offline_closed_hours;
    if (reason === "closed_holiday") return S.offline_closed_holiday;
    return S.offline_no_agent;
  }

  /* ---------------------------------------------------------------- connection */

  function loadScript(src, done) {
    var tag = document.createElement("script");
    tag.src = src;
    tag.onload = done;
    tag.onerror = function () { setStatus(S.reconnecting || ""); };
    document.head.appendChild(tag);
  }

  function connect() {
    socket = window.io(base + "/chat", {
      transports: ["websocket", "polling"],
      // A fresh page has shown nothing yet: the whole conversation. A reconnect: what was missed.
      auth: function (cb) { cb(state.visitor ? { visitor: state.visitor, last_id: connectedOnce ? state.lastId : 0 } : {}); }
    });
    window.deskChat = { socket: socket, state: state };
    socket.on("connect", function () {
      connectedOnce = true;
      if (!config) {
        socket.emit("config", { locale: locale }, function (reply) {
          if (!reply || reply.error) { return; }
          config = reply;
          S = reply.strings || {};
          applyStrings();
          if (!reply.open) {  // the answer goes by mail: the address is needed, not optional
            pre.querySelector("label[for=dc-email]").textContent = S.email_required || S.email;
            emailInput.setAttribute("aria-required", "true");  // checked on submit, with a message in the page's language
          }
          topicSelect.textContent = "";
          (reply.topics || []).forEach(function (topic) {
            topicSelect.appendChild(el("option", { value: topic.slug }, topic.name));
          });
          if (state.visitor && state.status === "ended" && log.children.length) {
            showEnded(S.ended);
          } else if (state.visitor && state.status && state.status !== "ended") {
            show("chat");
            applyChatStatus(state.status);
          } else {
            show("pre");
            setStatus(S.subtitle);
            setNotice(reply.open ? "" : offlineText(reply.offline_reason));
          }
          if (state.name) { nameInput.value = state.name; }
          if (data.name && !nameInput.value) { nameInput.value = data.name; }
          if (data.email) { emailInput.value = data.email; } else if (state.email) { emailInput.value = state.email; }
          if (launcher) { launcher.classList.add("is-ready"); }
          if (state.open) { openPanel(); }
        });
      } else if (state.status && state.status !== "ended") {
        setStatus(state.status === "waiting" ? S.waiting : S.connected);
      }
      flush();
      markRead();
    });
    socket.on("connect_error", function (err) {
      if (err && err.message === "bad_visitor") { // a stale or foreign id: start afresh
        state.visitor = null;
        state.lastId = 0;
        state.status = null;
        save();
        socket.connect();
        return;
      }
      setStatus(S.reconnecting || "");
    });
    socket.on("disconnect", function () { setStatus(S.reconnecting || ""); });
    socket.on("state", function (info) {
      if (!info) { return; }
      if (info.agent && info.agent.name) { agentName = info.agent.name; }
      if (!config) { state.status = info.status; save(); return; } // shown once the texts are in
      if (info.status === "ended") {
        if (state.status !== "ended" || ended.hidden) { showEnded(S.ended); }
        return;
      }
      if (pre.hidden === false || log.hidden) { show("chat"); }
      applyChatStatus(info.status);
    });
    socket.on("message", onMessage);
    socket.on("agent_joined", function (info) {
      agentName = info && info.agent && info.agent.name || "";
      systemLine(S.joined.replace("{name}", agentName));
      applyChatStatus("active");
    });
    socket.on("typing", function (info) {
      if (!info) { return; }
      typing.textContent = S.typing.replace("{name}", info.name || agentName || S.agent);
      typing.hidden = !info.typing;
    });
    socket.on("read", function (info) {
      if (!info || typeof info.id !== "number") { return; }
      Array.prototype.forEach.call(log.querySelectorAll(".dc-msg-visitor[data-id]"), function (node) {
        if (Number(node.getAttribute("data-id")) <= info.id) { setState(node, S.read); }
      });
    });
    socket.on("closed", function (info) {
      showEnded(info && info.by === "agent" ? S.ended_by_agent : S.ended);
    });
  }

  show("pre");
  if (launcher && !state.open) { launcher.hidden = false; }
  if (typeof window.io === "function") { connect(); } else { loadScript(base + "/static/vendor/socket.io.min.js", connect); }
  state.pending.forEach(renderPending);
})();
