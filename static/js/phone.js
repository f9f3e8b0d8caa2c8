/* Phone pages, live: call progress on the timeline and the call panels, the callback queue,
   campaign progress for supervisors. Uses the console's socket (window.deskConsole.socket). */
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function fetchFragment(url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.text();
    }).then(function (html) {
      var template = document.createElement("template");
      template.innerHTML = html;
      return template.content;
    });
  }

  function labels(node) {
    try { return JSON.parse(node.dataset.callLabels || "{}"); } catch (e) { return {}; }
  }

  function start(socket) {
    var ticketRoot = $("[data-ticket]");
    var panel = $("[data-call-panel-ticket]");

    // A call entry already on the ticket page changed (ringing, answered, finished, recording).
    socket.on("interaction.updated", function (data) {
      var interaction = data && data.interaction;
      if (!interaction) { return; }
      var entry = document.getElementById("i-" + Number(interaction.id));
      if (entry && ticketRoot && ticketRoot.dataset.entryUrl) {
        fetchFragment(ticketRoot.dataset.entryUrl + Number(interaction.id)).then(function (fragment) {
          var fresh = $(".entry", fragment);
          if (fresh && !entry.contains(document.activeElement)) { entry.replaceWith(fresh); }
        }).catch(function () {});
      }
      if (panel && interaction.channel === "voice" && Number(interaction.ticket_id) === Number(panel.dataset.callPanelTicket)) {
        var chip = $("[data-call-status]", panel);
        var meta = interaction.meta || {};
        var state = interaction.delivery_status === "recorded" ? "recorded" : meta.call_status;
        if (chip && state) {
          chip.textContent = labels(panel)[state] || state;
          chip.className = "chip call-status call-" + state;
        }
      }
    });

    if (panel) {
      var join = function () {
        socket.emit("join_ticket", { ticket_id: Number(panel.dataset.callPanelTicket) }, function (reply) {
          if (reply && reply.ok) { panel.dataset.joined = "1"; } // the panel now hears this call's progress
        });
      };
      socket.on("connect", join);
      if (socket.connected) { join(); }
    }

    // The callback queue changed: offer a refresh (never reload under the agent's hands).
    var liveBar = $("[data-callbacks-live]");
    socket.on("callback.changed", function () {
      if (liveBar) { liveBar.hidden = false; }
    });

    // Campaign progress (supervisors are in the staff room).
    var stats = $("[data-campaign-stats]");
    if (stats) {
      socket.on("campaign.progress", function (data) {
        if (!data || Number(data.campaign_id) !== Number(stats.dataset.campaignId)) { return; }
        var s = data.stats || {};
        $all("[data-stat]").forEach(function (node) {
          var key = node.dataset.stat;
          if (s[key] !== undefined) { node.textContent = String(s[key]); }
        });
        $all("[data-outcome]").forEach(function (node) {
          var key = node.dataset.outcome;
          if (s.outcomes && s.outcomes[key] !== undefined) { node.textContent = String(s.outcomes[key]); }
        });
        var rows = $("[data-agent-rows]");
        if (rows && s.agents && s.agents.length) {
          rows.textContent = "";
          s.agents.forEach(function (agent) {
            var tr = document.createElement("tr");
            [agent.name, agent.attempts, agent.contacts, agent.interested].forEach(function (value, index) {
              var td = document.createElement("td");
              if (index) { td.className = "num"; }
              td.textContent = String(value);
              tr.appendChild(td);
            });
            rows.appendChild(tr);
          });
        }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var console_ = window.deskConsole;
    if (console_ && console_.socket) { start(console_.socket); }
  });
})();
