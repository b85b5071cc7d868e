/*
 * Agent console of the Casino Lumière support (plain JS).
 *
 * HTTP (JSON, Authorization: Bearer TOKEN except the login), docs/escalation.md:
 *   POST /casino/agent/login {name, password} -> {token, name, supervisor}
 *   POST /casino/agent/logout (offline at once: the conversations held go back to the queue)
 *   GET  /casino/agent/queue, /casino/agent/conversations/<id>, /casino/agent/tickets
 *   POST /casino/agent/tickets/<ref>/close (one ticket, replies, notes, status: agent_tickets.js)
 * socket.io (auth: {agent_token}):
 *   agent -> server: agent_take {conversation_id, takeover?}, agent_handback, agent_close
 *                    {conversation_id}, agent_reply {conversation_id, text},
 *                    agent_status {status: "away" | "available"}
 *   server -> agents: queue [...], conversation_message {conversation_id, sender, text, agent?, at},
 *                     agent_info {name, supervisor, away}, logged_out
 * A console that loses its connection keeps its agent online for a grace period (2 minutes
 * by default); then the conversations the agent held go back to the queue.
 *
 * All text that comes from players, the bot or the server is set with textContent.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "casinoAgent.token";
  var NAME_KEY = "casinoAgent.name";
  var API = "/casino/agent";

  var PRIORITY_RANK = { urgent: 0, high: 1, normal: 2 };
  var PRIORITY_LABEL = { urgent: "Urgente", high: "Haute", normal: "Normale" };
  var REASON_LABEL = {
    human_request: "Demande un conseiller",
    not_understood: "Le bot n'a pas compris",
    late_payment: "Retrait en retard",
    responsible_gambling: "Jeu responsable",
    angry_player: "Joueur mécontent",
    ticket_request: "Demande de ticket"
  };
  var HANDOFF_STATUS_LABEL = {
    waiting: "en attente",
    active: "en cours",
    handed_back: "rendue au bot",
    closed: "clôturée"
  };
  var TICKET_STATUS_LABEL = { open: "Ouvert", pending: "En attente du joueur", solved: "Résolu", closed: "Résolu" };
  var CATEGORY_LABEL = {
    payments: "Paiements", account: "Compte", verification: "Vérification", bonus: "Bonus",
    responsible_gambling: "Jeu responsable", general: "Général", complaint: "Réclamation",
    complaints: "Réclamation", accounts: "Compte et documents",
    human_request: "Demande de conseiller", technical: "Technique"
  };
  var DOC_LABEL = {
    piece_identite: "Pièce d'identité",
    justificatif_domicile: "Justificatif de domicile",
    rib: "RIB"
  };
  var DOC_STATUS = {
    accepted: ["validé", "ok"], pending: ["en vérification", "warn"],
    missing: ["manquant", "bad"], rejected: ["refusé", "bad"]
  };
  var BLOCKER_LABEL = {
    documents_missing: "documents manquants", documents_pending: "documents en vérification",
    documents_rejected: "document refusé", bonus_wagering: "mise du bonus en cours",
    self_excluded: "auto-exclusion", account_suspended: "compte suspendu"
  };
  var ACCOUNT_STATUS_LABEL = { active: "actif", suspended: "suspendu", closed: "fermé" };
  var NOTICE_LABEL = { withdrawal_pending: "retrait en attente", withdrawal_late: "retrait en retard" };
  var METHOD_LABEL = {
    carte_bancaire: "carte bancaire", virement: "virement bancaire", paypal: "PayPal",
    skrill: "Skrill", neteller: "Neteller", paysafecard: "Paysafecard", apple_pay: "Apple Pay"
  };
  var KEY_LABEL = {
    player_id: "Joueur", display_name: "Nom", email: "E-mail", country: "Pays",
    account_status: "Statut du compte", self_excluded: "Auto-exclu", self_excluded_until: "Auto-exclu jusqu'au",
    can_withdraw: "Peut retirer", blockers: "Blocages", notices: "À noter", generated_at: "Relevé le",
    validated: "Compte validé", amount: "Montant", status: "Statut", reference: "Référence"
  };

  // --- helpers ------------------------------------------------------------------------

  var $ = window.CasinoDom.$;
  var el = window.CasinoDom.el;
  var clear = window.CasinoDom.clear;

  function storageGet(key) { try { return window.sessionStorage.getItem(key); } catch (e) { return null; } }
  function storageSet(key, value) { try { window.sessionStorage.setItem(key, value); } catch (e) { /* ignore */ } }
  function storageRemove(key) { try { window.sessionStorage.removeItem(key); } catch (e) { /* ignore */ } }

  function listOf(data, keys) {
    if (Array.isArray(data)) { return data; }
    if (data && typeof data === "object") {
      for (var i = 0; i < keys.length; i++) {
        if (Array.isArray(data[keys[i]])) { return data[keys[i]]; }
      }
    }
    return [];
  }

  function label(map, key) {
    if (key === null || key === undefined || key === "") { return "—"; }
    return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : String(key);
  }

  function humanKey(key) {
    if (Object.prototype.hasOwnProperty.call(KEY_LABEL, key)) { return KEY_LABEL[key]; }
    var text = String(key).replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  var moneyFormat = (function () {
    try { return new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" }); } catch (e) { return null; }
  }());

  function money(value) {
    if (value === null || value === undefined || value === "") { return "—"; }
    var number = Number(value);
    if (!isFinite(number)) { return String(value); }
    return moneyFormat ? moneyFormat.format(number) : number.toFixed(2) + " €";
  }

  function parseDate(value) {
    if (!value) { return null; }
    var date = new Date(value);
    return isNaN(date.getTime()) ? null : date;
  }

  function dateTime(value) {
    var date = parseDate(value);
    if (!date) { return value ? String(value) : "—"; }
    return date.toLocaleString("fr-FR", {
      day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit"
    });
  }

  function timeOnly(value) {
    var date = parseDate(value);
    return date ? date.toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" }) : "";
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    if (seconds < 60) { return seconds + " s"; }
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) { return minutes + " min"; }
    var hours = Math.floor(minutes / 60);
    var rest = minutes % 60;
    if (hours < 24) { return hours + " h " + (rest < 10 ? "0" : "") + rest; }
    return Math.floor(hours / 24) + " j " + (hours % 24) + " h";
  }

  function shortId(id) {
    id = String(id || "");
    return id.length > 12 ? id.slice(0, 8) + "…" : id;
  }

  function badge(text, kind) { return el("span", "badge badge--" + kind, text); }

  // --- elements ------------------------------------------------------------------------

  var loginView = $("login-view");
  var loginForm = $("login-form");
  var loginName = $("login-name");
  var loginPassword = $("login-password");
  var loginError = $("login-error");
  var loginSubmit = $("login-submit");
  var consoleView = $("console-view");
  var sessionArea = $("session-area");
  var agentNameEl = $("agent-name");
  var agentRoleEl = $("agent-role");
  var awayToggle = $("away-toggle");
  var presence = $("presence");
  var presenceText = $("presence-text");
  var notice = $("notice");
  var queueList = $("queue-list");
  var queueEmpty = $("queue-empty");
  var queueCount = $("queue-count");
  var ticketCount = $("ticket-count");
  var placeholder = $("conversation-placeholder");
  var body = $("conversation-body");
  var title = $("conversation-title");
  var meta = $("conversation-meta");
  var stateLine = $("conversation-state");
  var transcriptEl = $("transcript");
  var accountEl = $("account");
  var takeButton = $("action-take");
  var handbackButton = $("action-handback");
  var closeButton = $("action-close");
  var replyForm = $("reply-form");
  var replyInput = $("reply-input");
  var replySend = $("reply-send");
  var ticketsBody = $("tickets-body");
  var ticketsEmpty = $("tickets-empty");
  var showClosed = $("tickets-show-closed");

  // --- state ---------------------------------------------------------------------------

  var token = storageGet(TOKEN_KEY);
  var me = storageGet(NAME_KEY) || "";
  var supervisor = false;        // may take over a conversation another agent holds
  var away = false;              // online, not counted as available for new players
  var socket = null;
  var queue = [];                // handoffs, as last received
  var queueReceivedAt = Date.now();
  var selectedId = null;         // open conversation
  var selectedHandoff = null;    // its handoff (from the queue or the conversation route)
  var unread = {};               // conversation_id -> true
  var pendingReplies = [];       // {conversation_id, text, node}
  var tickets = [];
  var noticeTimer = null;
  var lastAccount = null;        // {conversation_id, snapshot}: the last account shown

  function setNotice(text, isError) {
    window.clearTimeout(noticeTimer);
    notice.textContent = text || "";
    notice.classList.toggle("notice--error", Boolean(isError));
    if (text && !isError) {
      noticeTimer = window.setTimeout(function () { notice.textContent = ""; }, 6000);
    }
  }

  // Desk tools hook in here: agent_tools.js (typing, canned replies, notes, close
  // confirmation), agent_transfer.js (transfer to a colleague or a team). The last
  // answer that is not undefined is returned.
  var extensions = [window.CasinoAgentTools, window.CasinoTransfer].filter(Boolean);
  function hook(name) {
    var args = Array.prototype.slice.call(arguments, 1);
    var result;
    extensions.forEach(function (extension) {
      var fn = extension[name];
      if (typeof fn !== "function") { return; }
      try {
        var answer = fn.apply(extension, args);
        if (answer !== undefined) { result = answer; }
      } catch (e) {
        if (window.console) { window.console.error(e); }
      }
    });
    return result;
  }

  // --- HTTP ------------------------------------------------------------------------------

  function AuthError() { this.message = "unauthorized"; }

  function api(method, path, payload) {
    var options = { method: method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (token) { options.headers.Authorization = "Bearer " + token; }
    if (payload !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(payload);
    }
    return window.fetch(API + path, options).then(function (res) {
      if (res.status === 401 && path !== "/login") { throw new AuthError(); }
      return res.text().then(function (raw) {
        var data = null;
        try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = null; }
        if (!res.ok) {
          var error = new Error((data && (data.message || data.error)) || ("HTTP " + res.status));
          error.status = res.status;
          error.data = data;
          throw error;
        }
        return data;
      });
    });
  }

  function handleError(error, what) {
    if (error instanceof AuthError) {
      logout("Votre session a expiré : reconnectez-vous.");
      return;
    }
    var detail = error && error.message ? " (" + error.message + ")" : "";
    setNotice(what + detail, true);
  }

  // --- login / logout ------------------------------------------------------------------------

  loginForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var name = loginName.value.trim();
    var password = loginPassword.value;
    if (!name || !password) {
      loginError.textContent = "Indiquez votre nom et votre mot de passe.";
      (name ? loginPassword : loginName).focus();
      return;
    }
    loginError.textContent = "";
    loginSubmit.disabled = true;
    loginSubmit.textContent = "Connexion…";
    api("POST", "/login", { name: name, password: password }).then(function (data) {
      if (!data || typeof data.token !== "string") { throw new Error("réponse inattendue"); }
      token = data.token;
      me = typeof data.name === "string" && data.name ? data.name : name;
      storageSet(TOKEN_KEY, token);
      storageSet(NAME_KEY, me);
      loginPassword.value = "";
      startConsole();
    }).catch(function (error) {
      if (error && error.status === 401) {
        loginError.textContent = "Nom ou mot de passe incorrect.";
      } else if (error && error.status === 429) {
        loginError.textContent = "Trop de tentatives : réessayez dans quelques minutes.";
      } else {
        loginError.textContent = "Connexion impossible pour le moment. Réessayez.";
      }
      loginPassword.focus();
    }).then(function () {
      loginSubmit.disabled = false;
      loginSubmit.textContent = "Se connecter";
    });
  });

  $("logout").addEventListener("click", function () {
    // Tell the server first: offline at once, the conversations held go back to the queue.
    if (token) {
      window.fetch(API + "/logout", {
        method: "POST", keepalive: true, credentials: "same-origin",
        headers: { "Accept": "application/json", "Authorization": "Bearer " + token }
      }).catch(function () { /* the server's grace period does it */ });
    }
    logout("");
  });

  awayToggle.addEventListener("click", function () {
    emit("agent_status", { status: away ? "available" : "away" }, function (ok, answer) {
      if (ok && answer) { setAgentInfo(answer); }
    });
  });

  function logout(message) {
    if (socket) { socket.disconnect(); socket = null; }
    token = null;
    supervisor = false;
    away = false;
    storageRemove(TOKEN_KEY);
    storageRemove(NAME_KEY);
    queue = []; tickets = []; selectedId = null; selectedHandoff = null; unread = {}; lastAccount = null;
    consoleView.hidden = true;
    sessionArea.hidden = true;
    loginView.hidden = false;
    loginError.textContent = message || "";
    document.title = "Console conseillers · Casino Lumière";
    loginName.focus();
  }

  function startConsole() {
    loginView.hidden = true;
    consoleView.hidden = false;
    sessionArea.hidden = false;
    agentNameEl.textContent = me;
    showConversation(null);
    connectSocket();
    loadQueue();
    loadTickets();
    $("main").focus();
  }

  // --- socket ----------------------------------------------------------------------------

  function setPresence(state) {
    if (state === "online" && away) { state = "away"; }
    presence.classList.toggle("presence--online", state === "online");
    presence.classList.toggle("presence--away", state === "away");
    presence.classList.toggle("presence--offline", state === "offline");
    presenceText.textContent = state === "online" ? "En ligne" : state === "away" ? "En pause"
      : state === "offline" ? "Hors ligne" : "Connexion…";
  }

  function setAgentInfo(info) {
    if (!info || typeof info !== "object") { return; }
    supervisor = info.supervisor === true;
    away = info.away === true;
    hook("agentInfo", info);
    agentRoleEl.textContent = supervisor ? "Superviseur" : "Conseiller";
    awayToggle.textContent = away ? "Je suis disponible" : "Me mettre en pause";
    awayToggle.setAttribute("aria-pressed", away ? "true" : "false");
    if (socket && socket.connected) { setPresence("online"); }
    renderConversationHeader();
  }

  function connectSocket() {
    if (typeof window.io !== "function") {
      setPresence("offline");
      setNotice("Le temps réel est indisponible (client socket.io absent).", true);
      return;
    }
    setPresence("connecting");
    socket = window.io({ path: "/socket.io/", transports: ["websocket"], auth: { agent_token: token } });
    socket.on("connect", function () {
      setPresence("online");
      loadQueue();
      if (selectedId) { openConversation(selectedId, true); }
    });
    socket.on("disconnect", function () { setPresence("offline"); });
    socket.on("connect_error", function () {
      setPresence("offline");
      loadQueue(); // tells an expired login (401) from a network problem
    });
    socket.on("queue", function (data) {
      setQueue(listOf(data, ["queue", "handoffs", "items"]));
    });
    socket.on("conversation_message", onConversationMessage);
    socket.on("conversation_note", function (note) {
      if (note && note.conversation_id === selectedId) {
        appendLine({ sender: "note", agent: note.agent, text: note.text, at: note.at });
      }
    });
    hook("socket", socket);
    // agent_search.js (past conversations, alerts) listens to the same socket.
    window.dispatchEvent(new CustomEvent("casino-agent:socket", { detail: socket }));
    socket.on("agent_info", setAgentInfo);
    socket.on("logged_out", function () {
      logout("Vous avez été déconnecté (déconnexion depuis une autre fenêtre).");
    });
    socket.on("error", function (data) {
      var message = data && typeof data.message === "string" ? data.message : "Action refusée.";
      setNotice(message, true);
    });
  }

  function emit(event, payload, onDone) {
    if (!socket || !socket.connected) {
      setNotice("Hors ligne : action impossible, reconnexion en cours.", true);
      return false;
    }
    socket.emit(event, payload, function (answer) {
      if (answer && (answer.ok === false || answer.error)) {
        setNotice(typeof answer.message === "string" ? answer.message
          : typeof answer.error === "string" ? answer.error : "Action refusée.", true);
        if (onDone) { onDone(false, answer); }
      } else if (onDone) {
        onDone(true, answer);
      }
    });
    return true;
  }

  // --- queue -------------------------------------------------------------------------------

  function loadQueue() {
    if (!token) { return; }
    api("GET", "/queue").then(function (data) {
      setQueue(listOf(data, ["queue", "handoffs", "items"]));
    }).catch(function (error) { handleError(error, "File d'attente indisponible"); });
  }

  function sortQueue(items) {
    return items.slice().sort(function (a, b) {
      var pa = PRIORITY_RANK.hasOwnProperty(a.priority) ? PRIORITY_RANK[a.priority] : 9;
      var pb = PRIORITY_RANK.hasOwnProperty(b.priority) ? PRIORITY_RANK[b.priority] : 9;
      if (pa !== pb) { return pa - pb; }
      var ta = parseDate(a.created_at), tb = parseDate(b.created_at);
      if (ta && tb && ta.getTime() !== tb.getTime()) { return ta - tb; }
      return (b.waiting_seconds || 0) - (a.waiting_seconds || 0);
    });
  }

  function waitingSeconds(item) {
    if (item.status === "waiting") {
      if (typeof item.waiting_seconds === "number") {
        return item.waiting_seconds + (Date.now() - queueReceivedAt) / 1000;
      }
      var created = parseDate(item.created_at);
      return created ? (Date.now() - created.getTime()) / 1000 : 0;
    }
    return typeof item.waiting_seconds === "number" ? item.waiting_seconds : 0;
  }

  function setQueue(items) {
    queue = sortQueue(items.filter(function (item) { return item && item.conversation_id; }));
    queueReceivedAt = Date.now();
    if (selectedId) {
      var current = findInQueue(selectedId);
      if (current) {
        selectedHandoff = current;
      } else if (selectedHandoff && (selectedHandoff.status === "waiting" || selectedHandoff.status === "active")) {
        // Left the queue (handed back or closed, maybe by another agent).
        selectedHandoff = Object.assign({}, selectedHandoff, { status: "finished" });
      }
      renderConversationHeader();
    }
    renderQueue();
  }

  function findInQueue(conversationId) {
    for (var i = 0; i < queue.length; i++) {
      if (queue[i].conversation_id === conversationId) { return queue[i]; }
    }
    return null;
  }

  function statusText(item) {
    if (item.status === "active") {
      return item.agent === me ? "En cours · prise par vous" : "En cours · prise par " + (item.agent || "un conseiller");
    }
    if (item.status === "waiting") {
      return "En attente" + (item.position ? " · position " + item.position : "");
    }
    return label(HANDOFF_STATUS_LABEL, item.status);
  }

  function renderQueue() {
    var focusedId = document.activeElement && document.activeElement.getAttribute
      ? document.activeElement.getAttribute("data-conversation-id") : null;
    clear(queueList);
    var waiting = 0;
    queue.forEach(function (item) {
      if (item.status === "waiting") { waiting += 1; }
      var li = el("li");
      var button = el("button", "queue-item queue-item--" + (PRIORITY_RANK.hasOwnProperty(item.priority) ? item.priority : "normal"));
      button.type = "button";
      button.setAttribute("data-conversation-id", item.conversation_id);
      if (item.conversation_id === selectedId) { button.setAttribute("aria-current", "true"); }

      var reason = el("span", "queue-item__reason", label(REASON_LABEL, item.reason));
      if (unread[item.conversation_id]) {
        var dot = el("span", "queue-item__unread");
        dot.setAttribute("title", "Nouveaux messages");
        reason.appendChild(dot);
        reason.appendChild(el("span", "visually-hidden", " (nouveaux messages)"));
      }
      button.appendChild(reason);
      var wait = el("span", "queue-item__wait");
      wait.appendChild(badge(label(PRIORITY_LABEL, item.priority), PRIORITY_RANK.hasOwnProperty(item.priority) ? item.priority : "normal"));
      button.appendChild(wait);
      button.appendChild(el("span", "queue-item__player", item.player_id ? "Joueur " + item.player_id : "Joueur anonyme"));
      button.appendChild(el("span", "queue-item__wait queue-item__time",
        (item.status === "waiting" ? "attend depuis " : "a attendu ") + duration(waitingSeconds(item))));
      button.appendChild(el("span", "queue-item__status", statusText(item)));
      hook("queueItem", button, item);
      button.addEventListener("click", function () { openConversation(item.conversation_id); });
      li.appendChild(button);
      queueList.appendChild(li);
      if (focusedId && focusedId === item.conversation_id) { button.focus(); }
    });
    queueEmpty.hidden = queue.length > 0;
    queueCount.textContent = String(queue.length);
    document.title = (waiting ? "(" + waiting + ") " : "") + "Console conseillers · Casino Lumière";
  }

  // Waiting times move on.
  window.setInterval(function () {
    var times = queueList.querySelectorAll(".queue-item__time");
    queue.forEach(function (item, index) {
      if (times[index]) {
        times[index].textContent = (item.status === "waiting" ? "attend depuis " : "a attendu ") + duration(waitingSeconds(item));
      }
    });
  }, 15000);

  $("queue-refresh").addEventListener("click", loadQueue);

  // --- conversation ----------------------------------------------------------------------------

  function showConversation(conversationId) {
    selectedId = conversationId;
    placeholder.hidden = Boolean(conversationId);
    body.hidden = !conversationId;
    if (!conversationId) { selectedHandoff = null; }
  }

  function openConversation(conversationId, keepScroll) {
    var changed = conversationId !== selectedId;
    showConversation(conversationId);
    delete unread[conversationId];
    selectedHandoff = findInQueue(conversationId) || (changed ? null : selectedHandoff);
    if (changed) {
      pendingReplies = [];
      clear(transcriptEl);
      transcriptEl.appendChild(el("p", "transcript__empty", "Chargement…"));
      clear(accountEl);
      replyInput.value = "";
    }
    renderQueue();
    renderConversationHeader();
    api("GET", "/conversations/" + encodeURIComponent(conversationId)).then(function (data) {
      if (selectedId !== conversationId) { return; }
      data = data || {};
      var handoff = data.handoff && typeof data.handoff === "object" ? data.handoff : null;
      if (handoff && !findInQueue(conversationId)) { selectedHandoff = handoff; }
      renderTranscript(withNotes(listOf(data, ["transcript", "messages", "history"]), data.notes), keepScroll);
      var snapshot = data.account !== undefined ? data.account
        : data.account_snapshot !== undefined ? data.account_snapshot
        : data.snapshot;
      var playerId = data.player_id || (selectedHandoff && selectedHandoff.player_id);
      if (snapshot && typeof snapshot === "object") {
        lastAccount = { conversation_id: conversationId, snapshot: snapshot };
        renderAccount(snapshot, playerId);
      } else if (lastAccount && lastAccount.conversation_id === conversationId) {
        // The handoff ended (the route gives the account of open handoffs only): keep
        // what the agent was reading.
        renderAccount(lastAccount.snapshot, playerId);
      } else {
        renderAccount(null, playerId);
      }
      renderConversationHeader();
    }).catch(function (error) {
      if (selectedId !== conversationId) { return; }
      clear(transcriptEl);
      transcriptEl.appendChild(el("p", "transcript__empty", "Conversation introuvable ou illisible."));
      handleError(error, "Conversation indisponible");
    });
  }

  function renderConversationHeader() {
    if (!selectedId) { return; }
    var h = selectedHandoff;
    title.textContent = "Conversation " + shortId(selectedId);
    title.setAttribute("title", selectedId);
    clear(meta);
    if (h) {
      meta.appendChild(badge(label(PRIORITY_LABEL, h.priority), PRIORITY_RANK.hasOwnProperty(h.priority) ? h.priority : "normal"));
      meta.appendChild(el("span", null, label(REASON_LABEL, h.reason)));
      meta.appendChild(el("span", null, "·"));
    }
    var playerId = (h && h.player_id) || null;
    meta.appendChild(el("span", null, playerId ? "Joueur " + playerId : "Joueur anonyme"));

    var status = h ? h.status : null;
    var mine = status === "active" && h.agent === me;
    var othersActive = status === "active" && h.agent !== me;
    var open = status === "waiting" || status === "active";

    var takeOver = othersActive && supervisor;
    takeButton.disabled = !(status === "waiting" || takeOver);
    takeButton.textContent = takeOver ? "Reprendre (superviseur)" : "Prendre";
    handbackButton.disabled = !(status === "waiting" || mine);
    closeButton.disabled = !(status === "waiting" || mine);
    replyInput.disabled = !mine;
    replySend.disabled = !mine;

    hook("conversation", { conversation_id: selectedId, mine: mine, handoff: h });
    if (!h || !open) {
      stateLine.textContent = "Cette conversation n'est plus dans la file : le bot répond au joueur.";
    } else if (status === "waiting") {
      stateLine.textContent = "Le joueur attend un conseiller" + (h.position ? " (position " + h.position + ")" : "") +
        " : prenez la conversation pour lui répondre.";
    } else if (mine) {
      stateLine.textContent = "Vous êtes en ligne avec le joueur : le bot est en pause.";
    } else if (othersActive) {
      stateLine.textContent = "Conversation prise par " + (h.agent || "un autre conseiller") + ".";
    }
  }

  function senderLabel(line) {
    if (line.sender === "user") { return "Joueur"; }
    if (line.sender === "agent") { return "Conseiller · " + (line.agent || "?"); }
    if (line.sender === "bot") { return "Bot"; }
    if (line.sender === "note") { return "Note interne · " + (line.agent || "?") + " (non visible du joueur)"; }
    return String(line.sender || "?");
  }

  function lineNode(line) {
    var sender = line.sender === "user" || line.sender === "agent" || line.sender === "note" ? line.sender : "bot";
    var node = el("div", "line line--" + sender);
    var who = senderLabel(line) + (line.button === true ? " · bouton choisi" : "");
    var at = timeOnly(line.at || line.timestamp);
    node.appendChild(el("p", "line__who", at ? who + " · " + at : who));
    node.appendChild(el("p", "line__text", typeof line.text === "string" ? line.text : ""));
    var buttons = Array.isArray(line.buttons) ? line.buttons : Array.isArray(line.quick_replies) ? line.quick_replies : [];
    if (buttons.length) {
      var titles = buttons.map(function (b) { return b && (b.title || b.payload) ? String(b.title || b.payload) : ""; })
        .filter(Boolean);
      node.appendChild(el("p", "line__buttons", "Boutons proposés : " + titles.join(" · ")));
    }
    return node;
  }

  function scrollTranscript(force) {
    var nearEnd = transcriptEl.scrollHeight - transcriptEl.scrollTop - transcriptEl.clientHeight < 120;
    if (force || nearEnd) { transcriptEl.scrollTop = transcriptEl.scrollHeight; }
  }

  // Internal notes (agents only) among the messages, by time.
  function withNotes(lines, notes) {
    if (!Array.isArray(notes) || !notes.length) { return lines; }
    var merged = lines.slice();
    notes.forEach(function (note) {
      if (!note || typeof note !== "object") { return; }
      var line = { sender: "note", agent: note.agent, text: note.text, at: note.at };
      var at = parseDate(note.at);
      var index = merged.length;
      while (at && index > 0) {
        var previous = parseDate(merged[index - 1] && merged[index - 1].at);
        if (!previous || previous.getTime() <= at.getTime()) { break; }
        index -= 1;
      }
      merged.splice(index, 0, line);
    });
    return merged;
  }

  function renderTranscript(lines, keepScroll) {
    var top = transcriptEl.scrollTop;
    clear(transcriptEl);
    pendingReplies = [];
    if (!lines.length) {
      transcriptEl.appendChild(el("p", "transcript__empty", "Aucun message."));
      return;
    }
    lines.forEach(function (line) {
      if (line && typeof line === "object") { transcriptEl.appendChild(lineNode(line)); }
    });
    if (keepScroll) { transcriptEl.scrollTop = top; scrollTranscript(false); } else { scrollTranscript(true); }
  }

  function appendLine(line) {
    var emptyNote = transcriptEl.querySelector(".transcript__empty");
    if (emptyNote) { transcriptEl.removeChild(emptyNote); }
    var node = lineNode(line);
    transcriptEl.appendChild(node);
    scrollTranscript(line.sender === "agent");
    return node;
  }

  function onConversationMessage(data) {
    if (!data || typeof data !== "object" || !data.conversation_id) { return; }
    if (data.conversation_id !== selectedId) {
      if (findInQueue(data.conversation_id) && data.sender === "user") {
        unread[data.conversation_id] = true;
        renderQueue();
      }
      return;
    }
    if (data.sender === "agent") {
      // Our own reply coming back: confirm it instead of showing it twice.
      for (var i = 0; i < pendingReplies.length; i++) {
        var pending = pendingReplies[i];
        if (pending.conversation_id === data.conversation_id && pending.text === data.text) {
          pending.node.classList.remove("line--pending");
          pendingReplies.splice(i, 1);
          return;
        }
      }
    }
    appendLine(data);
  }

  // --- actions -----------------------------------------------------------------------------------

  function act(event, button, okText, afterOk, extra) {
    if (!selectedId || button.disabled) { return; }
    var conversationId = selectedId;
    button.disabled = true;
    var payload = Object.assign({ conversation_id: conversationId }, extra || {});
    var sent = emit(event, payload, function (ok, answer) {
      if (ok) {
        setNotice(okText);
        if (answer && answer.handoff && selectedId === conversationId) {
          selectedHandoff = answer.handoff;
          renderConversationHeader();
        }
        if (afterOk) { afterOk(); }
      }
      loadQueue();
      if (selectedId === conversationId) { openConversation(conversationId, true); }
    });
    if (!sent) { button.disabled = false; }
  }

  takeButton.addEventListener("click", function () {
    var h = selectedHandoff;
    var takeOver = supervisor && h && h.status === "active" && h.agent !== me;
    act("agent_take", takeButton, takeOver ? "Conversation reprise : répondez au joueur."
      : "Conversation prise : le bot est en pause, répondez au joueur.",
      function () { if (!replyInput.disabled) { replyInput.focus(); } },
      takeOver ? { takeover: true } : null);
  });
  handbackButton.addEventListener("click", function () {
    act("agent_handback", handbackButton, "Conversation rendue au bot.");
  });
  closeButton.addEventListener("click", function () {
    if (closeButton.disabled) { return; }
    var closeIt = function () { act("agent_close", closeButton, "Conversation clôturée."); };
    // Asked first (agent_tools.js dialog); without it, closed at once as before.
    if (hook("confirmClose", closeIt, closeButton) !== true) { closeIt(); }
  });

  function sendReply() {
    var text = replyInput.value.trim();
    if (!text || !selectedId || replyInput.disabled) { return; }
    var conversationId = selectedId;
    var node = appendLine({ sender: "agent", agent: me, text: text, at: new Date().toISOString() });
    node.classList.add("line--pending");
    var pending = { conversation_id: conversationId, text: text, node: node };
    pendingReplies.push(pending);
    var sent = emit("agent_reply", { conversation_id: conversationId, text: text }, function (ok) {
      if (ok) {
        node.classList.remove("line--pending");
      } else {
        node.classList.remove("line--pending");
        node.classList.add("line--failed");
        node.appendChild(el("p", "line__buttons", "Non envoyé"));
      }
      var index = pendingReplies.indexOf(pending);
      if (!ok && index >= 0) { pendingReplies.splice(index, 1); }
    });
    if (sent) {
      replyInput.value = "";
      hook("replySent", conversationId);
    } else {
      node.parentNode.removeChild(node);
      pendingReplies.splice(pendingReplies.indexOf(pending), 1);
    }
    replyInput.focus();
  }

  replyForm.addEventListener("submit", function (event) {
    event.preventDefault();
    sendReply();
  });
  replyInput.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendReply();
    }
  });

  // --- account snapshot ----------------------------------------------------------------------------

  function dl(pairs) {
    var list = el("dl");
    pairs.forEach(function (pair) {
      if (pair[1] === undefined) { return; }
      list.appendChild(el("dt", null, pair[0]));
      var dd = el("dd");
      if (pair[1] instanceof Node) { dd.appendChild(pair[1]); } else { dd.textContent = pair[1] === null ? "—" : String(pair[1]); }
      list.appendChild(dd);
    });
    return list;
  }

  function yesNo(value) { return value === true ? "oui" : value === false ? "non" : value; }

  function generic(value, depth) {
    depth = depth || 0;
    if (value === null || value === undefined) { return document.createTextNode("—"); }
    if (typeof value !== "object") { return document.createTextNode(String(yesNo(value))); }
    if (depth > 3) { return document.createTextNode(JSON.stringify(value)); }
    if (Array.isArray(value)) {
      if (!value.length) { return document.createTextNode("aucun"); }
      var ul = el("ul");
      value.forEach(function (item) {
        var li = el("li");
        li.appendChild(generic(item, depth + 1));
        ul.appendChild(li);
      });
      return ul;
    }
    var list = el("dl");
    Object.keys(value).forEach(function (key) {
      list.appendChild(el("dt", null, humanKey(key)));
      var dd = el("dd");
      dd.appendChild(generic(value[key], depth + 1));
      list.appendChild(dd);
    });
    return list;
  }

  function documentsSection(verification) {
    var section = el("section");
    section.appendChild(el("h4", null, "Documents de validation"));
    var docs = verification.documents;
    var entries = [];
    if (Array.isArray(docs)) {
      docs.forEach(function (doc) {
        if (doc && typeof doc === "object") { entries.push([doc.doc_type || doc.type || doc.name, doc]); }
      });
    } else if (docs && typeof docs === "object") {
      Object.keys(docs).forEach(function (key) {
        entries.push([key, docs[key] && typeof docs[key] === "object" ? docs[key] : { status: docs[key] }]);
      });
    }
    if (!entries.length) {
      section.appendChild(el("p", "account__note", "Aucun document."));
    } else {
      var ul = el("ul");
      entries.forEach(function (entry) {
        var doc = entry[1];
        var status = DOC_STATUS[doc.status] || [doc.status || "?", "warn"];
        var li = el("li");
        li.appendChild(el("span", null, label(DOC_LABEL, entry[0])));
        li.appendChild(badge(status[0], status[1]));
        ul.appendChild(li);
        if (doc.rejection_reason) {
          var reason = el("li", "account__note", "Motif du refus : " + doc.rejection_reason);
          ul.appendChild(reason);
        }
      });
      section.appendChild(ul);
    }
    if (verification.validated !== undefined) {
      section.appendChild(el("p", "account__note", verification.validated ? "Compte validé." : "Compte non validé."));
    }
    return section;
  }

  function bonusSection(bonus) {
    var section = el("section");
    section.appendChild(el("h4", null, "Bonus"));
    if (!bonus) {
      section.appendChild(el("p", "account__note", "Aucun bonus actif."));
      return section;
    }
    var bonuses = Array.isArray(bonus) ? bonus : [bonus];
    bonuses.forEach(function (b) {
      if (!b || typeof b !== "object") { return; }
      section.appendChild(el("p", null, (b.name || "Bonus") + (b.amount !== undefined ? " · " + money(b.amount) : "")));
      var required = Number(b.wagering_required), done = Number(b.wagering_done);
      if (isFinite(required) && required > 0 && isFinite(done)) {
        var bar = el("div", "progress");
        bar.setAttribute("role", "progressbar");
        bar.setAttribute("aria-label", "Mise réalisée");
        bar.setAttribute("aria-valuemin", "0");
        bar.setAttribute("aria-valuemax", String(required));
        bar.setAttribute("aria-valuenow", String(done));
        var fill = el("div", "progress__bar");
        fill.style.width = Math.max(0, Math.min(100, (done / required) * 100)).toFixed(1) + "%";
        bar.appendChild(fill);
        section.appendChild(bar);
      }
      section.appendChild(dl([
        ["Mise requise", b.wagering_required !== undefined ? money(b.wagering_required) : undefined],
        ["Mise réalisée", b.wagering_done !== undefined ? money(b.wagering_done) : undefined],
        ["Reste à miser", b.wagering_left !== undefined ? money(b.wagering_left) : undefined],
        ["Mise maximale", b.max_bet !== undefined && b.max_bet !== null ? money(b.max_bet) : undefined],
        ["Expire le", b.expires_at !== undefined ? dateTime(b.expires_at) : undefined],
        ["Bloque le retrait", b.blocks_withdrawal !== undefined ? yesNo(b.blocks_withdrawal) : undefined]
      ]));
    });
    return section;
  }

  function withdrawalsSection(withdrawals) {
    var section = el("section");
    section.appendChild(el("h4", null, "Retraits en attente"));
    var items = Array.isArray(withdrawals) ? withdrawals : [];
    if (!items.length) {
      section.appendChild(el("p", "account__note", "Aucun retrait en attente."));
      return section;
    }
    var ul = el("ul");
    items.forEach(function (w) {
      if (!w || typeof w !== "object") { return; }
      var li = el("li");
      var left = el("span", null, money(w.amount) + " · " + label(METHOD_LABEL, w.method) +
        (w.requested_at ? " · demandé le " + dateTime(w.requested_at) : "") +
        (typeof w.age_days === "number" ? " (" + w.age_days + " j)" : ""));
      li.appendChild(left);
      var right = el("span");
      if (w.late || w.overdue) { right.appendChild(badge("en retard", "late")); }
      else { right.appendChild(badge(w.status || "en attente", "warn")); }
      li.appendChild(right);
      ul.appendChild(li);
      if (w.reference) { ul.appendChild(el("li", "account__note", "Réf. " + w.reference)); }
    });
    section.appendChild(ul);
    return section;
  }

  var KNOWN_SNAPSHOT_KEYS = ["player_id", "display_name", "email", "country", "account_status", "self_excluded",
    "self_excluded_until", "verification", "bonus", "bonuses", "withdrawals", "pending_withdrawals",
    "can_withdraw", "blockers", "notices", "generated_at", "protection"];
  var PERIOD_LABEL = { day: "par jour", week: "par semaine", month: "par mois" };

  // Responsible gambling (casino_support.player_protection): offers held back, break,
  // self-exclusion, deposit limits in force and waiting for their reflection period.
  function protectionSection(protection) {
    var section = el("section", "protection");
    section.appendChild(el("h4", null, "Jeu responsable"));
    if (protection.offers_allowed === false) {
      section.appendChild(el("p", "account__note account__note--warn",
        "Offres commerciales suspendues" + (protection.offers_held_back_until
          ? " jusqu'au " + dateTime(protection.offers_held_back_until) : "") +
        " : ne proposez ni bonus, ni cashback, ni VIP, ni promotion."));
    }
    var rows = [
      ["Pause", protection.break_until ? "jusqu'au " + dateTime(protection.break_until) : undefined],
      ["Auto-exclusion", protection.self_excluded_indefinitely ? "sans limite de durée"
        : protection.self_excluded_until ? "jusqu'au " + dateTime(protection.self_excluded_until) : undefined]
    ];
    var limits = protection.deposit_limits && typeof protection.deposit_limits === "object" ? protection.deposit_limits : {};
    ["day", "week", "month"].forEach(function (period) {
      var limit = limits[period];
      if (!limit) { return; }
      var text = limit.amount !== null && limit.amount !== undefined ? money(limit.amount) : "aucune";
      if (limit.pending_from) {
        text += limit.pending_removal ? " (supprimée le " : " (" + money(limit.pending_amount) + " à partir du ";
        text += dateTime(limit.pending_from) + ")";
      }
      rows.push(["Limite de dépôt " + PERIOD_LABEL[period], text]);
    });
    var shown = rows.filter(function (row) { return row[1] !== undefined; });
    if (shown.length) { section.appendChild(dl(shown)); }
    if (!shown.length && protection.offers_allowed !== false) {
      section.appendChild(el("p", "muted", "Aucune limite, pause ni exclusion."));
    }
    return section;
  }

  function renderAccount(snapshot, playerId) {
    clear(accountEl);
    if (!snapshot || typeof snapshot !== "object") {
      accountEl.appendChild(el("p", "account__note", playerId
        ? "Compte " + playerId + " : aucune donnée disponible."
        : "Joueur anonyme (pas de jeton de connexion vérifié) : aucune donnée de compte."));
      return;
    }
    accountEl.appendChild(dl([
      ["Joueur", snapshot.player_id !== undefined ? snapshot.player_id : playerId || undefined],
      ["Nom", snapshot.display_name],
      ["E-mail", snapshot.email],
      ["Pays", snapshot.country],
      ["Compte", snapshot.account_status === undefined ? undefined : label(ACCOUNT_STATUS_LABEL, snapshot.account_status)],
      ["Auto-exclusion", snapshot.self_excluded === undefined ? undefined
        : snapshot.self_excluded ? "oui" + (snapshot.self_excluded_until ? ", jusqu'au " + dateTime(snapshot.self_excluded_until).slice(0, 10) : "") : "non"],
      ["Peut retirer", snapshot.can_withdraw === undefined ? undefined : yesNo(snapshot.can_withdraw)],
      ["Blocages", Array.isArray(snapshot.blockers) ? (snapshot.blockers.length ? snapshot.blockers.map(function (b) { return label(BLOCKER_LABEL, b); }).join(", ") : "aucun") : undefined],
      ["À noter", Array.isArray(snapshot.notices) && snapshot.notices.length ? snapshot.notices.map(function (n) { return label(NOTICE_LABEL, n); }).join(", ") : undefined]
    ]));
    if (snapshot.self_excluded) {
      accountEl.appendChild(el("p", "account__note", "Joueur auto-exclu : aucune offre commerciale."));
    }
    if (snapshot.protection && typeof snapshot.protection === "object") {
      accountEl.appendChild(protectionSection(snapshot.protection));
    }
    if (snapshot.verification && typeof snapshot.verification === "object") {
      accountEl.appendChild(documentsSection(snapshot.verification));
    }
    if ("bonus" in snapshot || "bonuses" in snapshot) {
      accountEl.appendChild(bonusSection(snapshot.bonus !== undefined ? snapshot.bonus : snapshot.bonuses));
    }
    if ("withdrawals" in snapshot || "pending_withdrawals" in snapshot) {
      accountEl.appendChild(withdrawalsSection(snapshot.withdrawals || snapshot.pending_withdrawals));
    }
    var rest = {};
    Object.keys(snapshot).forEach(function (key) {
      if (KNOWN_SNAPSHOT_KEYS.indexOf(key) < 0) { rest[key] = snapshot[key]; }
    });
    if (Object.keys(rest).length) {
      var section = el("section", "generic");
      section.appendChild(el("h4", null, "Autres informations"));
      section.appendChild(generic(rest));
      accountEl.appendChild(section);
    }
    if (snapshot.generated_at) {
      accountEl.appendChild(el("p", "account__note", "Relevé le " + dateTime(snapshot.generated_at) + "."));
    }
  }

  // --- tickets ---------------------------------------------------------------------------------

  function loadTickets() {
    if (!token) { return; }
    api("GET", "/tickets").then(function (data) {
      tickets = listOf(data, ["tickets", "items"]).filter(function (t) { return t && t.reference; });
      renderTickets();
    }).catch(function (error) { handleError(error, "Tickets indisponibles"); });
  }

  function renderTickets() {
    clear(ticketsBody);
    // "closed": what older versions said for "solved"
    var visible = tickets.filter(function (t) { return showClosed.checked || (t.status !== "closed" && t.status !== "solved"); });
    visible.sort(function (a, b) {
      if (Boolean(b.overdue) !== Boolean(a.overdue)) { return a.overdue ? -1 : 1; }
      var pa = PRIORITY_RANK.hasOwnProperty(a.priority) ? PRIORITY_RANK[a.priority] : 9;
      var pb = PRIORITY_RANK.hasOwnProperty(b.priority) ? PRIORITY_RANK[b.priority] : 9;
      if (pa !== pb) { return pa - pb; }
      var da = parseDate(a.due_at), db = parseDate(b.due_at);
      return (da ? da.getTime() : Infinity) - (db ? db.getTime() : Infinity);
    });
    visible.forEach(function (t) {
      var tr = el("tr", "ticket" + (t.overdue ? " ticket--overdue" : "") + (t.status === "closed" || t.status === "solved" ? " ticket--closed" : ""));
      tr.setAttribute("data-reference", t.reference);
      var ref = el("th", "ticket__ref", t.reference);
      ref.setAttribute("scope", "row");
      tr.appendChild(ref);
      var prio = el("td");
      prio.appendChild(badge(label(PRIORITY_LABEL, t.priority), PRIORITY_RANK.hasOwnProperty(t.priority) ? t.priority : "normal"));
      tr.appendChild(prio);
      tr.appendChild(el("td", null, label(TICKET_STATUS_LABEL, t.status)));
      var due = el("td", "ticket__due", t.due_local || dateTime(t.due_at));  // operator's zone
      if (t.overdue) { due.appendChild(badge("en retard", "late")); }
      tr.appendChild(due);
      var who = el("td");
      who.appendChild(el("div", null, t.player_id ? t.player_id : "anonyme"));
      if (t.email) { who.appendChild(el("div", "muted", t.email)); }
      tr.appendChild(who);
      tr.appendChild(el("td", null, label(CATEGORY_LABEL, t.category)));
      tr.appendChild(el("td", "ticket__summary", t.summary || ""));
      var actions = el("td");
      var openButton = el("button", "btn btn--small", "Ouvrir");  // agent_tickets.js
      openButton.type = "button";
      openButton.setAttribute("aria-label", "Ouvrir le ticket " + t.reference);
      openButton.addEventListener("click", function () {
        if (window.CasinoTickets) { window.CasinoTickets.open(t.reference); }
      });
      actions.appendChild(openButton);
      tr.appendChild(actions);
      ticketsBody.appendChild(tr);
    });
    ticketsEmpty.hidden = visible.length > 0;
    var openCount = tickets.filter(function (t) { return t.status !== "closed" && t.status !== "solved"; }).length;
    ticketCount.textContent = String(openCount);
  }

  showClosed.addEventListener("change", renderTickets);
  $("tickets-refresh").addEventListener("click", loadTickets);

  // --- tabs ----------------------------------------------------------------------------------------

  var tabs = [$("tab-queue"), $("tab-tickets")];
  function selectTab(tab, focus) {
    tabs.forEach(function (t) {
      var selected = t === tab;
      t.setAttribute("aria-selected", selected ? "true" : "false");
      t.tabIndex = selected ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !selected;
    });
    if (focus) { tab.focus(); }
    if (tab.id === "tab-tickets") { loadTickets(); }
  }
  tabs.forEach(function (tab, index) {
    tab.addEventListener("click", function () { selectTab(tab, false); });
    tab.addEventListener("keydown", function (event) {
      var next = null;
      if (event.key === "ArrowRight") { next = tabs[(index + 1) % tabs.length]; }
      if (event.key === "ArrowLeft") { next = tabs[(index - 1 + tabs.length) % tabs.length]; }
      if (event.key === "Home") { next = tabs[0]; }
      if (event.key === "End") { next = tabs[tabs.length - 1]; }
      if (next) { event.preventDefault(); selectTab(next, true); }
    });
  });

  // --- for agent_tickets.js (one ticket opened): the console's own helpers --------------------

  window.CasinoConsole = {
    api: function (method, path, payload) { return api(method, path, payload); },
    handleError: function (error, what) { return handleError(error, what); },
    setNotice: function (text, isError) { return setNotice(text, isError); },
    el: el, clear: clear, badge: badge, label: label, dateTime: dateTime, lineNode: lineNode,
    labels: { priority: PRIORITY_LABEL, status: TICKET_STATUS_LABEL, category: CATEGORY_LABEL },
    renderAccountInto: function (node, snapshot, playerId) {
      var own = accountEl;
      accountEl = node;
      try { renderAccount(snapshot, playerId); } finally { accountEl = own; }
    },
    reloadTickets: function () { loadTickets(); }
  };

  // --- start ------------------------------------------------------------------------------------------

  hook("attach", {
    emit: emit,
    setNotice: setNotice,
    selectedId: function () { return selectedId; },
    me: function () { return me; },
    replyInput: replyInput
  });

  if (token) {
    startConsole();
  } else {
    loginName.focus();
  }
})();
