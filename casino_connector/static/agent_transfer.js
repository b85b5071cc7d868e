/* Transfer of a conversation to a team queue or to an available colleague (agent console).
 *
 * Hooks called by agent.js: attach(api), socket(socket), agentInfo(info),
 * conversation({conversation_id, mine, handoff}), queueItem(button, item).
 * Socket events: agent_transfer_options {conversation_id} -> {teams, colleagues};
 * agent_transfer {conversation_id, to_team | to_agent}; server -> console:
 * transferred_to_you {conversation_id, from}.
 */
(function () {
  "use strict";

  var app = null;
  var myTeam = null;
  var supervisor = false;
  var current = null;          // {conversation_id, mine, handoff} of the open conversation
  var teamLabels = {};         // key -> label, from the last options received
  var button, dialog, form, teamsBox, colleaguesBox, confirmButton;

  var $ = window.CasinoDom.$;
  var el = window.CasinoDom.el;

  function choice(name, value, text, extra) {
    var wrap = el("label", "transfer__choice");
    var input = el("input");
    input.type = "radio";
    input.name = "transfer-target";
    input.value = name + ":" + value;
    input.addEventListener("change", function () { confirmButton.disabled = false; });
    wrap.appendChild(input);
    wrap.appendChild(document.createTextNode(" " + text));
    if (extra) { wrap.appendChild(el("span", "muted", " " + extra)); }
    return wrap;
  }

  function fill(options) {
    teamsBox.textContent = "";
    colleaguesBox.textContent = "";
    confirmButton.disabled = true;
    (options.teams || []).forEach(function (team) {
      teamLabels[team.key] = team.label;
      var here = current && current.handoff && current.handoff.team === team.key;
      teamsBox.appendChild(choice("team", team.key, team.label, here ? "(sa file actuelle)" : ""));
    });
    var colleagues = options.colleagues || [];
    if (!colleagues.length) {
      colleaguesBox.appendChild(el("p", "muted", "Aucun collègue disponible en ce moment."));
    }
    colleagues.forEach(function (colleague) {
      colleaguesBox.appendChild(choice("agent", colleague.name, colleague.name,
        colleague.team ? "(" + (teamLabels[colleague.team] || colleague.team) + ")" : ""));
    });
  }

  function open() {
    if (!current || !app) { return; }
    var conversationId = current.conversation_id;
    app.emit("agent_transfer_options", { conversation_id: conversationId }, function (ok, answer) {
      if (!ok || !current || current.conversation_id !== conversationId) { return; }
      fill(answer || {});
      if (typeof dialog.showModal === "function") { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    });
  }

  function close() {
    if (typeof dialog.close === "function") { dialog.close(); } else { dialog.removeAttribute("open"); }
  }

  function submit(event) {
    event.preventDefault();
    var picked = form.querySelector("input[name=transfer-target]:checked");
    if (!picked || !current) { return; }
    var parts = picked.value.split(":");
    var payload = { conversation_id: current.conversation_id };
    payload[parts[0] === "team" ? "to_team" : "to_agent"] = parts.slice(1).join(":");
    confirmButton.disabled = true;
    app.emit("agent_transfer", payload, function (ok) {
      close();
      if (ok) {
        app.setNotice(parts[0] === "team"
          ? "Conversation transférée à l'équipe " + (teamLabels[payload.to_team] || payload.to_team) + "."
          : "Conversation transférée à " + payload.to_agent + ".");
      }
    });
  }

  window.CasinoTransfer = {
    attach: function (api) {
      app = api;
      button = $("action-transfer");
      dialog = $("transfer-dialog");
      form = $("transfer-form");
      teamsBox = $("transfer-teams");
      colleaguesBox = $("transfer-colleagues");
      confirmButton = $("transfer-confirm");
      if (!button || !dialog) { return; }
      button.addEventListener("click", open);
      form.addEventListener("submit", submit);
      $("transfer-cancel").addEventListener("click", close);
    },
    socket: function (socket) {
      socket.on("transferred_to_you", function (data) {
        if (!data || !app) { return; }
        app.setNotice((data.from || "Un collègue") + " vous a transféré une conversation : elle est dans votre file.");
      });
    },
    agentInfo: function (info) {
      myTeam = info.team || null;
      if (info.teams && typeof info.teams === "object") {
        Object.keys(info.teams).forEach(function (key) { teamLabels[key] = String(info.teams[key]); });
      }
      supervisor = info.supervisor === true;
    },
    conversation: function (state) {
      current = state;
      if (!button) { return; }
      var h = state.handoff;
      var active = h && h.status === "active";
      button.disabled = !(active && (state.mine || supervisor));
    },
    queueItem: function (node, item) {
      if (!item.team) { return; }
      var label = teamLabels[item.team] || item.team;
      var tag = el("span", "queue-item__team", label);
      if (myTeam && item.team === myTeam) {
        tag.className += " queue-item__team--mine";
        tag.setAttribute("title", "Votre équipe");
      }
      node.appendChild(tag);
    }
  };
})();
