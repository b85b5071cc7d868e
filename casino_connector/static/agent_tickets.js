/*
 * Agent console: one ticket opened from the tickets tab (plain JS, loaded after agent.js,
 * whose helpers it uses through window.CasinoConsole).
 *
 * HTTP (casino_connector/agent_tickets.py):
 *   GET  /casino/agent/tickets/<ref>          the ticket, transcript, account_snapshot,
 *                                             events (reply / note / status), mails
 *   POST /casino/agent/tickets/<ref>/reply    {text}: an e-mail to the player (outbox)
 *   POST /casino/agent/tickets/<ref>/notes    {text}: an internal note
 *   POST /casino/agent/tickets/<ref>/status   {status: open | pending | solved}
 *   POST /casino/agent/mails/<id>/retry       a failed e-mail queued again
 *
 * The deadline is shown as the server wrote it, in the operator's time zone with the
 * zone's name (due_local); other times are also shown in that zone. All text is set
 * with textContent.
 */
(function () {
  "use strict";

  var C = window.CasinoConsole;
  if (!C) { return; }
  var el = C.el;

  var STATUS = [
    ["open", "Ouvert"],
    ["pending", "En attente du joueur"],
    ["solved", "Résolu"]
  ];
  var STATUS_LABEL = { open: "Ouvert", pending: "En attente du joueur", solved: "Résolu", closed: "Résolu" };
  var MAIL_KIND = { ticket_ack: "Accusé de réception", ticket_reply: "Réponse" };
  var MAIL_STATUS = { queued: ["en file d'envoi", "warn"], sent: ["envoyé", "ok"], failed: ["échec", "bad"] };
  var REFRESH_MS = 4000;

  var root = document.getElementById("ticket-view");
  if (!root) { return; }
  var current = null;        // the ticket shown
  var timer = null;

  function zoned(value, tz) {
    if (!value) { return "—"; }
    var date = new Date(value);
    if (isNaN(date.getTime())) { return String(value); }
    try {
      return date.toLocaleString("fr-FR", {
        timeZone: tz || undefined, day: "2-digit", month: "2-digit", year: "numeric",
        hour: "2-digit", minute: "2-digit"
      });
    } catch (e) { return C.dateTime(value); }
  }

  function section(title, className) {
    var node = el("section", "ticket-view__section" + (className ? " " + className : ""));
    node.appendChild(el("h3", null, title));
    return node;
  }

  function form(id, labelText, buttonText, rows, onSubmit, disabledWhy) {
    var f = el("form", "ticket-form");
    f.id = id;
    f.setAttribute("autocomplete", "off");
    var label = el("label", null, labelText);
    label.setAttribute("for", id + "-input");
    f.appendChild(label);
    var row = el("div", "reply__row");
    var area = el("textarea");
    area.id = id + "-input";
    area.rows = rows;
    area.maxLength = 8000;
    var button = el("button", "btn btn--primary", buttonText);
    button.type = "submit";
    button.id = id + "-submit";
    if (disabledWhy) {
      area.disabled = true;
      button.disabled = true;
      f.appendChild(el("p", "muted", disabledWhy));
    }
    row.appendChild(area);
    row.appendChild(button);
    f.appendChild(row);
    f.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = area.value.trim();
      if (!text) { area.focus(); return; }
      button.disabled = true;
      onSubmit(text).then(function () { area.value = ""; }).catch(function () { /* shown */ })
        .then(function () { button.disabled = false; });
    });
    return f;
  }

  function post(path, payload, what) {
    return C.api("POST", "/tickets/" + encodeURIComponent(current.reference) + path, payload)
      .catch(function (error) { C.handleError(error, what); throw error; });
  }

  function mailLine(mail, tz) {
    var li = el("li", "ticket-mail");
    li.setAttribute("data-mail-status", mail.status);
    var state = MAIL_STATUS[mail.status] || [mail.status, "warn"];
    li.appendChild(el("span", null, (MAIL_KIND[mail.kind] || mail.kind) + " → " + mail.to_address +
      " · " + zoned(mail.sent_at || mail.created_at, tz)));
    var right = el("span");
    right.appendChild(C.badge(state[0] + (mail.status === "queued" && mail.attempts ? " (tentative " + (mail.attempts + 1) + ")" : ""), state[1]));
    if (mail.status === "failed") {
      var retry = el("button", "btn btn--small", "Renvoyer");
      retry.type = "button";
      retry.addEventListener("click", function () {
        retry.disabled = true;
        C.api("POST", "/mails/" + encodeURIComponent(mail.id) + "/retry", {}).then(function () {
          C.setNotice("E-mail remis dans la file d'envoi.");
          refresh();
        }).catch(function (error) { retry.disabled = false; C.handleError(error, "Impossible de renvoyer l'e-mail"); });
      });
      right.appendChild(retry);
    }
    li.appendChild(right);
    if (mail.last_error && mail.status !== "sent") {
      li.appendChild(el("span", "muted ticket-mail__error", "Dernière erreur : " + mail.last_error));
    }
    return li;
  }

  function eventNode(event, mails, tz) {
    var kind = event.kind;
    var who = String(event.author || "").replace(/^agent:/, "");
    var node = el("li", "ticket-event ticket-event--" + kind);
    node.setAttribute("data-kind", kind);
    var title;
    if (kind === "reply") { title = "Réponse par e-mail · " + who; }
    else if (kind === "note") { title = "Note interne · " + who + " (jamais envoyée au joueur)"; }
    else { title = "Statut · " + who; }
    node.appendChild(el("p", "ticket-event__who", title + " · " + zoned(event.at, tz)));
    var text = event.text || "";
    if (kind === "status") {
      var parts = text.split(" -> ");
      text = (STATUS_LABEL[parts[0]] || parts[0]) + " → " + (STATUS_LABEL[parts[1]] || parts[1] || "");
    }
    node.appendChild(el("p", "ticket-event__text", text));
    if (kind === "reply" && event.mail_id) {
      var mail = mails.filter(function (m) { return m.id === event.mail_id; })[0];
      if (mail) {
        var state = MAIL_STATUS[mail.status] || [mail.status, "warn"];
        var line = el("p", "ticket-event__mail");
        line.appendChild(C.badge("e-mail " + state[0], state[1]));
        node.appendChild(line);
      }
    }
    return node;
  }

  function statusGroup(t) {
    var wrap = el("div", "ticket-status");
    wrap.setAttribute("role", "group");
    wrap.setAttribute("aria-label", "Statut du ticket");
    wrap.appendChild(el("span", "ticket-status__label", "Statut :"));
    var confirmBox = el("div", "ticket-confirm");
    confirmBox.id = "ticket-solve-confirm";
    confirmBox.hidden = true;
    confirmBox.setAttribute("role", "alertdialog");
    confirmBox.setAttribute("aria-label", "Confirmer la résolution");
    STATUS.forEach(function (pair) {
      var button = el("button", "btn btn--small ticket-status__button", pair[1]);
      button.type = "button";
      button.setAttribute("data-status", pair[0]);
      button.setAttribute("aria-pressed", t.status === pair[0] ? "true" : "false");
      button.disabled = t.status === pair[0];
      button.addEventListener("click", function () {
        if (pair[0] === "solved") {
          confirmBox.hidden = false;
          var yes = confirmBox.querySelector("[data-confirm]");
          if (yes) { yes.focus(); }
          return;
        }
        setStatus(pair[0]);
      });
      wrap.appendChild(button);
    });
    confirmBox.appendChild(el("p", null, "Marquer le ticket " + t.reference +
      " comme résolu ? Il sortira de la liste des tickets à traiter (aucun e-mail n'est envoyé pour cela)."));
    var yes = el("button", "btn btn--danger", "Oui, marquer résolu");
    yes.type = "button";
    yes.setAttribute("data-confirm", "solved");
    yes.addEventListener("click", function () { confirmBox.hidden = true; setStatus("solved"); });
    var no = el("button", "btn", "Annuler");
    no.type = "button";
    no.addEventListener("click", function () { confirmBox.hidden = true; });
    confirmBox.appendChild(yes);
    confirmBox.appendChild(no);
    var box = el("div");
    box.appendChild(wrap);
    box.appendChild(confirmBox);
    return box;
  }

  function setStatus(status) {
    post("/status", { status: status }, "Impossible de changer le statut").then(function (ticket) {
      C.setNotice("Ticket " + current.reference + " : " + STATUS_LABEL[status] + ".");
      render(ticket);
      C.reloadTickets();
    });
  }

  // A written complaint's clock (casino_support.complaints): the operator's last day to
  // answer, then the player's escalation path.
  function frenchDate(iso) {
    var parts = String(iso || "").split("-");
    return parts.length === 3 ? parts[2] + "/" + parts[1] + "/" + parts[0] : String(iso || "");
  }

  function complaintClock(c) {
    var box = el("p", "ticket-view__complaint" + (c.overdue ? " ticket-view__due--overdue" : ""));
    box.id = "ticket-complaint";
    box.appendChild(document.createTextNode("Réclamation : réponse écrite au plus tard le " +
      frenchDate(c.answer_by) + ". À partir du " + frenchDate(c.escalate_from) +
      " (ou si le joueur conteste la réponse), il peut saisir " + c.authority +
      (c.adr ? ", puis " + c.adr : "") + "."));
    if (c.overdue) { box.appendChild(document.createTextNode(" ")); box.appendChild(C.badge("délai dépassé", "late")); }
    return box;
  }

  function render(t) {
    current = t;
    var tz = t.timezone;
    C.clear(root);
    root.hidden = false;
    root.setAttribute("data-reference", t.reference);

    var head = el("div", "card__head ticket-view__head");
    var titleBox = el("div");
    var title = el("h2", null, "Ticket " + t.reference);
    title.id = "ticket-view-title";
    titleBox.appendChild(title);
    var meta = el("p", "ticket-view__meta");
    meta.appendChild(C.badge(C.label(C.labels.priority, t.priority), t.priority || "normal"));
    meta.appendChild(document.createTextNode(" " + C.label(C.labels.category, t.category) +
      " · " + (STATUS_LABEL[t.status] || t.status) + " · créé le " + (t.created_local || zoned(t.created_at, tz))));
    titleBox.appendChild(meta);
    var due = el("p", "ticket-view__due" + (t.overdue ? " ticket-view__due--overdue" : ""));
    due.id = "ticket-due";
    due.appendChild(document.createTextNode("Échéance : " + (t.due_local || C.dateTime(t.due_at))));
    if (t.overdue) { due.appendChild(document.createTextNode(" ")); due.appendChild(C.badge("en retard", "late")); }
    titleBox.appendChild(due);
    if (t.complaint && typeof t.complaint === "object") { titleBox.appendChild(complaintClock(t.complaint)); }
    var contact = el("p", "ticket-view__contact");
    contact.id = "ticket-email";
    contact.textContent = "Joueur : " + (t.player_id || "anonyme") + " · e-mail : " + (t.email || "aucun") +
      (tz ? " · heures affichées : " + tz : "");
    titleBox.appendChild(contact);
    head.appendChild(titleBox);
    var close = el("button", "btn btn--ghost", "Fermer le ticket affiché");
    close.type = "button";
    close.addEventListener("click", hide);
    head.appendChild(close);
    root.appendChild(head);

    root.appendChild(statusGroup(t));

    var grid = el("div", "ticket-view__grid");
    var left = el("div", "ticket-view__main");

    var request = section("Demande du joueur");
    request.appendChild(el("p", "ticket-view__summary", t.description || t.summary || ""));
    left.appendChild(request);

    var conversation = section("Conversation avec l'assistant");
    var transcript = el("div", "transcript ticket-view__transcript");
    transcript.id = "ticket-transcript";
    transcript.setAttribute("role", "log");
    transcript.tabIndex = 0;
    var lines = Array.isArray(t.transcript) ? t.transcript : [];
    if (!lines.length) { transcript.appendChild(el("p", "transcript__empty", "Aucun message enregistré.")); }
    lines.forEach(function (line) {
      if (!line || typeof line !== "object") { return; }
      var shown = {};
      Object.keys(line).forEach(function (key) { shown[key] = line[key]; });
      if (line.sender === "user" && line.payload) { shown.button = true; }
      var at = typeof line.at === "number" ? new Date(line.at * 1000).toISOString() : line.at;
      shown.at = null;  // shown below in the operator's zone, not the browser's
      shown.timestamp = null;
      var node = C.lineNode(shown);
      var who = node.querySelector(".line__who");
      if (who && at) { who.textContent += " · " + zoned(at, tz); }
      transcript.appendChild(node);
    });
    conversation.appendChild(transcript);
    left.appendChild(conversation);

    var history = section("Historique du ticket");
    var list = el("ol", "ticket-events");
    list.id = "ticket-events";
    var events = Array.isArray(t.events) ? t.events : [];
    var mails = Array.isArray(t.mails) ? t.mails : [];
    if (!events.length) { history.appendChild(el("p", "muted", "Aucune réponse ni note pour l'instant.")); }
    events.forEach(function (event) { list.appendChild(eventNode(event, mails, tz)); });
    history.appendChild(list);
    left.appendChild(history);

    left.appendChild(form("ticket-reply", "Répondre au joueur par e-mail" + (t.email ? " (" + t.email + ")" : ""),
      "Envoyer l'e-mail", 4, function (text) {
        return post("/reply", { text: text }, "Réponse non enregistrée").then(function (data) {
          C.setNotice("Réponse enregistrée : l'e-mail part dans quelques secondes.");
          render(data.ticket);
        });
      }, t.email ? null : "Ce ticket n'a pas d'adresse e-mail : impossible de répondre par e-mail."));
    left.appendChild(form("ticket-note", "Note interne sur le ticket (jamais envoyée au joueur)", "Ajouter la note au ticket", 2,
      function (text) {
        return post("/notes", { text: text }, "Note non enregistrée").then(function (data) {
          C.setNotice("Note ajoutée.");
          render(data.ticket);
        });
      }));

    var outbox = section("E-mails");
    var mailList = el("ul", "ticket-mails");
    mailList.id = "ticket-mails";
    if (!mails.length) { outbox.appendChild(el("p", "muted", "Aucun e-mail.")); }
    mails.forEach(function (mail) { mailList.appendChild(mailLine(mail, tz)); });
    outbox.appendChild(mailList);
    left.appendChild(outbox);

    var right = el("aside", "account ticket-view__account");
    right.appendChild(el("h3", null, "Compte du joueur (au moment du ticket)"));
    var account = el("div");
    account.id = "ticket-account";
    C.renderAccountInto(account, t.account_snapshot, t.player_id);
    right.appendChild(account);

    grid.appendChild(left);
    grid.appendChild(right);
    root.appendChild(grid);
    transcript.scrollTop = transcript.scrollHeight;
    schedule(mails);
  }

  function schedule(mails) {
    if (timer) { window.clearTimeout(timer); timer = null; }
    var waiting = mails.some(function (m) { return m.status === "queued"; });
    if (waiting && current) { timer = window.setTimeout(refresh, REFRESH_MS); }
  }

  function refresh() {
    if (!current) { return; }
    var reference = current.reference;
    C.api("GET", "/tickets/" + encodeURIComponent(reference)).then(function (ticket) {
      if (current && current.reference === reference) { render(ticket); }
    }).catch(function (error) { C.handleError(error, "Ticket indisponible"); });
  }

  function open(reference) {
    C.api("GET", "/tickets/" + encodeURIComponent(reference)).then(function (ticket) {
      render(ticket);
      var title = document.getElementById("ticket-view-title");
      if (title) { title.setAttribute("tabindex", "-1"); title.focus(); }
      root.scrollIntoView({ block: "start" });
    }).catch(function (error) { C.handleError(error, "Ticket " + reference + " indisponible"); });
  }

  function hide() {
    current = null;
    if (timer) { window.clearTimeout(timer); timer = null; }
    C.clear(root);
    root.hidden = true;
  }

  window.CasinoTickets = { open: open, hide: hide };
}());
