/*
 * Casino Lumière support chat widget (plain JS, no framework).
 *
 * Protocol (docs/escalation.md): socket.io on path /socket.io/, websocket transport only.
 *   session_request {session_token?} -> session_confirm {session_id, session_token}
 *   history_request                  -> history [{sender, text, agent?, buttons?}]
 *   user_uttered {message, customData: {player_token?}} -> acknowledged once answered
 *   server -> widget: bot_uttered {text, buttons?|quick_replies?, sender, agent?},
 *                     typing {on, sender?} (sender "agent": the agent holding the chat types)
 *
 * Every piece of text from the server or the player is put in the page with textContent,
 * never innerHTML.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "casinoSupport.sessionToken";
  var SESSION_ID_KEY = "casinoSupport.sessionId";
  var OPEN_KEY = "casinoSupport.widgetOpen";
  var TYPING_TIMEOUT_MS = 20000;
  var AGENT_TYPING_TIMEOUT_MS = 8000;  // the console repeats it while the agent types
  var REPLY_WAIT_MS = 90000;  // a message not acknowledged by then no longer holds the next ones
  var MAX_LENGTH = 2000;

  var LABELS = {
    user: "Vous",
    bot: "Assistant automatique",
    agentPrefix: "Conseiller · ",
    agentUnknown: "Conseiller",
    typingBot: "L'assistant écrit…",
    typingAgent: "Le conseiller écrit…",
    connecting: "Connexion au support…",
    reconnecting: "Connexion perdue, reconnexion en cours…",
    unavailable: "Le chat est momentanément indisponible. Réessayez dans quelques instants.",
    newConversation: "Nouvelle conversation démarrée.",
    quickReplies: "Réponses proposées",
    // Shown on the first opening, before the player writes (EU AI Act, art. 50).
    welcome: "Bonjour ! Je suis l'assistant automatique du support : un programme, pas une " +
      "personne. Un conseiller humain peut prendre le relais si besoin. Choisissez un sujet " +
      "ou posez votre question.",
    starters: ["Retrait", "Dépôt", "Validation du compte", "Bonus", "Parler à un conseiller"],
    launcher: "Ouvrir l'aide en ligne",
    unread: function (n) {
      return n === 1 ? "1 nouveau message" : n + " nouveaux messages";
    }
  };

  // --- small helpers ------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  function storageGet(store, key) {
    try { return store.getItem(key); } catch (e) { return null; }
  }
  function storageSet(store, key, value) {
    try { store.setItem(key, value); } catch (e) { /* private mode: keep going */ }
  }
  function storageRemove(store, key) {
    try { store.removeItem(key); } catch (e) { /* ignore */ }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  /** The player token from the page: ?player_token=... (demo) or window.CASINO_PLAYER_TOKEN. */
  function playerToken() {
    var fromQuery = null;
    try { fromQuery = new URLSearchParams(window.location.search).get("player_token"); } catch (e) { /* old browser */ }
    if (fromQuery) { return fromQuery; }
    if (typeof window.CASINO_PLAYER_TOKEN === "string" && window.CASINO_PLAYER_TOKEN) {
      return window.CASINO_PLAYER_TOKEN;
    }
    return null;
  }

  /** Display only: the `sub` claim of the player token, unverified (the server verifies). */
  function displayedPlayerId(token) {
    if (!token) { return null; }
    try {
      var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      while (part.length % 4) { part += "="; }
      var claims = JSON.parse(window.atob(part));
      return typeof claims.sub === "string" ? claims.sub : null;
    } catch (e) {
      return null;
    }
  }

  function messageButtons(message) {
    var list = message && (message.buttons || message.quick_replies);
    if (!Array.isArray(list)) { return []; }
    return list.filter(function (b) {
      return b && (typeof b.payload === "string" || typeof b.title === "string");
    });
  }

  // --- elements ------------------------------------------------------------------

  var root = $("chat-widget");
  if (!root) { return; }
  var launcher = $("cw-launcher");
  var badge = $("cw-badge");
  var panel = $("cw-panel");
  var closeButton = $("cw-close");
  var log = $("cw-log");
  var statusLine = $("cw-status");
  var typing = $("cw-typing");
  var typingText = $("cw-typing-text");
  var form = $("cw-form");
  var input = $("cw-input");
  var newLink = $("cw-new");
  var confirmBox = $("cw-confirm");
  var confirmYes = $("cw-confirm-yes");
  var confirmNo = $("cw-confirm-no");

  // --- state ---------------------------------------------------------------------

  var socket = null;
  var ready = false;          // session confirmed and its history shown on the current socket
  var outbox = [];            // the player's messages not sent yet, oldest first (shown as pending)
  var awaitedTurn = 0;        // the number of the message sent whose answer is not over, 0: none
  var turns = 0;
  var awaitingHistory = false;
  var historyTimer = null;
  var HISTORY_WAIT_MS = 4000; // if the history never comes, the player can still write
  var unread = 0;
  var typingTimer = null;
  var lastSender = "bot";

  // --- status, typing, unread ----------------------------------------------------------

  function setStatus(text, isError) {
    statusLine.textContent = text || "";
    statusLine.classList.toggle("cw-status--error", Boolean(text) && Boolean(isError));
  }

  function setTyping(on, sender) {
    window.clearTimeout(typingTimer);
    if (on) {
      typingText.textContent = (sender || lastSender) === "agent" ? LABELS.typingAgent : LABELS.typingBot;
      typing.hidden = false;
      typingTimer = window.setTimeout(function () { typing.hidden = true; },
        sender === "agent" ? AGENT_TYPING_TIMEOUT_MS : TYPING_TIMEOUT_MS);
    } else {
      typing.hidden = true;
    }
  }

  function setUnread(count) {
    unread = count;
    if (count > 0) {
      badge.textContent = String(count);
      badge.hidden = false;
      launcher.setAttribute("aria-label", LABELS.launcher + " (" + LABELS.unread(count) + ")");
    } else {
      badge.textContent = "";
      badge.hidden = true;
      launcher.setAttribute("aria-label", LABELS.launcher);
    }
  }

  function isOpen() { return !panel.hidden; }

  // --- rendering ---------------------------------------------------------------------

  function isNearEnd() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 120;
  }

  function scrollToEnd(force) {
    if (force || isNearEnd()) { log.scrollTop = log.scrollHeight; }
  }

  function disableAllQuickReplies() {
    var buttons = log.querySelectorAll(".cw-quick");
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
  }

  function senderLabel(sender, agent) {
    if (sender === "user") { return LABELS.user; }
    if (sender === "agent") { return agent ? LABELS.agentPrefix + agent : LABELS.agentUnknown; }
    return LABELS.bot;
  }

  /** Quick-reply buttons; a click sends the payload, shown as the player's words (the title). */
  function quickReplies(buttons, active) {
    var group = el("div", "cw-buttons");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", LABELS.quickReplies);
    buttons.forEach(function (button) {
      var title = typeof button.title === "string" && button.title ? button.title : button.payload;
      var payload = typeof button.payload === "string" && button.payload ? button.payload : title;
      var node = el("button", "cw-quick", title);
      node.type = "button";
      node.disabled = !active;
      node.addEventListener("click", function () {
        if (node.disabled) { return; }
        disableAllQuickReplies();
        node.classList.add("cw-quick--chosen");
        send(payload, title);
        input.focus(); // the clicked button is now disabled: keep the focus in the chat
      });
      group.appendChild(node);
    });
    return group;
  }

  /** Consecutive messages of one sender: the name is shown once (still read aloud). */
  function showSenderOnce(item) {
    var previous = item.previousElementSibling;
    var repeated = Boolean(previous) && previous.getAttribute("data-who") === item.getAttribute("data-who");
    item.classList.toggle("cw-msg--cont", repeated);
    item.querySelector(".cw-msg__who").classList.toggle("visually-hidden", repeated);
  }

  /**
   * Add one message. `message`: {sender: user|bot|agent, text, agent?, buttons?}.
   * `activeButtons`: whether its quick replies can still be used. The player's messages go
   * at the end; the others before the player's messages not sent yet (the answer to the
   * message sent comes right after it).
   */
  function renderMessage(message, activeButtons) {
    var sender = message.sender === "user" || message.sender === "agent" ? message.sender : "bot";
    var text = typeof message.text === "string" ? message.text : "";
    var buttons = sender === "user" ? [] : messageButtons(message);
    if (!text && buttons.length === 0) { return null; }

    var who = senderLabel(sender, message.agent);
    var item = el("div", "cw-msg cw-msg--" + sender);
    item.setAttribute("data-who", who);
    item.appendChild(el("p", "cw-msg__who", who));
    if (text) {
      item.appendChild(el("p", "cw-msg__text", text));
    }
    if (buttons.length) {
      item.appendChild(quickReplies(buttons, activeButtons));
    }
    if (sender !== "user") { lastSender = sender; }
    var firstUnsent = sender === "user" ? null : log.querySelector(".cw-msg--pending");
    log.insertBefore(item, firstUnsent);
    showSenderOnce(item);
    if (firstUnsent) { showSenderOnce(firstUnsent); }
    return item;
  }

  /** The greeting and the common topics of an empty conversation (not part of the history). */
  function renderWelcome() {
    var welcome = el("div", "cw-welcome");
    welcome.appendChild(el("p", "cw-msg__who", LABELS.bot));
    welcome.appendChild(el("p", "cw-welcome__text", LABELS.welcome));
    welcome.appendChild(quickReplies(LABELS.starters.map(function (topic) {
      return { title: topic, payload: topic };
    }), true));
    log.insertBefore(welcome, log.firstChild);
  }

  function clearLog() {
    var items = log.querySelectorAll(".cw-msg, .cw-welcome, .cw-survey");
    for (var i = 0; i < items.length; i++) { items[i].parentNode.removeChild(items[i]); }
  }

  /** The history replaces the log (an empty conversation gets the greeting); a message
   * typed before it arrived (kept in the outbox, shown as pending) is shown after it and
   * only then sent, so the history can never wipe it out. A history that comes after the
   * fallback delay is ignored for the same reason. */
  function renderHistory(data) {
    if (!awaitingHistory) { return; }
    var messages = Array.isArray(data) ? data : (data && Array.isArray(data.messages) ? data.messages : []);
    clearLog();
    if (messages.length === 0) { renderWelcome(); }
    messages.forEach(function (message, index) {
      if (!message || typeof message !== "object") { return; }
      var isLast = index === messages.length - 1;
      renderMessage(message, isLast && message.sender !== "user");
    });
    outbox.forEach(function (entry) {
      if (entry.item) {
        log.appendChild(entry.item);
        showSenderOnce(entry.item);
      }
    });
    if (outbox.length) { disableAllQuickReplies(); }
    becomeReady();
  }

  /** Session confirmed and history shown (or given up on): send what the player typed meanwhile. */
  function becomeReady() {
    awaitingHistory = false;
    window.clearTimeout(historyTimer);
    root.setAttribute("data-session-ready", "true");
    ready = true;
    sendNext();
    scrollToEnd(true);
  }

  /** One message at a time: the next one leaves once the server has acknowledged the
   * previous one, which it does after the answer. So each answer comes right after its
   * question, and only one question at a time waits for its answer (and may get the
   * server's « Je cherche encore » notice). */
  function sendNext() {
    if (!socket || !ready || awaitedTurn || outbox.length === 0) { return; }
    var entry = outbox.shift();
    if (entry.item) { entry.item.classList.remove("cw-msg--pending"); }
    var turn = ++turns;
    awaitedTurn = turn;
    emitUserMessage(entry.message, function () {
      if (awaitedTurn !== turn) { return; }  // a new conversation or connection since
      awaitedTurn = 0;
      sendNext();
    });
  }

  // --- socket --------------------------------------------------------------------------

  function requestSession() {
    ready = false;
    var token = storageGet(window.localStorage, TOKEN_KEY);
    socket.emit("session_request", token ? { session_token: token } : {});
  }

  function onSessionConfirm(data) {
    var sessionId = null;
    var token = null;
    if (typeof data === "string") {
      sessionId = data;
    } else if (data && typeof data === "object") {
      sessionId = data.session_id || null;
      token = data.session_token || null;
    }
    if (token) { storageSet(window.localStorage, TOKEN_KEY, token); }
    if (sessionId) { storageSet(window.localStorage, SESSION_ID_KEY, sessionId); }
    if (statusLine.textContent !== LABELS.newConversation) { setStatus(""); }
    awaitingHistory = true;
    window.clearTimeout(historyTimer);
    historyTimer = window.setTimeout(becomeReady, HISTORY_WAIT_MS);
    socket.emit("history_request");
  }

  function onBotUttered(data) {
    if (!data || typeof data !== "object") { return; }
    setTyping(false);
    // New quick replies replace any older ones.
    if (messageButtons(data).length) { disableAllQuickReplies(); }
    var sender = data.sender === "agent" ? "agent" : "bot";
    var follow = isNearEnd();  // measured before the new message makes the log taller
    var node = renderMessage({ sender: sender, text: data.text, agent: data.agent, buttons: messageButtons(data) }, true);
    if (!node) { return; }
    scrollToEnd(follow);
    if (!isOpen()) { setUnread(unread + 1); }
  }

  function connect() {
    if (socket) { return; }
    if (typeof window.io !== "function") {
      setStatus(LABELS.unavailable, true);
      return;
    }
    setStatus(LABELS.connecting);
    socket = window.io({ path: "/socket.io/", transports: ["websocket"] });
    socket.on("connect", requestSession);
    socket.on("session_confirm", onSessionConfirm);
    socket.on("history", renderHistory);
    socket.on("bot_uttered", onBotUttered);
    socket.on("satisfaction_request", showSurvey);
    socket.on("typing", function (data) {
      setTyping(Boolean(data && data.on), data && data.sender);
    });
    socket.on("disconnect", function (reason) {
      ready = false;
      awaitedTurn = 0;  // the history on reconnection shows whether the server got it
      awaitingHistory = false;
      window.clearTimeout(historyTimer);
      root.removeAttribute("data-session-ready");
      setTyping(false);
      if (reason !== "io client disconnect") { setStatus(LABELS.reconnecting, true); }
    });
    socket.on("connect_error", function () {
      setStatus(LABELS.reconnecting, true);
    });
    socket.on("error", function (data) {
      // {code, message}: a refused message (the text is the server's, shown as text).
      setStatus(data && typeof data.message === "string" ? data.message : LABELS.unavailable, true);
    });
  }

  /** `answered()` is called on the server's acknowledgement, or after REPLY_WAIT_MS. */
  function emitUserMessage(message, answered) {
    var token = playerToken();
    var customData = token ? { player_token: token } : {};
    socket.timeout(REPLY_WAIT_MS).emit("user_uttered", { message: message, customData: customData },
                                       answered);
  }

  /** Send `message` (typed text or a quick-reply payload), showing `display` as the player's
   * words: shown at once, pending until it is its turn to leave (see sendNext). */
  function send(message, display) {
    message = String(message || "").slice(0, MAX_LENGTH);
    if (!message.trim()) { return; }
    disableAllQuickReplies();
    connect();
    var item = renderMessage({ sender: "user", text: display || message }, false);
    if (item) { item.classList.add("cw-msg--pending"); }
    outbox.push({ message: message, item: item });
    scrollToEnd(true);
    sendNext();
  }

  // --- satisfaction after a chat with an agent ----------------------------------------
  // satisfaction_request {handoff_id, question, scale, labels[5], comment_label, send,
  // choose_first} (French from the server's catalogue) -> five buttons and an optional
  // comment; sent as satisfaction {handoff_id, rating, comment}, acknowledged {ok, message}.

  function showSurvey(data) {
    if (!data || typeof data !== "object" || typeof data.handoff_id !== "number") { return; }
    var old = log.querySelectorAll(".cw-survey");
    for (var i = 0; i < old.length; i++) { old[i].parentNode.removeChild(old[i]); }
    var chosen = 0;
    var survey = el("div", "cw-survey");
    survey.setAttribute("role", "group");
    survey.setAttribute("aria-label", String(data.question || ""));
    survey.setAttribute("data-handoff-id", String(data.handoff_id));
    survey.appendChild(el("p", "cw-survey__question", data.question));
    if (data.scale) { survey.appendChild(el("p", "cw-survey__scale", data.scale)); }
    var stars = el("div", "cw-survey__stars");
    var labels = Array.isArray(data.labels) ? data.labels : [];
    var buttons = [];
    for (var rating = 1; rating <= 5; rating++) {
      (function (value) {
        var button = el("button", "cw-survey__star", String(value));
        button.type = "button";
        button.setAttribute("aria-pressed", "false");
        button.setAttribute("aria-label", String(labels[value - 1] || value));
        button.addEventListener("click", function () {
          chosen = value;
          buttons.forEach(function (b, index) {
            b.setAttribute("aria-pressed", index + 1 === value ? "true" : "false");
            b.classList.toggle("cw-survey__star--on", index < value);
          });
        });
        buttons.push(button);
        stars.appendChild(button);
      }(rating));
    }
    survey.appendChild(stars);
    var commentId = "cw-survey-comment-" + data.handoff_id;
    var commentLabel = el("label", "cw-survey__label", data.comment_label);
    commentLabel.setAttribute("for", commentId);
    var comment = el("textarea", "cw-survey__comment");
    comment.id = commentId;
    comment.rows = 2;
    comment.maxLength = 1000;
    var send = el("button", "cw-survey__send", data.send);
    send.type = "button";
    var status = el("p", "cw-survey__status");
    status.setAttribute("role", "status");
    survey.appendChild(commentLabel);
    survey.appendChild(comment);
    survey.appendChild(send);
    survey.appendChild(status);
    send.addEventListener("click", function () {
      if (!chosen) { status.textContent = String(data.choose_first || ""); return; }
      if (!socket) { return; }
      send.disabled = true;
      socket.timeout(REPLY_WAIT_MS).emit("satisfaction", {
        handoff_id: data.handoff_id, rating: chosen, comment: comment.value.slice(0, 1000)
      }, function (error, answer) {
        var message = answer && typeof answer.message === "string" ? answer.message : "";
        if (!error && answer && answer.ok) {
          while (survey.firstChild) { survey.removeChild(survey.firstChild); }
          survey.classList.add("cw-survey--done");
          survey.appendChild(el("p", "cw-survey__thanks", message));
          return;
        }
        status.textContent = message || LABELS.unavailable;
        var final = answer && (answer.error === "already_rated" || answer.error === "not_rateable");
        send.disabled = Boolean(final);
      });
    });
    log.appendChild(survey);
    scrollToEnd(true);
    if (!isOpen()) { setUnread(unread + 1); }
  }

  // --- open, close, input ------------------------------------------------------------------

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 120) + "px";
  }

  function open() {
    panel.hidden = false;
    root.classList.add("cw--open");
    launcher.setAttribute("aria-expanded", "true");
    storageSet(window.sessionStorage, OPEN_KEY, "1");
    setUnread(0);
    connect();
    scrollToEnd(true);
    input.focus();
  }

  function close() {
    panel.hidden = true;
    root.classList.remove("cw--open");
    launcher.setAttribute("aria-expanded", "false");
    storageRemove(window.sessionStorage, OPEN_KEY);
    launcher.focus();
  }

  function startNewConversation() {
    storageRemove(window.localStorage, TOKEN_KEY);
    storageRemove(window.localStorage, SESSION_ID_KEY);
    outbox = [];
    awaitedTurn = 0;
    clearLog();
    renderWelcome();
    setTyping(false);
    if (socket) {
      // A socket is bound to one conversation: a fresh socket asks for a fresh one.
      socket.disconnect();
      ready = false;
      awaitingHistory = false;
      window.clearTimeout(historyTimer);
      socket.connect();
    } else {
      connect();
    }
    setStatus(LABELS.newConversation);
    window.setTimeout(function () {
      if (statusLine.textContent === LABELS.newConversation) { setStatus(""); }
    }, 4000);
    input.focus();
  }

  launcher.addEventListener("click", open);
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      if (confirmBox.hidden) { close(); } else { closeConfirm(); }
    }
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { onSubmit(event); }
    }
  });
  input.addEventListener("input", autoGrow);

  function onSubmit(event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) { input.focus(); return; }
    input.value = "";
    autoGrow();
    send(text);
    input.focus();
  }
  form.addEventListener("submit", onSubmit);

  // « Nouvelle conversation » asks first (in the widget): the current one would be gone.
  function closeConfirm() {
    confirmBox.hidden = true;
    newLink.focus();
  }
  newLink.addEventListener("click", function (event) {
    event.preventDefault();
    confirmBox.hidden = false;
    confirmNo.focus();
  });
  confirmNo.addEventListener("click", closeConfirm);
  confirmYes.addEventListener("click", function () {
    confirmBox.hidden = true;
    startNewConversation();
  });

  // --- demo page: who is logged in (display only) ---------------------------------------------

  var accountState = $("account-state");
  var shownId = displayedPlayerId(playerToken());
  if (accountState && shownId) {
    accountState.textContent = "Connecté · joueur " + shownId;
  } else if (accountState && playerToken()) {
    accountState.textContent = "Connecté";
  }

  // --- start ---------------------------------------------------------------------------

  if (!storageGet(window.localStorage, TOKEN_KEY)) {
    renderWelcome();  // a new conversation: greet before the player writes
  }
  if (storageGet(window.sessionStorage, OPEN_KEY) === "1") {
    open();
  } else if (storageGet(window.localStorage, TOKEN_KEY)) {
    // An ongoing conversation: stay connected so that an agent's reply shows up (badge).
    connect();
  }
})();
