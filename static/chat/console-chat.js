/* desk console: chat presence and alerts on every console page, and the chat desk (/chat/desk).
 *
 * Uses the console's own Socket.IO connection (window.deskConsole.socket from console.js).
 * Untrusted text is only written with textContent; the customer timeline beside a chat is a
 * server-rendered fragment from our own origin, as on the ticket page.
 */
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function uid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  var console_ = window.deskConsole;
  if (!console_ || !console_.socket) { return; }
  var socket = console_.socket;
  var deskRoot = $("[data-chat-desk]");
  var badge = $("[data-chat-badge]");
  var waitingIds = {};

  /* ---------------------------------------------------------------- alerts (every page) */

  var audio = null;
  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.12, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.35);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.35);
    } catch (e) { /* no audio: the visual alert remains */ }
  }

  var baseTitle = document.title;
  var flashTimer = null;
  function flashTitle(text) {
    window.clearInterval(flashTimer);
    var on = false;
    var count = 0;
    flashTimer = window.setInterval(function () {
      document.title = (on = !on) ? text : baseTitle;
      if (++count > 10 || !document.hidden) {
        if (!document.hidden || count > 10) { window.clearInterval(flashTimer); document.title = baseTitle; }
      }
    }, 900);
  }

  function updateBadge() {
    if (!badge) { return; }
    var n = Object.keys(waitingIds).length;
    badge.textContent = String(n);
    badge.classList.toggle("is-zero", n === 0);
    badge.hidden = n === 0;
    badge.classList.toggle("is-alert", n > 0);
  }

  function toast(text, href) {
    var box = $(".chat-toasts") || (function () {
      var created = el("div", "chat-toasts");
      created.setAttribute("role", "status");
      created.setAttribute("aria-live", "polite");
      document.body.appendChild(created);
      return created;
    })();
    var item = el(href ? "a" : "div", "chat-toast", text);
    if (href) { item.href = href; }
    box.appendChild(item);
    window.setTimeout(function () { item.remove(); }, 8000);
  }

  /* ---------------------------------------------------------------- presence (every page) */

  function hello() { socket.emit("presence.hello", {}, function (reply) { if (reply && reply.status) { setOwnPresence(reply.status); } }); }
  socket.on("connect", hello);
  if (socket.connected) { hello(); }
  window.setInterval(function () { if (socket.connected) { socket.emit("presence.ping", {}); } }, 30000);

  var ownPresence = null;
  function setOwnPresence(status) {
    ownPresence = status;
    var select = $("[data-presence]");
    if (select && status !== select.value) { select.value = status === "offline" ? "offline" : status; }
  }

  socket.on("chat.offered", function (data) {
    if (!data || !data.chat) { return; }
    var isNew = !waitingIds[data.chat.id];
    waitingIds[data.chat.id] = true;
    updateBadge();
    if (!isNew) { return; }
    beep();
    var S = desk ? desk.S : null;
    var text = (S && S.new_chat ? S.new_chat : "{name}").replace("{name}", data.chat.name || "—");
    flashTitle(text);
    if (!deskRoot) { toast(text, $("[data-chat-nav]") ? $("[data-chat-nav]").getAttribute("href") : null); }
  });
  socket.on("chat.updated", function (data) {
    if (data && data.chat && data.chat.status !== "waiting") { delete waitingIds[data.chat.id]; updateBadge(); }
  });
  socket.on("chat.invited", function (data) {
    if (!data || !data.chat) { return; }
    beep();
    if (!deskRoot) { toast((data.by && data.by.name ? data.by.name + " → " : "") + (data.chat.name || ""), $("[data-chat-nav]") && $("[data-chat-nav]").getAttribute("href")); }
  });

  /* ---------------------------------------------------------------- the chat desk */

  var desk = null;
  if (deskRoot) { desk = new Desk(deskRoot); }

  function Desk(root) {
    this.root = root;
    this.me = Number(root.dataset.me);
    this.supervisor = !!root.dataset.supervisor;
    this.S = JSON.parse(root.dataset.strings || "{}");
    this.canned = JSON.parse(root.dataset.canned || "[]");
    this.timelineUrl = root.dataset.timelineUrl;
    this.ticketUrl = root.dataset.ticketUrl;
    this.waitingList = $("[data-waiting]", root);
    this.mineList = $("[data-mine]", root);
    this.board = $("[data-board]", root);
    this.allList = $("[data-all]", root);
    this.panes = $("[data-panes]", root);
    this.chats = {};      // id -> chat
    this.open = {};       // id -> Pane
    this.byTicket = {};   // ticket id -> Pane
    var desk = this;
    $("[data-presence]", root).addEventListener("change", function (event) {
      socket.emit("presence.set", { status: event.target.value }, function (reply) {
        if (reply && reply.status) { setOwnPresence(reply.status); desk.refresh(); }
      });
    });
    socket.on("connect", function () { desk.refresh(); });
    if (socket.connected) { desk.refresh(); }
    socket.on("chat.offered", function (data) { if (data && data.chat) { desk.upsert(data.chat, true); } });
    socket.on("chat.updated", function (data) { if (data && data.chat) { desk.upsert(data.chat); } });
    socket.on("chat.invited", function (data) {
      if (data && data.chat) { desk.upsert(data.chat); desk.openPane(data.chat); }
    });
    socket.on("interaction.created", function (data) {
      if (!data || !data.interaction || data.interaction.channel !== "chat") { return; }
      var pane = desk.byTicket[data.interaction.ticket_id];
      if (pane) { pane.add(data.interaction); }
    });
    socket.on("chat.typing", function (data) {
      var pane = data && desk.byTicket[data.ticket_id];
      if (!pane || (data.agent && data.agent.id === desk.me)) { return; }
      pane.showTyping(data);
    });
    socket.on("chat.read", function (data) {
      var pane = data && desk.byTicket[data.ticket_id];
      if (pane) { pane.markRead(data.id); }
    });
    socket.on("presence", function (data) {
      if (!data || !data.agent) { return; }
      if (data.agent.id === desk.me) { setOwnPresence(data.status); }
      desk.boardSet(data.agent, data.status);
    });
    window.setInterval(function () { desk.tick(); }, 1000);
  }

  Desk.prototype.refresh = function () {
    var desk = this;
    socket.emit("chat.list", {}, function (state) {
      if (!state || state.error) { return; }
      setOwnPresence(state.presence);
      desk.capacity = state.capacity;
      desk.renderCapacity(state.active);
      var ids = {};
      (state.chats || []).forEach(function (chat) { ids[chat.id] = true; desk.upsert(chat); });
      Object.keys(desk.chats).forEach(function (id) {
        if (!ids[id] && desk.chats[id].status === "waiting") { delete desk.chats[id]; desk.renderLists(); }
      });
      Object.keys(desk.open).forEach(function (id) { desk.open[id].load(); }); // catch up after a reconnect
      (state.chats || []).forEach(function (chat) {
        if (chat.status === "active" && (chat.agent && chat.agent.id === desk.me || (chat.participants || []).indexOf(desk.me) >= 0)) {
          desk.openPane(chat);
        }
      });
      var deflection = $("[data-deflection]", desk.root);
      if (state.deflection && deflection) {
        deflection.textContent = (deflection.dataset.template || "")
          .replace("{n}", String(state.deflection.deflected)).replace("{m}", String(state.deflection.articles_opened));
      }
      if (state.board && desk.board) {
        desk.board.textContent = "";
        state.board.forEach(function (entry) { desk.boardSet(entry.agent, entry.status); });
      }
    });
  };

  Desk.prototype.renderCapacity = function (active) {
    var node = $("[data-capacity]", this.root);
    if (node && typeof this.capacity === "number") { node.textContent = active + " / " + this.capacity; }
  };

  Desk.prototype.upsert = function (chat, offered) {
    this.chats[chat.id] = chat;
    if (chat.status === "waiting") { waitingIds[chat.id] = true; } else { delete waitingIds[chat.id]; }
    updateBadge();
    var pane = this.open[chat.id];
    if (pane) { pane.update(chat); }
    this.renderLists(offered ? chat.id : null);
  };

  Desk.prototype.renderLists = function (freshId) {
    var desk = this;
    desk.waitingList.textContent = "";
    desk.mineList.textContent = "";
    if (desk.allList) { desk.allList.textContent = ""; }
    var waiting = 0;
    var active = 0;
    Object.keys(desk.chats).map(Number).sort(function (a, b) { return a - b; }).forEach(function (id) {
      var chat = desk.chats[id];
      var mine = chat.agent && chat.agent.id === desk.me || (chat.participants || []).indexOf(desk.me) >= 0;
      if (chat.status === "waiting") {
        waiting += 1;
        var li = el("li", "cd-item" + (id === freshId ? " is-fresh" : ""));
        var who = el("div", "cd-item-who");
        who.appendChild(el("strong", null, chat.name || desk.S.visitor));
        who.appendChild(el("span", "muted cd-item-sub", (chat.queue ? chat.queue.name : "") + (chat.ticket_subject ? " · " + chat.ticket_subject : "")));
        var wait = el("span", "cd-wait", "");
        wait.setAttribute("data-since", chat.created_at || "");
        who.appendChild(wait);
        li.appendChild(who);
        var accept = el("button", "button button-small button-primary", desk.S.accept);
        accept.type = "button";
        accept.setAttribute("data-accept", String(id));
        accept.addEventListener("click", function () { desk.accept(chat, accept); });
        li.appendChild(accept);
        desk.waitingList.appendChild(li);
      } else if (chat.status === "active" && !mine && desk.allList) {
        var row = el("li", "cd-item");
        var open = el("button", "cd-item-open", (chat.name || desk.S.visitor) + (chat.agent ? " · " + chat.agent.name : ""));
        open.type = "button";
        open.addEventListener("click", function () { desk.openPane(chat); });
        row.appendChild(open);
        desk.allList.appendChild(row);
      } else if (chat.status === "active" && mine) {
        active += chat.agent && chat.agent.id === desk.me ? 1 : 0;
        var item = el("li", "cd-item");
        var link = el("button", "cd-item-open", chat.name || desk.S.visitor);
        link.type = "button";
        link.addEventListener("click", function () { desk.openPane(chat); });
        item.appendChild(link);
        desk.mineList.appendChild(item);
      }
    });
    $("[data-waiting-count]", desk.root).textContent = String(waiting);
    $("[data-waiting-empty]", desk.root).hidden = waiting > 0;
    desk.renderCapacity(active);
    desk.tick();
  };

  Desk.prototype.tick = function () {
    var desk = this;
    $all("[data-since]", desk.root).forEach(function (node) {
      var since = Date.parse(node.getAttribute("data-since"));
      if (!since) { return; }
      var seconds = Math.max(0, Math.round((Date.now() - since) / 1000));
      var text = seconds < 60 ? seconds + "s" : Math.floor(seconds / 60) + "m " + (seconds % 60) + "s";
      node.textContent = (desk.S.waited || "{t}").replace("{t}", text);
      node.classList.toggle("is-long", seconds > 120);
    });
  };

  Desk.prototype.accept = function (chat, button) {
    var desk = this;
    button.disabled = true;
    socket.emit("chat.accept", { chat: chat.id }, function (reply) {
      button.disabled = false;
      if (!reply || reply.error) {
        var code = reply && reply.error && reply.error.code;
        toast(code === "chat_taken" ? desk.S.taken : code === "at_capacity" ? desk.S.capacity : desk.S.error);
        desk.refresh();
        return;
      }
      desk.upsert(reply.chat);
      desk.openPane(reply.chat);
    });
  };

  Desk.prototype.openPane = function (chat) {
    var pane = this.open[chat.id];
    if (!pane) {
      pane = new Pane(this, chat);
      this.open[chat.id] = pane;
      this.byTicket[chat.ticket_id] = pane;
      $("[data-panes-empty]", this.root).hidden = true;
    }
    pane.focus();
    return pane;
  };

  Desk.prototype.closePane = function (pane) {
    delete this.open[pane.chat.id];
    delete this.byTicket[pane.chat.ticket_id];
    pane.node.remove();
    $("[data-panes-empty]", this.root).hidden = Object.keys(this.open).length > 0;
  };

  Desk.prototype.boardSet = function (agent, status) {
    if (!this.board) { return; }
    var row = $("[data-agent-id='" + Number(agent.id) + "']", this.board);
    if (!row) {
      row = el("li", "cd-board-row");
      row.setAttribute("data-agent-id", String(Number(agent.id)));
      row.appendChild(el("span", "presence-dot"));
      row.appendChild(el("span", "cd-board-name", agent.name));
      row.appendChild(el("span", "muted cd-board-status"));
      this.board.appendChild(row);
    }
    row.setAttribute("data-status", status);
    $(".cd-board-status", row).textContent = this.S[status] || status;
  };

  /* ---------------------------------------------------------------- one chat pane */

  function Pane(desk, chat) {
    this.desk = desk;
    this.chat = chat;
    this.seen = {};
    this.pending = [];
    this.flushing = false;
    this.readSent = 0;
    var template = document.getElementById("cd-pane");
    this.node = template.content.firstElementChild.cloneNode(true);
    this.node.setAttribute("data-chat-id", String(chat.id));
    desk.panes.appendChild(this.node);
    this.log = $("[data-log]", this.node);
    this.typing = $("[data-typing]", this.node);
    this.input = $("[data-message]", this.node);
    this.setupLabels();
    this.bind();
    this.update(chat);
    this.load();
    this.loadTimeline();
  }

  Pane.prototype.setupLabels = function () {
    var id = "cd-" + this.chat.id;
    var pairs = [["[data-transfer-label]", "[data-transfer]"], ["[data-invite-label]", "[data-invite]"],
      ["[data-canned-label]", "[data-canned]"], ["[data-message-label]", "[data-message]"]];
    var node = this.node;
    pairs.forEach(function (pair, n) {
      var target = $(pair[1], node);
      target.id = id + "-" + n;
      $(pair[0], node).setAttribute("for", target.id);
    });
    this.input.placeholder = this.desk.S.message_placeholder || "";
    this.log.setAttribute("aria-label", this.chat.name || this.desk.S.visitor);
  };

  Pane.prototype.bind = function () {
    var pane = this;
    var S = pane.desk.S;
    $("[data-composer]", pane.node).addEventListener("submit", function (event) {
      event.preventDefault();
      var body = pane.input.value.trim();
      if (!body) { return; }
      pane.input.value = "";
      pane.sendTyping(false);
      pane.queue(body);
    });
    pane.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $("[data-composer]", pane.node).requestSubmit();
      }
    });
    pane.input.addEventListener("input", function () {
      pane.sendTyping(pane.input.value.trim().length > 0);
      window.clearTimeout(pane.typingTimer);
      pane.typingTimer = window.setTimeout(function () { pane.sendTyping(false); }, 3000);
    });
    $("[data-canned]", pane.node).addEventListener("change", function (event) {
      var text = pane.desk.canned[Number(event.target.value)];
      if (text) { pane.input.value = pane.input.value ? pane.input.value + " " + text : text; pane.input.focus(); }
      event.target.value = "";
    });
    $("[data-transfer]", pane.node).addEventListener("change", function (event) {
      var value = event.target.value;
      event.target.value = "";
      if (!value) { return; }
      var parts = value.split(":");
      var payload = { chat: pane.chat.id };
      payload[parts[0]] = Number(parts[1]);
      socket.emit("chat.transfer", payload, function (reply) {
        if (!reply || reply.error) { toast(reply && reply.error ? reply.error.message : S.error); return; }
        pane.desk.upsert(reply.chat);
        if (!reply.chat.agent || reply.chat.agent.id !== pane.desk.me) { pane.desk.closePane(pane); }
      });
    });
    $("[data-invite]", pane.node).addEventListener("change", function (event) {
      var value = Number(event.target.value);
      event.target.value = "";
      if (!value) { return; }
      socket.emit("chat.invite", { chat: pane.chat.id, agent: value }, function (reply) {
        if (!reply || reply.error) { toast(reply && reply.error ? reply.error.message : S.error); }
      });
    });
    $("[data-end]", pane.node).addEventListener("click", function () {
      socket.emit("chat.end", { chat: pane.chat.id }, function (reply) {
        if (reply && reply.chat) { pane.desk.upsert(reply.chat); }
      });
    });
    $("[data-close]", pane.node).addEventListener("click", function () { pane.desk.closePane(pane); });
    pane.node.addEventListener("focusin", function () { pane.markSeen(); });
  };

  Pane.prototype.update = function (chat) {
    this.chat = chat;
    var S = this.desk.S;
    $("[data-name]", this.node).textContent = chat.name || S.visitor;
    var link = $("[data-ticket-link]", this.node);
    link.textContent = chat.ticket_number ? S.ticket + " #" + chat.ticket_number : "";
    link.href = this.desk.ticketUrl.replace(/0$/, String(chat.ticket_number || ""));
    $("[data-queue]", this.node).textContent = chat.queue ? chat.queue.name : "";
    var wait = $("[data-wait]", this.node);
    if (chat.status === "waiting") { wait.setAttribute("data-since", chat.created_at || ""); } else {
      wait.removeAttribute("data-since");
      wait.textContent = chat.status === "ended" ? S.ended : (chat.agent ? chat.agent.name : "");
    }
    var ended = chat.status === "ended";
    this.node.classList.toggle("is-ended", ended);
    $("[data-composer] button", this.node).disabled = ended;
    this.input.disabled = ended;
    $("[data-end]", this.node).hidden = ended;
    if (ended && !this.endedShown) {
      this.endedShown = true;
      this.system(chat.ended_by === "visitor" || !chat.ended_by ? S.closed_by_visitor : S.ended);
    }
  };

  Pane.prototype.load = function () {
    var pane = this;
    socket.emit("chat.open", { chat: pane.chat.id }, function (reply) {
      if (!reply || reply.error) { return; }
      pane.update(reply.chat);
      (reply.messages || []).forEach(function (message) { pane.addMessage(message); });
      pane.markRead(reply.chat.visitor_read_id);
      pane.markSeen();
    });
  };

  Pane.prototype.loadTimeline = function () {
    var pane = this;
    var url = pane.desk.timelineUrl.replace(/\/0\/timeline$/, "/" + pane.chat.id + "/timeline");
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.text(); })
      .then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html; // server-rendered, escaped fragment from our own origin
        var box = $("[data-timeline]", pane.node);
        box.textContent = "";
        box.appendChild(template.content);
      })
      .catch(function () { /* the chat works without it */ });
  };

  Pane.prototype.add = function (interaction) {
    var chat = (interaction.meta || {}).chat || {};
    var kind = chat.event ? "system" : (interaction.direction === "outbound" ? "agent" : "visitor");
    this.addMessage({ id: interaction.id, body: interaction.text, at: interaction.created_at,
      author: { kind: kind, name: interaction.author ? interaction.author.name : "" } });
    this.typing.hidden = true;
    if (kind === "visitor") {
      this.markSeen();
      if (document.hidden) { beep(); }
    }
  };

  Pane.prototype.addMessage = function (message) {
    if (this.seen[message.id] || message.author.kind === "system") { return; }
    var item = el("li", "cd-msg cd-msg-" + message.author.kind);
    item.setAttribute("data-id", String(message.id));
    if (message.author.kind === "agent" && message.author.name) { item.appendChild(el("span", "cd-who", message.author.name)); }
    item.appendChild(el("span", "cd-bubble", message.body));
    var meta = el("span", "cd-meta");
    meta.appendChild(el("span", null, message.at ? new Date(message.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : ""));
    meta.appendChild(el("span", "cd-state", ""));
    item.appendChild(meta);
    this.seen[message.id] = item;
    if (message.id > (this.maxShown || 0)) {
      this.maxShown = message.id;
      this.log.appendChild(item);
    } else {
      var before = null;
      $all("[data-id]", this.log).forEach(function (node) {
        if (!before && Number(node.getAttribute("data-id")) > message.id) { before = node; }
      });
      this.log.insertBefore(item, before);
    }
    var pendingNode = $(".cd-msg.is-pending", this.log);
    if (pendingNode) { this.log.appendChild(pendingNode); }
    this.log.scrollTop = this.log.scrollHeight;
    if (message.author.kind === "visitor") { this.lastVisitorId = Math.max(this.lastVisitorId || 0, message.id); }
  };

  Pane.prototype.system = function (text) {
    this.log.appendChild(el("li", "cd-msg cd-msg-system", text));
    this.log.scrollTop = this.log.scrollHeight;
  };

  Pane.prototype.markSeen = function () {
    if (document.hidden || !this.lastVisitorId || this.lastVisitorId <= this.readSent) { return; }
    this.readSent = this.lastVisitorId;
    socket.emit("chat.read", { chat: this.chat.id, id: this.lastVisitorId });
  };

  Pane.prototype.markRead = function (id) {
    var S = this.desk.S;
    if (!id) { return; }
    $all(".cd-msg-agent[data-id]", this.log).forEach(function (node) {
      if (Number(node.getAttribute("data-id")) <= id) { $(".cd-state", node).textContent = S.read; }
    });
  };

  Pane.prototype.showTyping = function (data) {
    var S = this.desk.S;
    var pane = this;
    pane.typing.textContent = data.agent ? S.typing.replace("{name}", data.agent.name) : S.visitor_typing;
    pane.typing.hidden = !data.typing;
    window.clearTimeout(pane.typingHide);
    if (data.typing) { pane.typingHide = window.setTimeout(function () { pane.typing.hidden = true; }, 6000); }
  };

  Pane.prototype.sendTyping = function (active) {
    if (active === this.typingSent) { return; }
    this.typingSent = active;
    socket.emit("chat.typing", { chat: this.chat.id, typing: active });
  };

  Pane.prototype.queue = function (body) {
    var message = { chat: this.chat.id, client_id: uid(), body: body };
    var node = el("li", "cd-msg cd-msg-agent is-pending");
    node.appendChild(el("span", "cd-bubble", body));
    var meta = el("span", "cd-meta");
    meta.appendChild(el("span", "cd-state", ""));
    node.appendChild(meta);
    message.node = node;
    this.log.appendChild(node);
    this.log.scrollTop = this.log.scrollHeight;
    this.pending.push(message);
    this.flush();
  };

  Pane.prototype.flush = function () {
    var pane = this;
    if (pane.flushing || !pane.pending.length || !socket.connected) {
      if (pane.pending.length && !socket.connected) { socket.once("connect", function () { pane.flush(); }); }
      return;
    }
    var message = pane.pending[0];
    pane.flushing = true;
    socket.timeout(8000).emit("chat.send", { chat: message.chat, client_id: message.client_id, body: message.body }, function (err, ack) {
      pane.flushing = false;
      if (err) { window.setTimeout(function () { pane.flush(); }, 1500); return; } // same client_id again
      pane.pending.shift();
      if (ack && typeof ack.id === "number") {
        if (pane.seen[ack.id]) { message.node.remove(); } else {
          message.node.classList.remove("is-pending");
          message.node.setAttribute("data-id", String(ack.id));
          pane.seen[ack.id] = message.node;
        }
      } else {
        message.node.classList.add("is-failed");
        $(".cd-state", message.node).textContent = ack && ack.error ? ack.error.message : pane.desk.S.error;
      }
      pane.flush();
    });
  };

  Pane.prototype.focus = function () {
    this.node.scrollIntoView({ block: "nearest", inline: "nearest" });
    if (!this.input.disabled) { this.input.focus({ preventScroll: true }); }
  };

  window.deskChatDesk = desk;
})();
