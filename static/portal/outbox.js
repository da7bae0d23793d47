// Check-offs that could not be sent (no signal, a server error) are kept on the phone and sent
// when the connection returns: on the browser's "online" event and on the next page that loads
// this script. The server records each exercise's session once, so sending one twice changes
// nothing. Pages learn of each outcome from a "portal:outbox" event on the document.
(function () {
  "use strict";

  var KEY = "portal.outbox";

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(KEY) || "[]");
    } catch (error) {
      return [];
    }
  }

  function store(entries) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(entries));
      return true;
    } catch (error) {
      return false; // private browsing with no storage: the page still offers "try again"
    }
  }

  function keyOf(entry) {
    return entry.url + "#" + entry.fields.session;
  }

  function keep(entry) {
    var entries = load().filter(function (other) {
      return keyOf(other) !== keyOf(entry);
    });
    entries.push(entry);
    return store(entries);
  }

  function forget(entry) {
    store(load().filter(function (other) {
      return keyOf(other) !== keyOf(entry);
    }));
  }

  function csrfToken(entry) {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return (field && field.value) || entry.csrf || "";
  }

  function refusal(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var alert = holder.querySelector(".alert-danger");
    return alert ? alert.textContent.trim() : "The portal refused this check-off.";
  }

  function announce(entry, result) {
    document.dispatchEvent(new CustomEvent("portal:outbox", { detail: { entry: entry, result: result } }));
    return result;
  }

  // One attempt. Sent: {status: "sent", html}; refused by the portal (it says why):
  // {status: "refused", message}; anything else keeps the entry for later: {status: "kept"}.
  function attempt(entry) {
    var body = new URLSearchParams(entry.fields);
    return window
      .fetch(entry.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(entry), "HX-Request": "true" },
        body: body,
      })
      .then(function (response) {
        return response.text().then(function (html) {
          if (response.ok && !response.redirected) {
            forget(entry);
            return announce(entry, { status: "sent", html: html });
          }
          if (response.status === 422) {
            forget(entry);
            return announce(entry, { status: "refused", message: refusal(html), html: html });
          }
          if (response.status === 404) {
            // Not this person's exercise (another patient logged in on this phone) or gone.
            forget(entry);
            return announce(entry, { status: "refused", message: "This exercise is no longer in your programme." });
          }
          keep(entry);
          return announce(entry, { status: "kept", stored: true });
        });
      })
      .catch(function () {
        var stored = keep(entry);
        return announce(entry, { status: "kept", stored: stored });
      });
  }

  var flushing = null;

  function flush() {
    if (flushing) {
      return flushing;
    }
    var entries = load();
    flushing = entries
      .reduce(function (previous, entry) {
        return previous.then(function () {
          return attempt(entry);
        });
      }, Promise.resolve())
      .then(function () {
        flushing = null;
      });
    return flushing;
  }

  window.PortalOutbox = {
    send: function (entry) {
      var field = document.querySelector("input[name=csrfmiddlewaretoken]");
      entry.csrf = field ? field.value : "";
      entry.savedAt = new Date().toISOString();
      return attempt(entry);
    },
    flush: flush,
    pending: load,
  };

  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", function () {
    if (load().length && navigator.onLine !== false) {
      flush();
    }
  });
})();
