// Records made on the phone that have not reached the portal yet (no signal, a server error): a
// check-off (today.js, session-player.js) or a pain report (pain.js). Kept in the browser's local
// storage and sent when the connection returns: on the browser's "online" event and on the next
// page that loads this script. Each carries an id made on the phone (`client_id`) and, once it is
// late, the time it was done (`done_at`): the portal records each id once, however often it is
// sent, for the day it was done. Only the patient who made a record sends it (another patient
// logged in on the same phone does not); logging out clears what is left (offline.js), after
// asking. Pages learn of each outcome from a "portal:outbox" event on the document.
(function () {
  "use strict";

  var KEY = "portal.outbox";

  function owner() {
    var app = document.querySelector("[data-offline-app]");
    return (app && app.dataset.outboxOwner) || "";
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    // Older browsers (and pages not served over HTTPS): a version 4 UUID from random bytes.
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function load() {
    var entries;
    try {
      entries = JSON.parse(window.localStorage.getItem(KEY) || "[]");
    } catch (error) {
      return [];
    }
    if (!Array.isArray(entries)) {
      return [];
    }
    var older = entries.filter(function (entry) {
      return !entry.client_id;
    });
    older.forEach(function (entry) {
      // Kept before records had ids: check-offs, which the portal refuses (404) to anyone but
      // the patient whose exercise it is.
      entry.kind = "check-off";
      entry.client_id = newId();
      entry.done_at = entry.savedAt || new Date().toISOString();
      entry.late = true;
      entry.owner = owner();
    });
    if (older.length) {
      store(entries);
    }
    return entries;
  }

  function store(entries) {
    try {
      if (entries.length) {
        window.localStorage.setItem(KEY, JSON.stringify(entries));
      } else {
        window.localStorage.removeItem(KEY);
      }
      return true;
    } catch (error) {
      return false; // private browsing with no storage: the page still offers "try again"
    }
  }

  function sessionOf(entry) {
    var fields = new URLSearchParams(entry.fields);
    return fields.get("session") || "";
  }

  // The same exercise's session waiting already (a second tap with no signal): the first one.
  function waiting(entry) {
    return load().filter(function (other) {
      if (entry.client_id && other.client_id === entry.client_id) {
        return true;
      }
      return entry.kind === "check-off" && other.kind === "check-off" && other.url === entry.url && sessionOf(other) === sessionOf(entry);
    })[0];
  }

  function keep(entry) {
    entry.late = true; // sent from now on with the time it was done
    var entries = load().filter(function (other) {
      return other.client_id !== entry.client_id;
    });
    entries.push(entry);
    return store(entries);
  }

  function forget(entry) {
    store(load().filter(function (other) {
      return other.client_id !== entry.client_id;
    }));
  }

  function csrfToken(entry) {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return (field && field.value) || entry.csrf || "";
  }

  function refusal(html, fallback) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var said = Array.prototype.map.call(holder.querySelectorAll(".alert-danger, .invalid-feedback"), function (node) {
      return node.textContent.trim();
    }).filter(Boolean);
    return said.length ? said.join(" ") : fallback;
  }

  function announce(entry, result) {
    document.dispatchEvent(new CustomEvent("portal:outbox", { detail: { entry: entry, result: result } }));
    return result;
  }

  // One attempt. Sent: {status: "sent", html, location}; refused by the portal (it says why):
  // {status: "refused", message}; anything else keeps the entry for later: {status: "kept"}.
  function attempt(entry) {
    var body = new URLSearchParams(entry.fields);
    body.delete("csrfmiddlewaretoken"); // the page's own token goes in the header
    body.set("client_id", entry.client_id);
    if (entry.late) {
      body.set("done_at", entry.done_at);
    }
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
            return announce(entry, { status: "sent", html: html, location: response.headers.get("HX-Redirect") });
          }
          if (response.status === 422 || response.status === 400) {
            forget(entry);
            return announce(entry, { status: "refused", message: refusal(html, "The portal refused this record."), html: response.status === 422 && entry.kind === "check-off" ? html : "" });
          }
          if (response.status === 404) {
            // Not this person's exercise (another patient logged in on this phone) or gone.
            forget(entry);
            return announce(entry, { status: "refused", message: "This exercise is no longer in your programme." });
          }
          // A login page (the session ended), a server error: sent once the patient is back.
          var stored = keep(entry);
          return announce(entry, { status: "kept", stored: stored });
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
    var me = owner();
    var mine = load().filter(function (entry) {
      return me && entry.owner === me;
    });
    flushing = mine
      .reduce(function (previous, entry) {
        return previous.then(function () {
          return attempt(entry);
        });
      }, Promise.resolve())
      .then(function () {
        flushing = null;
        return load();
      });
    return flushing;
  }

  window.PortalOutbox = {
    // entry: {kind: "check-off" | "pain-report", url, fields, label}; `late`: the page's own
    // request failed already, so this is sent with the time it was done.
    send: function (entry, late) {
      var earlier = waiting(entry);
      if (earlier) {
        return attempt(earlier);
      }
      entry.client_id = entry.client_id || newId();
      entry.done_at = new Date().toISOString();
      entry.owner = owner();
      entry.late = Boolean(late);
      var field = document.querySelector("input[name=csrfmiddlewaretoken]");
      entry.csrf = field ? field.value : "";
      return attempt(entry);
    },
    flush: flush,
    pending: load,
    newId: newId,
    clear: function () {
      store([]);
    },
  };

  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", function () {
    if (load().length && navigator.onLine !== false) {
      flush();
    }
  });
})();
