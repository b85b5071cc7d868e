/*
 * Desk tools of the agent console (loaded before agent.js, which calls the hooks below):
 *   - typing: while the agent holding the conversation types, agent_typing {conversation_id,
 *     on} (repeated at most every 3 s, stopped after 4 s without typing or on sending);
 *     the player's widget shows « Le conseiller écrit… »;
 *   - canned replies (canned_replies.yml, filled by the server): « / » then the shortcut in
 *     the reply field, or Ctrl+Espace / the « Réponses types » button for the list; the text
 *     is inserted in the field, editable before sending; placeholders left ({prenom}) are
 *     pointed out;
 *   - internal notes: agent_note {conversation_id, text}, shown to agents only;
 *   - a confirmation dialog before closing a conversation (Escape cancels).
 * All text from the server is set with textContent.
 */
(function () {
  "use strict";

  var TYPING_REPEAT_MS = 3000;
  var TYPING_IDLE_MS = 4000;
  var SLASH_TOKEN = /(^|\s)\/([a-z0-9_-]*)$/i;
  var PLACEHOLDER = /\{[A-Za-z_][A-Za-z0-9_]*\}/g;

  var $ = window.CasinoDom.$;
  var el = window.CasinoDom.el;

  var app = null;            // what agent.js gives (emit, setNotice, selectedId, me, replyInput)
  var socket = null;
  var current = { conversation_id: null, mine: false };

  // --- typing -----------------------------------------------------------------------------

  var typingConversation = null;
  var lastTypingSent = 0;
  var idleTimer = null;

  function sendTyping(conversationId, on) {
    if (socket && socket.connected && conversationId) {
      socket.emit("agent_typing", { conversation_id: conversationId, on: on });
    }
  }

  function typingStart() {
    if (!current.mine || !current.conversation_id) { return; }
    var now = Date.now();
    if (typingConversation !== current.conversation_id || now - lastTypingSent > TYPING_REPEAT_MS) {
      if (typingConversation && typingConversation !== current.conversation_id) {
        sendTyping(typingConversation, false);
      }
      typingConversation = current.conversation_id;
      lastTypingSent = now;
      sendTyping(typingConversation, true);
    }
    window.clearTimeout(idleTimer);
    idleTimer = window.setTimeout(typingStop, TYPING_IDLE_MS);
  }

  function typingStop() {
    window.clearTimeout(idleTimer);
    if (typingConversation) { sendTyping(typingConversation, false); }
    typingConversation = null;
    lastTypingSent = 0;
  }

  // --- canned replies --------------------------------------------------------------------

  var replies = null;        // [{shortcut, title, text, missing}] for repliesFor
  var repliesFor = null;
  var loading = false;
  var list = null, openButton = null, missingLine = null;
  var listOpen = false, mode = "slash", filter = "", active = 0, tokenStart = 0, shown = [];

  function loadReplies(then) {
    var conversationId = current.conversation_id;
    if (!conversationId || !current.mine || loading || !socket || !socket.connected) { return; }
    loading = true;
    app.emit("agent_canned_replies", { conversation_id: conversationId }, function (ok, answer) {
      loading = false;
      if (ok && answer && Array.isArray(answer.replies)) {
        replies = answer.replies;
        repliesFor = conversationId;
      }
      if (then) { then(); }
    });
  }

  function matching() {
    if (!replies) { return []; }
    var f = filter.toLowerCase();
    if (!f) { return replies.slice(); }
    var byShortcut = replies.filter(function (r) { return r.shortcut.indexOf(f) === 0; });
    var byTitle = replies.filter(function (r) {
      return byShortcut.indexOf(r) < 0 && (r.title.toLowerCase().indexOf(f) >= 0 || r.shortcut.indexOf(f) >= 0);
    });
    return byShortcut.concat(byTitle);
  }

  function renderList() {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var input = app.replyInput;
    if (repliesFor !== current.conversation_id) {
      list.appendChild(el("li", "canned__empty", "Chargement…"));
      input.removeAttribute("aria-activedescendant");
      return;
    }
    shown = matching();
    if (active >= shown.length) { active = Math.max(0, shown.length - 1); }
    if (!shown.length) {
      list.appendChild(el("li", "canned__empty", "Aucune réponse type pour « /" + filter + " »."));
      input.removeAttribute("aria-activedescendant");
      return;
    }
    shown.forEach(function (reply, index) {
      var item = el("li", "canned__item");
      item.id = "canned-item-" + index;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", index === active ? "true" : "false");
      item.setAttribute("data-shortcut", reply.shortcut);
      item.appendChild(el("span", "canned__shortcut", "/" + reply.shortcut));
      item.appendChild(el("span", "canned__title", reply.title));
      item.appendChild(el("span", "canned__preview", reply.text));
      item.addEventListener("mousedown", function (event) { event.preventDefault(); });
      item.addEventListener("click", function () { insert(reply); });
      list.appendChild(item);
      if (index === active) {
        input.setAttribute("aria-activedescendant", item.id);
        if (item.scrollIntoView) { item.scrollIntoView({ block: "nearest" }); }
      }
    });
  }

  function openList(newMode, newFilter, start) {
    mode = newMode;
    filter = newFilter || "";
    tokenStart = start || 0;
    if (!listOpen) { active = 0; }
    listOpen = true;
    list.hidden = false;
    openButton.setAttribute("aria-expanded", "true");
    app.replyInput.setAttribute("aria-expanded", "true");
    if (repliesFor !== current.conversation_id) { loadReplies(function () { if (listOpen) { renderList(); } }); }
    renderList();
  }

  function closeList() {
    listOpen = false;
    if (list) { list.hidden = true; }
    if (openButton) { openButton.setAttribute("aria-expanded", "false"); }
    if (app) {
      app.replyInput.setAttribute("aria-expanded", "false");
      app.replyInput.removeAttribute("aria-activedescendant");
    }
  }

  function showMissing() {
    var found = (app.replyInput.value.match(PLACEHOLDER) || []).filter(function (name, index, all) {
      return all.indexOf(name) === index;
    });
    missingLine.textContent = found.length
      ? "À compléter avant l'envoi : " + found.join(", ") + "." : "";
  }

  function insert(reply) {
    var input = app.replyInput;
    var value = input.value;
    var start = mode === "slash" ? tokenStart : input.selectionStart;
    var end = mode === "slash" ? input.selectionStart : input.selectionEnd;
    input.value = value.slice(0, start) + reply.text + value.slice(end);
    var caret = start + reply.text.length;
    closeList();
    input.focus();
    input.setSelectionRange(caret, caret);
    showMissing();
    typingStart();
  }

  function slashToken() {
    var input = app.replyInput;
    if (input.selectionStart !== input.selectionEnd) { return null; }
    var before = input.value.slice(0, input.selectionStart);
    var match = SLASH_TOKEN.exec(before);
    if (!match) { return null; }
    return { filter: match[2], start: input.selectionStart - match[2].length - 1 };
  }

  function onInput() {
    var input = app.replyInput;
    var token = current.mine ? slashToken() : null;
    if (token) {
      openList("slash", token.filter, token.start);
    } else if (listOpen && mode === "slash") {
      closeList();
    } else if (listOpen) {
      renderList();
    }
    showMissing();
    if (input.value.trim() && !token) { typingStart(); } else if (!input.value.trim()) { typingStop(); }
  }

  function onKeydown(event) {
    if (event.target !== app.replyInput) { return; }
    var ctrlSpace = event.ctrlKey && (event.key === " " || event.code === "Space");
    if (ctrlSpace) {
      event.preventDefault();
      event.stopPropagation();
      if (current.mine) { if (listOpen) { closeList(); } else { openList("all", "", 0); } }
      return;
    }
    if (!listOpen) { return; }
    var handled = true;
    if (event.key === "ArrowDown") {
      active = shown.length ? (active + 1) % shown.length : 0;
      renderList();
    } else if (event.key === "ArrowUp") {
      active = shown.length ? (active - 1 + shown.length) % shown.length : 0;
      renderList();
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && !event.isComposing) {
      if (shown[active]) { insert(shown[active]); } else if (event.key === "Enter") { handled = false; closeList(); }
    } else if (event.key === "Escape") {
      closeList();
    } else {
      handled = false;
    }
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  }

  // --- notes --------------------------------------------------------------------------------

  var noteForm = null, noteInput = null, noteButton = null;

  function addNote() {
    var text = noteInput.value.trim();
    var conversationId = current.conversation_id;
    if (!text || !conversationId) { return; }
    noteButton.disabled = true;
    var sent = app.emit("agent_note", { conversation_id: conversationId, text: text }, function (ok) {
      noteButton.disabled = !current.conversation_id;
      if (ok) {
        noteInput.value = "";
        app.setNotice("Note interne ajoutée (visible des conseillers seulement).");
      }
    });
    if (!sent) { noteButton.disabled = false; }
  }

  // --- close confirmation --------------------------------------------------------------

  var dialog = null, pendingClose = null, returnFocus = null;

  function confirmClose(closeIt, button) {
    if (!dialog || typeof dialog.showModal !== "function") { return false; }
    pendingClose = closeIt;
    returnFocus = button || null;
    dialog.showModal();
    $("close-dialog-cancel").focus();
    return true;
  }

  function setUpDialog() {
    dialog = $("close-dialog");
    if (!dialog) { return; }
    $("close-dialog-cancel").addEventListener("click", function () { dialog.close("cancel"); });
    $("close-dialog-confirm").addEventListener("click", function () { dialog.close("confirm"); });
    dialog.addEventListener("close", function () {
      var closeIt = pendingClose;
      pendingClose = null;
      if (dialog.returnValue === "confirm" && closeIt) {
        closeIt();
      } else if (returnFocus && !returnFocus.disabled) {
        returnFocus.focus();
      }
      dialog.returnValue = "";
    });
  }

  // --- hooks called by agent.js -----------------------------------------------------------

  window.CasinoAgentTools = {
    attach: function (api) {
      app = api;
      list = $("canned-list");
      openButton = $("canned-open");
      missingLine = $("canned-missing");
      noteForm = $("note-form");
      noteInput = $("note-input");
      noteButton = $("note-add");
      var input = app.replyInput;
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-controls", "canned-list");
      input.setAttribute("aria-expanded", "false");
      input.addEventListener("input", onInput);
      input.addEventListener("blur", function () {
        window.setTimeout(function () { if (document.activeElement !== input) { closeList(); } }, 150);
      });
      // On the form, in the capture phase: before agent.js's « Enter sends ».
      input.form.addEventListener("keydown", onKeydown, true);
      openButton.addEventListener("mousedown", function (event) { event.preventDefault(); });
      openButton.addEventListener("click", function () {
        if (!current.mine) { return; }
        input.focus();
        if (listOpen) { closeList(); } else { openList("all", "", 0); }
      });
      noteForm.addEventListener("submit", function (event) { event.preventDefault(); addNote(); });
      noteInput.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          addNote();
        }
      });
      setUpDialog();
      this.conversation({ conversation_id: null, mine: false });
    },
    socket: function (newSocket) { socket = newSocket; },
    conversation: function (state) {
      var changed = state.conversation_id !== current.conversation_id;
      if (changed || !state.mine) { typingStop(); }
      if (changed) {
        closeList();
        replies = null;
        repliesFor = null;
        if (missingLine) { missingLine.textContent = ""; }
      }
      var becameMine = state.mine && (!current.mine || changed);
      current = { conversation_id: state.conversation_id, mine: Boolean(state.mine) };
      if (openButton) { openButton.disabled = !current.mine; }
      if (!current.mine) { closeList(); }
      if (noteInput) {
        noteInput.disabled = !current.conversation_id;
        noteButton.disabled = !current.conversation_id;
      }
      if (becameMine) { loadReplies(null); }
    },
    replySent: function () {
      typingStop();
      closeList();
      if (missingLine) { missingLine.textContent = ""; }
    },
    confirmClose: confirmClose
  };
})();
