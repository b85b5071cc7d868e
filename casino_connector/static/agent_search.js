/*
 * Agent console: past conversations (search, transcript, satisfaction) and alerts for a
 * new waiting conversation (sound and desktop notification). Loaded before agent.js (which
 * hands its socket over when it connects).
 *
 * HTTP (Authorization: Bearer TOKEN, the console's login in sessionStorage):
 *   GET /casino/agent/history?q=&by=auto|player|reference|text&offset=
 *       -> {by, results: [{reference, conversation_id, date, player_id, agent, outcome,
 *                          rating, comment, tickets}], offset, more}
 *   GET /casino/agent/history/<conversation_id> -> {transcript, results, ratings}
 *   GET /casino/agent/satisfaction/today -> {day, count, average}
 * socket.io (agent.js's socket, handed over by the "casino-agent:socket" window event):
 *   queue [...] (a waiting handoff this console never showed: beep + notification),
 *   satisfaction {conversation_id, handoff_id, rating, comment, agent, today}.
 *
 * Sound: a short Web Audio beep, unless muted (« Son » toggle, kept in localStorage).
 * Desktop notification: when the browser allows it (« Activer les notifications »).
 * A conversation the agent already saw (its handoff listed once in this browser, kept
 * in localStorage per agent) never alerts again, after a reload either.
 *
 * All text from players, the bot or the server is set with textContent.
 */
(function () {
  "use strict";

  var API = "/casino/agent";
  var TOKEN_KEY = "casinoAgent.token";
  var NAME_KEY = "casinoAgent.name";
  var MUTED_KEY = "casinoAgent.muted";
  var SEEN_PREFIX = "casinoAgent.seenHandoffs.";
  var MAX_SEEN = 500;

  var OUTCOME_LABEL = {
    waiting: "en attente", active: "en cours", handed_back: "rendue au bot",
    closed: "clôturée", ticket: "ticket"
  };
  var BY_LABEL = { player: "joueur", reference: "référence", text: "texte" };

  var $ = window.CasinoDom.$;
  var el = window.CasinoDom.el;
  var clear = window.CasinoDom.clear;

  function get(store, key) { try { return store.getItem(key); } catch (e) { return null; } }
  function put(store, key, value) { try { store.setItem(key, value); } catch (e) { /* private mode */ } }

  function token() { return get(window.sessionStorage, TOKEN_KEY); }
  function agentName() { return get(window.sessionStorage, NAME_KEY) || ""; }

  function dateTime(value) {
    var date = value ? new Date(value) : null;
    if (!date || isNaN(date.getTime())) { return value ? String(value) : "—"; }
    return date.toLocaleString("fr-FR", {
      day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit"
    });
  }

  function timeOnly(value) {
    var date = value ? new Date(value) : null;
    return date && !isNaN(date.getTime())
      ? date.toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" }) : "";
  }

  function average(value) {
    return Number(value).toLocaleString("fr-FR", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  }

  function api(path) {
    return window.fetch(API + path, {
      headers: { "Accept": "application/json", "Authorization": "Bearer " + (token() || "") },
      credentials: "same-origin"
    }).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (data) {
        if (!res.ok) {
          var error = new Error((data && data.error) || ("HTTP " + res.status));
          error.status = res.status;
          throw error;
        }
        return data;
      });
    });
  }

  var consoleView = $("console-view");
  var tablist = consoleView && consoleView.querySelector(".tabs");
  if (!consoleView || !tablist) { return; }

  // --- the « Historique » tab -------------------------------------------------------------

  var tab = el("button", "tab");
  tab.type = "button";
  tab.id = "tab-history";
  tab.setAttribute("role", "tab");
  tab.setAttribute("aria-controls", "panel-history");
  tab.setAttribute("aria-selected", "false");
  tab.tabIndex = -1;
  tab.textContent = "Historique";
  tablist.appendChild(tab);

  var panel = el("div", "tabpanel history");
  panel.id = "panel-history";
  panel.setAttribute("role", "tabpanel");
  panel.setAttribute("aria-labelledby", "tab-history");
  panel.hidden = true;
  consoleView.appendChild(panel);

  var card = el("section", "card");
  card.setAttribute("aria-labelledby", "history-title");
  panel.appendChild(card);
  var head = el("div", "card__head");
  var heading = el("h2", null, "Conversations passées");
  heading.id = "history-title";
  head.appendChild(heading);
  var today = el("p", "history__today");
  today.id = "satisfaction-today";
  today.setAttribute("role", "status");
  head.appendChild(today);
  card.appendChild(head);

  var form = el("form", "history__form");
  form.setAttribute("role", "search");
  form.autocomplete = "off";
  var byLabel = el("label", "visually-hidden", "Rechercher par");
  byLabel.setAttribute("for", "history-by");
  var by = el("select");
  by.id = "history-by";
  [["auto", "Tout"], ["player", "Joueur"], ["reference", "Référence"], ["text", "Texte des messages"]]
    .forEach(function (option) {
      var node = el("option", null, option[1]);
      node.value = option[0];
      by.appendChild(node);
    });
  var qLabel = el("label", "visually-hidden", "Rechercher une conversation");
  qLabel.setAttribute("for", "history-q");
  var q = el("input");
  q.id = "history-q";
  q.type = "search";
  q.maxLength = 100;
  q.placeholder = "Joueur (P1003), référence (H-12, T-2026-000123) ou texte d'un message";
  var go = el("button", "btn btn--primary", "Rechercher");
  go.type = "submit";
  [byLabel, by, qLabel, q, go].forEach(function (node) { form.appendChild(node); });
  card.appendChild(form);

  var statusLine = el("p", "muted history__status");
  statusLine.id = "history-status";
  statusLine.setAttribute("role", "status");
  card.appendChild(statusLine);

  var wrap = el("div", "table-wrap");
  var table = el("table", "tickets history__table");
  table.id = "history-table";
  var caption = el("caption", "visually-hidden", "Résultats de la recherche, les plus récents d'abord");
  table.appendChild(caption);
  var thead = el("thead");
  var headRow = el("tr");
  ["Date", "Joueur", "Conseiller", "Issue", "Note", "Référence", ""].forEach(function (name) {
    var th = el("th", null, name);
    th.setAttribute("scope", "col");
    headRow.appendChild(th);
  });
  thead.appendChild(headRow);
  table.appendChild(thead);
  var tbody = el("tbody");
  tbody.id = "history-body";
  table.appendChild(tbody);
  wrap.appendChild(table);
  wrap.hidden = true;
  card.appendChild(wrap);
  var more = el("button", "btn btn--small history__more", "Résultats suivants");
  more.type = "button";
  more.hidden = true;
  card.appendChild(more);

  var detail = el("section", "card history__detail");
  detail.id = "history-detail";
  detail.setAttribute("aria-labelledby", "history-detail-title");
  detail.hidden = true;
  panel.appendChild(detail);

  // Tabs: agent.js manages its own two; this one hides them and is hidden by them.
  function otherTabs() {
    return Array.prototype.filter.call(tablist.querySelectorAll("[role=tab]"),
      function (t) { return t !== tab; });
  }
  function showHistory(focus) {
    otherTabs().forEach(function (t) {
      t.setAttribute("aria-selected", "false");
      t.tabIndex = -1;
      var controlled = $(t.getAttribute("aria-controls"));
      if (controlled) { controlled.hidden = true; }
    });
    tab.setAttribute("aria-selected", "true");
    tab.tabIndex = 0;
    panel.hidden = false;
    if (focus) { tab.focus(); }
    loadToday();
  }
  function hideHistory() {
    tab.setAttribute("aria-selected", "false");
    tab.tabIndex = -1;
    panel.hidden = true;
  }
  tab.addEventListener("click", function () { showHistory(false); });
  otherTabs().forEach(function (t) { t.addEventListener("click", hideHistory); });
  tab.addEventListener("keydown", function (event) {
    var tabs = otherTabs();
    if (event.key === "ArrowLeft" && tabs.length) { hideHistory(); tabs[tabs.length - 1].click(); tabs[tabs.length - 1].focus(); }
    if (event.key === "ArrowRight" && tabs.length) { hideHistory(); tabs[0].click(); tabs[0].focus(); }
  });

  // --- satisfaction of the day -------------------------------------------------------------

  function showToday(summary) {
    if (!summary || typeof summary !== "object") { return; }
    today.textContent = summary.count
      ? "Satisfaction aujourd'hui : " + average(summary.average) + " / 5 (" + summary.count +
        (summary.count === 1 ? " avis)" : " avis)")
      : "Satisfaction aujourd'hui : aucun avis pour le moment.";
  }

  function loadToday() {
    if (!token()) { return; }
    api("/satisfaction/today").then(showToday).catch(function () { /* shown at the next try */ });
  }

  // --- search ---------------------------------------------------------------------------------

  var lastQuery = null;

  function ratingText(rating) { return typeof rating === "number" ? rating + " / 5" : "—"; }

  function renderResults(data, append) {
    var results = data && Array.isArray(data.results) ? data.results : [];
    if (!append) { clear(tbody); }
    results.forEach(function (r) {
      var tr = el("tr", "history__row");
      tr.setAttribute("data-conversation-id", r.conversation_id || "");
      tr.setAttribute("data-reference", r.reference || "");
      var date = el("th", null, dateTime(r.date));
      date.setAttribute("scope", "row");
      tr.appendChild(date);
      tr.appendChild(el("td", null, r.player_id || "anonyme"));
      tr.appendChild(el("td", null, r.agent || "—"));
      tr.appendChild(el("td", null, OUTCOME_LABEL[r.outcome] || r.outcome || "—"));
      var rating = el("td", "history__rating", ratingText(r.rating));
      if (r.comment) { rating.appendChild(el("div", "muted history__comment", "« " + r.comment + " »")); }
      tr.appendChild(rating);
      var refs = [r.reference].concat((r.tickets || []).filter(function (t) { return t !== r.reference; }));
      tr.appendChild(el("td", "ticket__ref", refs.filter(Boolean).join(" · ")));
      var actions = el("td");
      if (r.conversation_id) {
        var open = el("button", "btn btn--small", "Voir");
        open.type = "button";
        open.setAttribute("aria-label", "Voir la conversation " + (r.reference || ""));
        open.addEventListener("click", function () { openDetail(r.conversation_id, r.reference); });
        actions.appendChild(open);
      }
      tr.appendChild(actions);
      tbody.appendChild(tr);
    });
    var shown = tbody.querySelectorAll("tr").length;
    wrap.hidden = shown === 0;
    more.hidden = !(data && data.more);
    statusLine.textContent = shown
      ? shown + (shown === 1 ? " conversation trouvée" : " conversations trouvées") +
        " (recherche par " + (BY_LABEL[data.by] || data.by) + ")."
      : "Aucune conversation trouvée.";
  }

  function runSearch(offset) {
    var query = lastQuery;
    if (!query) { return; }
    statusLine.textContent = "Recherche…";
    api("/history?q=" + encodeURIComponent(query.q) + "&by=" + encodeURIComponent(query.by) +
        "&offset=" + offset).then(function (data) {
      if (query !== lastQuery) { return; }
      query.offset = offset;
      renderResults(data, offset > 0);
    }).catch(function (error) {
      statusLine.textContent = error && error.status === 400
        ? "Recherche trop courte ou trop longue (2 à 100 caractères)."
        : "Recherche impossible pour le moment.";
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = q.value.trim();
    if (text.length < 2) {
      statusLine.textContent = "Tapez au moins 2 caractères.";
      q.focus();
      return;
    }
    lastQuery = { q: text, by: by.value, offset: 0 };
    detail.hidden = true;
    runSearch(0);
  });
  more.addEventListener("click", function () {
    if (lastQuery) { runSearch(lastQuery.offset + tbody.querySelectorAll("tr").length); }
  });

  // --- a past conversation -------------------------------------------------------------------

  function senderLabel(line) {
    if (line.sender === "user") { return "Joueur" + (line.button ? " · bouton choisi" : ""); }
    if (line.sender === "agent") { return "Conseiller · " + (line.agent || "?"); }
    return "Bot";
  }

  function lineNode(line) {
    var sender = line.sender === "user" || line.sender === "agent" ? line.sender : "bot";
    var node = el("div", "line line--" + sender);
    var at = timeOnly(line.at);
    node.appendChild(el("p", "line__who", senderLabel(line) + (at ? " · " + at : "")));
    node.appendChild(el("p", "line__text", typeof line.text === "string" ? line.text : ""));
    var buttons = Array.isArray(line.buttons) ? line.buttons : [];
    if (buttons.length) {
      node.appendChild(el("p", "line__buttons", "Boutons proposés : " + buttons.map(function (b) {
        return b && (b.title || b.payload) ? String(b.title || b.payload) : "";
      }).filter(Boolean).join(" · ")));
    }
    return node;
  }

  function ratingNode(rating) {
    var text = "Note du joueur : " + ratingText(rating.rating) +
      (rating.agent ? " (conseiller " + rating.agent + ")" : "") +
      (rating.comment ? " — « " + rating.comment + " »" : "");
    var node = el("p", "history__rating-line", text);
    node.setAttribute("data-handoff-id", String(rating.handoff_id));
    return node;
  }

  function openDetail(conversationId, reference) {
    clear(detail);
    detail.hidden = false;
    var title = el("h3", null, "Conversation " + (reference || conversationId));
    title.id = "history-detail-title";
    detail.appendChild(title);
    var loading = el("p", "muted", "Chargement…");
    detail.appendChild(loading);
    api("/history/" + encodeURIComponent(conversationId)).then(function (data) {
      detail.removeChild(loading);
      (data.ratings || []).forEach(function (rating) { detail.appendChild(ratingNode(rating)); });
      if (!(data.ratings || []).length) { detail.appendChild(el("p", "muted", "Pas de note du joueur.")); }
      var log = el("div", "transcript history__transcript");
      log.setAttribute("role", "log");
      log.setAttribute("aria-label", "Échange passé avec le joueur");
      log.tabIndex = 0;
      var lines = Array.isArray(data.transcript) ? data.transcript : [];
      if (!lines.length) { log.appendChild(el("p", "transcript__empty", "Aucun message.")); }
      lines.forEach(function (line) { if (line && typeof line === "object") { log.appendChild(lineNode(line)); } });
      detail.appendChild(log);
      var close = el("button", "btn btn--small", "Fermer");
      close.type = "button";
      close.addEventListener("click", function () { detail.hidden = true; });
      detail.appendChild(close);
      detail.scrollIntoView({ block: "nearest" });
    }).catch(function () {
      loading.textContent = "Conversation introuvable ou illisible.";
    });
  }

  // --- alerts: sound and desktop notification ------------------------------------------------

  var sessionArea = $("session-area");
  var logoutButton = $("logout");
  var mute = el("button", "btn btn--ghost");
  mute.type = "button";
  mute.id = "sound-toggle";
  var notifyButton = el("button", "btn btn--ghost", "Activer les notifications");
  notifyButton.type = "button";
  notifyButton.id = "notify-toggle";
  notifyButton.hidden = true;
  if (sessionArea) {
    sessionArea.insertBefore(mute, logoutButton || null);
    sessionArea.insertBefore(notifyButton, logoutButton || null);
  }

  function muted() { return get(window.localStorage, MUTED_KEY) === "1"; }

  function renderMute() {
    var off = muted();
    mute.textContent = off ? "Son coupé" : "Son activé";
    mute.setAttribute("aria-pressed", off ? "true" : "false");
    mute.title = off ? "Réactiver le son des nouvelles conversations"
      : "Couper le son des nouvelles conversations";
  }

  mute.addEventListener("click", function () {
    put(window.localStorage, MUTED_KEY, muted() ? "0" : "1");
    renderMute();
    unlockAudio();
  });
  window.addEventListener("storage", function (event) { if (event.key === MUTED_KEY) { renderMute(); } });
  renderMute();

  function notificationsSupported() { return typeof window.Notification === "function"; }

  function renderNotifyButton() {
    notifyButton.hidden = !notificationsSupported() || window.Notification.permission !== "default";
  }
  notifyButton.addEventListener("click", function () {
    if (!notificationsSupported()) { return; }
    var asked = window.Notification.requestPermission(function () { renderNotifyButton(); });
    if (asked && typeof asked.then === "function") { asked.then(renderNotifyButton, renderNotifyButton); }
  });
  renderNotifyButton();

  var audio = null;
  function unlockAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return null; }
    try {
      if (!audio) { audio = new Context(); }
      if (audio.state === "suspended" && typeof audio.resume === "function") { audio.resume(); }
    } catch (e) { audio = null; }
    return audio;
  }
  // Browsers start sound only after a gesture on the page: the first click or key does it.
  document.addEventListener("click", unlockAudio, { once: true, capture: true });
  document.addEventListener("keydown", unlockAudio, { once: true, capture: true });

  function beep() {
    var context = unlockAudio();
    if (!context) { return false; }
    try {
      var now = context.currentTime;
      [0, 0.22].forEach(function (delay) {
        var oscillator = context.createOscillator();
        var gain = context.createGain();
        oscillator.type = "sine";
        oscillator.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, now + delay);
        gain.gain.exponentialRampToValueAtTime(0.2, now + delay + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, now + delay + 0.18);
        oscillator.connect(gain);
        gain.connect(context.destination);
        oscillator.start(now + delay);
        oscillator.stop(now + delay + 0.2);
      });
      return true;
    } catch (e) { return false; }
  }

  function count(attribute) {
    var value = Number(document.body.getAttribute(attribute) || "0") + 1;
    document.body.setAttribute(attribute, String(value));
  }

  function seenKey() { return SEEN_PREFIX + agentName(); }
  function seenList() {
    try {
      var list = JSON.parse(get(window.localStorage, seenKey()) || "[]");
      return Array.isArray(list) ? list : [];
    } catch (e) { return []; }
  }

  /** Alert once per waiting handoff this browser never listed for this agent. */
  function onQueue(items) {
    if (!Array.isArray(items) || !agentName()) { return; }
    var seen = seenList();
    var fresh = items.filter(function (item) {
      return item && item.status === "waiting" && typeof item.handoff_id === "number" &&
        seen.indexOf(item.handoff_id) < 0;
    });
    if (!fresh.length) { return; }
    fresh.forEach(function (item) { seen.push(item.handoff_id); });
    put(window.localStorage, seenKey(), JSON.stringify(seen.slice(-MAX_SEEN)));
    count("data-new-conversation-alerts");
    if (!muted() && beep()) { count("data-sounds-played"); }
    if (notificationsSupported() && window.Notification.permission === "granted") {
      var first = fresh[0];
      try {
        var notification = new window.Notification(
          fresh.length === 1 ? "Nouvelle conversation en attente" : fresh.length + " nouvelles conversations en attente", {
            body: (first.player_id ? "Joueur " + first.player_id : "Joueur anonyme") +
              (fresh.length > 1 ? " et " + (fresh.length - 1) + " autre(s)" : ""),
            tag: "casino-queue-" + first.handoff_id
          });
        notification.onclick = function () {
          window.focus();
          var item = document.querySelector(".queue-item[data-conversation-id='" +
            String(first.conversation_id).replace(/['\\]/g, "") + "']");
          if (item) { item.click(); }
          notification.close();
        };
        count("data-notifications-shown");
      } catch (e) { /* notifications unavailable here */ }
    }
  }

  // A rating arrives: the day's average, and the open conversation shows it.
  function onSatisfaction(data) {
    if (!data || typeof data !== "object") { return; }
    showToday(data.today);
    var title = $("conversation-title");
    var transcript = $("transcript");
    if (title && transcript && title.getAttribute("title") === data.conversation_id) {
      var node = ratingNode(data);
      node.className = "history__rating-line line--rating";
      transcript.appendChild(node);
      transcript.scrollTop = transcript.scrollHeight;
    }
    if (!panel.hidden && lastQuery) { runSearch(0); }
  }

  window.addEventListener("casino-agent:socket", function (event) {
    var socket = event.detail;
    if (!socket || typeof socket.on !== "function") { return; }
    socket.on("queue", onQueue);
    socket.on("satisfaction", onSatisfaction);
    socket.on("connect", loadToday);
  });
}());
