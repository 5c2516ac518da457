/* The widget page inside the SDK's iframe: it talks to /api/v1/widget with
   the visitor token, shows the conversation, and hears agent replies and
   typing over Server-Sent Events (/api/v1/widget/stream). */
(function () {
  "use strict";
  var PREFIX = "chatwoot-widget:";
  var params = new URLSearchParams(location.search);
  var websiteToken = params.get("website_token") || "";
  var authToken = params.get("cw_conversation") || "";
  var locale = params.get("locale") || "";
  var referrerURL = "";
  var contactId = 0;
  var shown = {}; // message id -> element
  var $ = function (id) { return document.getElementById(id); };

  function post(msg) { parent.postMessage(PREFIX + JSON.stringify(msg), "*"); }

  function url(path) {
    var q = "?website_token=" + encodeURIComponent(websiteToken);
    if (locale) q += "&locale=" + encodeURIComponent(locale);
    return "/api/v1/widget/" + path + (path.indexOf("?") >= 0 ? q.replace("?", "&") : q);
  }

  function api(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (authToken) headers["X-Auth-Token"] = authToken;
    return fetch(url(path), { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined })
      .then(function (r) {
        if (r.status === 204 || r.headers.get("Content-Length") === "0") return null;
        return r.text().then(function (t) {
          var data = t ? JSON.parse(t) : null;
          if (!r.ok) throw new Error((data && (data.error || data.message)) || r.statusText);
          return data;
        });
      });
  }

  function render(m) {
    if (!m || !m.id) return;
    var el = shown[m.id];
    if (!el) {
      el = document.createElement("div");
      shown[m.id] = el;
      var list = $("messages");
      // Keep id order: a reply pushed over the stream may overtake a page.
      var after = null;
      for (var i = list.children.length - 1; i >= 0; i--) {
        if (Number(list.children[i].dataset.id) < m.id) { after = list.children[i]; break; }
      }
      list.insertBefore(el, after ? after.nextSibling : list.firstChild);
      el.dataset.id = m.id;
    }
    var mine = m.message_type === 0;
    el.className = "msg" + (mine ? " mine" : "") + (m.message_type === 2 ? " activity" : "");
    el.textContent = "";
    if (!mine && m.message_type !== 2 && m.sender && m.sender.name) {
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = m.sender.available_name || m.sender.name;
      el.appendChild(who);
    }
    el.appendChild(document.createTextNode(m.content == null ? "" : m.content));
    var list2 = $("messages");
    list2.scrollTop = list2.scrollHeight;
  }

  function loadMessages() {
    return api("GET", "messages").then(function (list) { (list || []).forEach(render); });
  }

  var stream = null;
  function listen() {
    if (stream) stream.close();
    stream = new EventSource(url("stream") + "&auth_token=" + encodeURIComponent(authToken));
    stream.addEventListener("open", function () { loadMessages().catch(function () {}); });
    stream.addEventListener("message.created", function (e) { render(JSON.parse(e.data)); $("typing").hidden = true; });
    stream.addEventListener("message.updated", function (e) { render(JSON.parse(e.data)); });
    stream.addEventListener("conversation.typing_on", function () { $("typing").hidden = false; });
    stream.addEventListener("conversation.typing_off", function () { $("typing").hidden = true; });
  }

  // The pre-chat form (the inbox's pre_chat_form_enabled): before a first
  // conversation, ask who the visitor is, as Chatwoot's widget does. Its
  // options are Chatwoot's: pre_chat_message, and pre_chat_fields (name,
  // label, type, required, enabled; field_type standard, contact_attribute
  // or conversation_attribute), or the older require_email.
  var preChatOpts = null; // set while the form may be shown
  var standardFields = { emailAddress: "email", fullName: "name", phoneNumber: "phone_number" };
  function preChatFields(opts, contact) {
    var fields = opts.pre_chat_fields;
    if (!Array.isArray(fields)) {
      fields = [{ name: "fullName", label: "Full name", type: "text", enabled: true },
        { name: "emailAddress", label: "Email address", type: "email", required: !!opts.require_email, enabled: true }];
    }
    // What a signed-in visitor's site told us (setUser) is not asked again;
    // an anonymous visitor's generated name does not count.
    var known = contact.identifier ? contact : {};
    return fields.filter(function (f) {
      if (!f || !f.enabled || !f.name) return false;
      var key = standardFields[f.name];
      return !(key && known[key]);
    });
  }

  function showPreChat(opts, fields) {
    $("prechat-message").textContent = opts.pre_chat_message || "Share your queries or comments here.";
    var box = $("prechat-fields");
    box.textContent = "";
    fields.forEach(function (f) {
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.id = "prechat-field-" + f.name;
      input.name = f.name;
      input.type = { email: "email", number: "number", phone: "tel", date: "date", link: "url" }[f.type] || "text";
      input.required = !!f.required;
      label.htmlFor = input.id;
      label.textContent = f.label || f.name;
      box.appendChild(label);
      box.appendChild(input);
    });
    $("prechat").hidden = false;
    $("app").classList.add("prechat");
    $("prechat").onsubmit = function (e) {
      e.preventDefault();
      var contact = {}, contactAttrs = {}, conversationAttrs = {};
      fields.forEach(function (f) {
        var v = $("prechat-field-" + f.name).value.trim();
        if (!v) return;
        if (standardFields[f.name]) contact[standardFields[f.name]] = v;
        else if (f.field_type === "conversation_attribute") conversationAttrs[f.name] = v;
        else contactAttrs[f.name] = v;
      });
      if (Object.keys(contactAttrs).length) contact.custom_attributes = contactAttrs;
      var body = { contact: contact, message: { content: $("prechat-content").value.trim(), referer_url: referrerURL,
        timestamp: initiatedAt || new Date().toString() } };
      if (Object.keys(conversationAttrs).length) body.custom_attributes = conversationAttrs;
      $("prechat-start").disabled = true;
      api("POST", "conversations", body).then(function () {
        hidePreChat();
        return loadMessages();
      }).catch(function (err) {
        $("prechat-start").disabled = false;
        post({ event: "error", message: String(err.message || err) });
      });
    };
  }

  function hidePreChat() {
    preChatOpts = null;
    $("prechat").hidden = true;
    $("app").classList.remove("prechat");
  }

  // A site that signs its visitor in (setUser) after the form showed: what
  // it told us is not asked any more.
  function refreshPreChat(contact) {
    if (!preChatOpts || $("prechat").hidden) return;
    var fields = preChatFields(preChatOpts, contact || {});
    if (fields.length) showPreChat(preChatOpts, fields);
    else hidePreChat();
  }

  var replyTimes = { in_a_few_minutes: "Typically replies in a few minutes", in_a_few_hours: "Typically replies in a few hours", in_a_day: "Typically replies in a day" };
  function configure() {
    return api("POST", "config").then(function (cfg) {
      var c = cfg.website_channel_config;
      document.documentElement.style.setProperty("--color", c.widget_color || "#1f93ff");
      $("title").textContent = c.welcome_title || c.website_name || "Hi there!";
      $("tagline").textContent = c.welcome_tagline || "";
      $("reply-time").textContent = replyTimes[c.reply_time] || "";
      contactId = cfg.contact.id;
      if (!locale) locale = c.locale || ""; // the widget speaks the account's language
      if (c.auth_token !== authToken) authToken = c.auth_token;
      $("app").classList.remove("loading");
      post({ event: "loaded", authToken: authToken });
      listen();
      return loadMessages().then(function () {
        if (!c.pre_chat_form_enabled || Object.keys(shown).length) return;
        preChatOpts = c.pre_chat_form_options || {};
        var fields = preChatFields(preChatOpts, cfg.contact || {});
        if (fields.length) showPreChat(preChatOpts, fields);
      });
    });
  }

  // Typing: "on" at the first key, "off" after two quiet seconds or on send.
  var typing = false, typingTimer = 0;
  function setTyping(on) {
    clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(function () { setTyping(false); }, 2000);
    if (on === typing) return;
    typing = on;
    api("POST", "conversations/toggle_typing", { typing_status: on ? "on" : "off" }).catch(function () {});
  }

  var initiatedAt = "";
  $("input").addEventListener("input", function () { if ($("input").value) setTyping(true); });
  $("input").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("composer").requestSubmit(); }
  });
  $("composer").addEventListener("submit", function (e) {
    e.preventDefault();
    var content = $("input").value.trim();
    if (!content) return;
    $("input").value = "";
    setTyping(false);
    api("POST", "messages", { message: { content: content, referer_url: referrerURL, timestamp: initiatedAt || new Date().toString(), echo_id: String(Date.now()) } })
      .then(render)
      .catch(function (err) { post({ event: "error", message: String(err.message || err) }); });
  });
  $("close").addEventListener("click", function () { post({ event: "toggleBubble", state: "close" }); });

  // Messages from the SDK on the website.
  var ready = configure().catch(function (err) { post({ event: "error", message: String(err.message || err) }); });
  window.addEventListener("message", function (e) {
    if (typeof e.data !== "string" || e.data.indexOf(PREFIX) !== 0) return;
    var msg;
    try { msg = JSON.parse(e.data.slice(PREFIX.length)); } catch (_) { return; }
    ready.then(function () {
      switch (msg.event) {
        case "config-set":
          referrerURL = msg.referrerURL || "";
          if (msg.locale) locale = msg.locale;
          break;
        case "toggle-open":
          if (!msg.isOpen) return;
          initiatedAt = new Date().toString();
          api("POST", "events", { name: "webwidget.triggered", event_info: { initiated_at: { timestamp: initiatedAt }, referer: referrerURL } }).catch(function () {});
          api("POST", "conversations/update_last_seen").catch(function () {});
          $("input").focus();
          break;
        case "set-user":
          var u = msg.user || {};
          u.identifier = msg.identifier;
          api("PATCH", "contact/set_user", { contact: u })
            .then(function (c) { refreshPreChat(Object.assign({ identifier: u.identifier }, c)); })
            .catch(function (err) { post({ event: "error", message: String(err.message || err) }); });
          break;
        case "set-custom-attributes":
          api("PATCH", "contact", { custom_attributes: msg.customAttributes }).catch(function () {});
          break;
        case "set-locale":
          locale = msg.locale || "";
          break;
      }
    });
  });
})();
