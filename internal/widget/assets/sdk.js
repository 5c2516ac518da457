/* Parley live-chat SDK: the same API as Chatwoot's sdk.js, so Chatwoot's
   embed snippet works with only its BASE_URL changed. It draws the bubble,
   keeps the widget in an iframe served by Parley, and relays $chatwoot
   calls to it with postMessage. */
(function () {
  "use strict";
  if (window.chatwootSDK && window.chatwootSDK.parley) return;
  var PREFIX = "chatwoot-widget:";
  var COOKIE = "cw_conversation";

  function getCookie(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }
  function setCookie(name, value, days) {
    var exp = new Date(Date.now() + days * 864e5).toUTCString();
    document.cookie = name + "=" + encodeURIComponent(value) + "; expires=" + exp + "; path=/; SameSite=Lax";
  }

  function run(opts) {
    var settings = window.chatwootSettings || {};
    var baseUrl = String(opts.baseUrl || "").replace(/\/$/, "");
    var token = opts.websiteToken;
    var state = { open: false, loaded: false, queue: [], locale: settings.locale || "", iframe: null };

    var style = document.createElement("style");
    style.textContent =
      ".woot-widget-bubble{position:fixed;bottom:20px;right:20px;width:64px;height:64px;border-radius:50%;border:0;" +
      "background:#1f93ff;box-shadow:0 4px 16px rgba(0,0,0,.25);cursor:pointer;z-index:2147483000;display:flex;align-items:center;justify-content:center}" +
      ".woot-widget-bubble svg{width:28px;height:28px;fill:#fff}" +
      ".woot-widget-bubble.woot--left{right:auto;left:20px}" +
      ".woot-widget-holder{position:fixed;bottom:96px;right:20px;width:400px;height:min(680px,calc(100% - 116px));border-radius:16px;" +
      "overflow:hidden;box-shadow:0 8px 32px rgba(0,0,0,.2);z-index:2147483000;background:#fff;display:none}" +
      ".woot-widget-holder.woot--left{right:auto;left:20px}" +
      ".woot-widget-holder.woot--open{display:block}" +
      ".woot-widget-holder iframe{width:100%;height:100%;border:0}" +
      "@media (max-width:667px){.woot-widget-holder{inset:0;width:100%;height:100%;border-radius:0}" +
      ".woot-widget-holder.woot--open~.woot-widget-bubble{display:none}}" +
      ".woot-widget-bubble.woot--hide{display:none}";
    document.head.appendChild(style);

    var holder = document.createElement("div");
    holder.className = "woot-widget-holder";
    holder.id = "cw-widget-holder";
    var bubble = document.createElement("button");
    bubble.type = "button";
    bubble.className = "woot-widget-bubble";
    bubble.id = "cw-bubble";
    bubble.setAttribute("aria-label", settings.launcherTitle || "Chat with us");
    bubble.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 3C6.5 3 2 6.8 2 11.5c0 2.4 1.2 4.6 3.1 6.1L4 21l4.2-2.1c1.2.4 2.5.6 3.8.6 5.5 0 10-3.8 10-8.5S17.5 3 12 3z"/></svg>';
    if (settings.position === "left") {
      holder.classList.add("woot--left");
      bubble.classList.add("woot--left");
    }
    if (settings.hideMessageBubble) bubble.classList.add("woot--hide");
    document.body.appendChild(holder);
    document.body.appendChild(bubble);

    function send(msg) {
      if (!state.loaded) { state.queue.push(msg); return; }
      state.iframe.contentWindow.postMessage(PREFIX + JSON.stringify(msg), baseUrl || "*");
    }

    function load() {
      state.loaded = false;
      holder.innerHTML = "";
      var f = document.createElement("iframe");
      var q = "?website_token=" + encodeURIComponent(token);
      var auth = getCookie(COOKIE);
      if (auth) q += "&cw_conversation=" + encodeURIComponent(auth);
      if (state.locale) q += "&locale=" + encodeURIComponent(state.locale);
      f.src = baseUrl + "/widget" + q;
      f.title = "Live chat";
      f.id = "chatwoot_live_chat_widget";
      f.allow = "clipboard-write";
      holder.appendChild(f);
      state.iframe = f;
    }

    function toggle(wanted) {
      var open = wanted === "open" ? true : wanted === "close" ? false : !state.open;
      if (open === state.open) return;
      state.open = open;
      holder.classList.toggle("woot--open", open);
      bubble.setAttribute("aria-expanded", String(open));
      send({ event: "toggle-open", isOpen: open });
    }
    bubble.addEventListener("click", function () { toggle(); });

    window.addEventListener("message", function (e) {
      if (!state.iframe || e.source !== state.iframe.contentWindow) return;
      if (typeof e.data !== "string" || e.data.indexOf(PREFIX) !== 0) return;
      var msg;
      try { msg = JSON.parse(e.data.slice(PREFIX.length)); } catch (_) { return; }
      switch (msg.event) {
        case "loaded":
          state.loaded = true;
          if (msg.authToken) setCookie(COOKIE, msg.authToken, 365);
          state.iframe.contentWindow.postMessage(PREFIX + JSON.stringify({
            event: "config-set", referrerURL: window.location.href, locale: state.locale, isOpen: state.open
          }), baseUrl || "*");
          var queued = state.queue; state.queue = [];
          queued.forEach(send);
          window.$chatwoot.hasLoaded = true;
          window.dispatchEvent(new CustomEvent("chatwoot:ready"));
          break;
        case "setAuthCookie":
          setCookie(COOKIE, msg.authToken, 365);
          break;
        case "toggleBubble":
          toggle(msg.state || "close");
          break;
        case "error":
          window.dispatchEvent(new CustomEvent("chatwoot:error", { detail: msg }));
          break;
      }
    });

    window.$chatwoot = {
      hasLoaded: false,
      get isOpen() { return state.open; },
      websiteToken: token,
      baseUrl: baseUrl,
      toggle: toggle,
      toggleBubbleVisibility: function (v) { bubble.classList.toggle("woot--hide", v === "hide"); },
      setUser: function (identifier, user) {
        if (typeof identifier !== "string" && typeof identifier !== "number") throw new Error("Identifier should be a string or a number");
        send({ event: "set-user", identifier: String(identifier), user: user || {} });
      },
      setCustomAttributes: function (attrs) {
        if (!attrs || typeof attrs !== "object") throw new Error("Custom attributes should be an object");
        send({ event: "set-custom-attributes", customAttributes: attrs });
      },
      deleteCustomAttribute: function (key) { send({ event: "delete-custom-attribute", customAttribute: key }); },
      setLocale: function (locale) { state.locale = locale || ""; send({ event: "set-locale", locale: state.locale }); },
      setConversationCustomAttributes: function () {},
      setLabel: function () {},
      removeLabel: function () {},
      reset: function () {
        setCookie(COOKIE, "", -1);
        if (state.open) toggle("close");
        load();
      }
    };
    load();
  }

  window.chatwootSDK = { run: run, parley: true };
})();
