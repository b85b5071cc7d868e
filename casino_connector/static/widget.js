/*
 * Casino Lumière support chat widget (plain JS, no framework).
 *
 * Protocol (docs/escalation.md): socket.io on path /socket.io/, websocket transport only.
 *   session_request {session_token?} -> session_confirm {session_id, session_token}
 *   history_request                  -> history [{sender, text, agent?, buttons?}]
 *   user_uttered {message, customData: {player_token?}}
 *   server -> widget: bot_uttered {text, buttons?|quick_replies?, sender, agent?}, typing {on}
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
  var empty = $("cw-empty");
  var statusLine = $("cw-status");
  var typing = $("cw-typing");
  var typingText = $("cw-typing-text");
  var form = $("cw-form");
  var input = $("cw-input");
  var newLink = $("cw-new");

  // --- state ---------------------------------------------------------------------

  var socket = null;
  var ready = false;          // session confirmed and its history shown on the current socket
  var outbox = [];            // messages typed before that: sent once the history is shown
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
      typingTimer = window.setTimeout(function () { typing.hidden = true; }, TYPING_TIMEOUT_MS);
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

  /**
   * Append one message. `message`: {sender: user|bot|agent, text, agent?, buttons?}.
   * `activeButtons`: whether its quick replies can still be used.
   */
  function renderMessage(message, activeButtons) {
    var sender = message.sender === "user" || message.sender === "agent" ? message.sender : "bot";
    var text = typeof message.text === "string" ? message.text : "";
    var buttons = sender === "user" ? [] : messageButtons(message);
    if (!text && buttons.length === 0) { return null; }
    empty.hidden = true;

    var who = senderLabel(sender, message.agent);
    var item = el("div", "cw-msg cw-msg--" + sender);
    item.setAttribute("data-who", who);
    var previous = log.querySelector(".cw-msg:last-of-type");
    // Consecutive messages of one sender: the name is shown once (still read aloud).
    var repeated = previous && previous.getAttribute("data-who") === who;
    if (repeated) { item.classList.add("cw-msg--cont"); }
    item.appendChild(el("p", "cw-msg__who" + (repeated ? " visually-hidden" : ""), who));
    if (text) {
      item.appendChild(el("p", "cw-msg__text", text));
    }
    if (buttons.length) {
      var group = el("div", "cw-buttons");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", LABELS.quickReplies);
      buttons.forEach(function (button) {
        var title = typeof button.title === "string" && button.title ? button.title : button.payload;
        var payload = typeof button.payload === "string" && button.payload ? button.payload : title;
        var node = el("button", "cw-quick", title);
        node.type = "button";
        node.disabled = !activeButtons;
        node.addEventListener("click", function () {
          if (node.disabled) { return; }
          disableAllQuickReplies();
          node.classList.add("cw-quick--chosen");
          send(payload, title);
          input.focus(); // the clicked button is now disabled: keep the focus in the chat
        });
        group.appendChild(node);
      });
      item.appendChild(group);
    }
    if (sender !== "user") { lastSender = sender; }
    log.appendChild(item);
    return item;
  }

  function clearLog() {
    var items = log.querySelectorAll(".cw-msg");
    for (var i = 0; i < items.length; i++) { items[i].parentNode.removeChild(items[i]); }
    empty.hidden = false;
  }

  /** The history replaces the log; a message typed before it arrived (kept in the outbox,
   * shown as pending) is shown after it and only then sent, so the history can never wipe
   * it out. A history that comes after the fallback delay is ignored for the same reason. */
  function renderHistory(data) {
    if (!awaitingHistory) { return; }
    var messages = Array.isArray(data) ? data : (data && Array.isArray(data.messages) ? data.messages : []);
    clearLog();
    messages.forEach(function (message, index) {
      if (!message || typeof message !== "object") { return; }
      var isLast = index === messages.length - 1;
      renderMessage(message, isLast && message.sender !== "user");
    });
    becomeReady(true);
  }

  /** Session confirmed and history shown (or given up on): send what the player typed meanwhile. */
  function becomeReady(historyShown) {
    awaitingHistory = false;
    window.clearTimeout(historyTimer);
    var pending = outbox;
    outbox = [];
    if (pending.length) { disableAllQuickReplies(); }
    pending.forEach(function (entry) {
      if (historyShown) {
        renderMessage({ sender: "user", text: entry.display }, false);
      } else if (entry.item) {
        entry.item.classList.remove("cw-msg--pending");
      }
      emitUserMessage(entry.message);
    });
    root.setAttribute("data-session-ready", "true");
    ready = true;
    scrollToEnd(true);
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
    historyTimer = window.setTimeout(function () { becomeReady(false); }, HISTORY_WAIT_MS);
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
    socket.on("typing", function (data) {
      setTyping(Boolean(data && data.on), data && data.sender);
    });
    socket.on("disconnect", function (reason) {
      ready = false;
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

  function emitUserMessage(message) {
    var token = playerToken();
    var customData = token ? { player_token: token } : {};
    socket.emit("user_uttered", { message: message, customData: customData });
  }

  /** Send `message` (typed text or a quick-reply payload), showing `display` as the player's words. */
  function send(message, display) {
    message = String(message || "").slice(0, MAX_LENGTH);
    if (!message.trim()) { return; }
    display = display || message;
    disableAllQuickReplies();
    connect();
    if (socket && ready) {
      renderMessage({ sender: "user", text: display }, false);
      scrollToEnd(true);
      emitUserMessage(message);
    } else {
      var item = renderMessage({ sender: "user", text: display }, false);
      if (item) { item.classList.add("cw-msg--pending"); }
      outbox.push({ message: message, display: display, item: item });
      scrollToEnd(true);
    }
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
    clearLog();
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
      close();
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

  newLink.addEventListener("click", function (event) {
    event.preventDefault();
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

  if (storageGet(window.sessionStorage, OPEN_KEY) === "1") {
    open();
  } else if (storageGet(window.localStorage, TOKEN_KEY)) {
    // An ongoing conversation: stay connected so that an agent's reply shows up (badge).
    connect();
  }
})();
