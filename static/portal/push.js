// Settings: "Send me reminders on this device". Subscribes this browser to push (with the
// clinic's VAPID public key from the form's data- attribute) and posts the subscription to the
// portal; marks this device in the list; turning it off here also drops the browser's own
// subscription, so that its push service forgets it too.
(function () {
  "use strict";

  var form = document.getElementById("push-subscribe");
  if (!form) {
    return; // push reminders are not set up for this clinic
  }
  var status = document.getElementById("push-status");
  var button = form.querySelector("button[type=submit]");
  var supported =
    "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) {
    document.getElementById("push-unsupported").hidden = false;
    return;
  }

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "alert alert-danger mt-2" : "mt-2";
    status.setAttribute("role", isError ? "alert" : "status");
  }

  function keyBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    base64 += "===".slice((base64.length + 3) % 4);
    var text = window.atob(base64);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i += 1) {
      bytes[i] = text.charCodeAt(i);
    }
    return bytes;
  }

  function sameKey(buffer, bytes) {
    if (!buffer) {
      return false;
    }
    var held = new Uint8Array(buffer);
    if (held.length !== bytes.length) {
      return false;
    }
    for (var i = 0; i < held.length; i += 1) {
      if (held[i] !== bytes[i]) {
        return false;
      }
    }
    return true;
  }

  function refusal(message) {
    var error = new Error(message);
    error.shown = true;
    return error;
  }

  var serverKey = keyBytes(form.dataset.vapidPublicKey);

  function currentSubscription() {
    return navigator.serviceWorker.getRegistration(form.dataset.serviceWorker).then(function (registration) {
      return registration ? registration.pushManager.getSubscription() : null;
    });
  }

  function rowOf(subscription) {
    if (!subscription) {
      return null;
    }
    var rows = document.querySelectorAll("[data-push-endpoint]");
    for (var i = 0; i < rows.length; i += 1) {
      if (rows[i].dataset.pushEndpoint === subscription.endpoint) {
        return rows[i];
      }
    }
    return null;
  }

  // This browser's row, if it is in the list: marked, and no button to add it again.
  currentSubscription().then(function (subscription) {
    var row = rowOf(subscription);
    if (row) {
      row.querySelector("[data-push-this-device]").hidden = false;
    } else {
      form.hidden = false;
    }
  }, function () {
    form.hidden = false;
  });

  function subscribe(registration) {
    // A subscription made with another key (the clinic changed its keys) cannot be pushed to.
    return registration.pushManager.getSubscription().then(function (existing) {
      if (existing && sameKey(existing.options && existing.options.applicationServerKey, serverKey)) {
        return existing;
      }
      var dropped = existing ? existing.unsubscribe() : Promise.resolve();
      return dropped.then(function () {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: serverKey
        });
      });
    }).catch(function (error) {
      if (error && error.shown) {
        throw error;
      }
      throw refusal("Your browser's push service did not answer; please try again later.");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    say("Asking your browser…", false);
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        throw refusal(
          "Notifications are blocked for this site. Allow them in your browser's settings, then try again."
        );
      }
      return navigator.serviceWorker.register(form.dataset.serviceWorker).then(function () {
        return navigator.serviceWorker.ready;
      });
    }).then(subscribe).then(function (subscription) {
      return fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "X-CSRFToken": form.querySelector("input[name=csrfmiddlewaretoken]").value
        },
        body: JSON.stringify(subscription)
      }).catch(function () {
        throw refusal("The portal could not be reached. Check your connection and try again.");
      });
    }).then(function (response) {
      if (response.ok) {
        window.location.assign(window.location.pathname); // the list, with this device in it
        return null;
      }
      return response.json().catch(function () {
        return {};
      }).then(function (body) {
        throw refusal(body.error || "The portal could not save this device; please try again.");
      });
    }).catch(function (error) {
      say(error && error.shown ? error.message : "This browser could not turn push reminders on.", true);
      button.disabled = false;
    });
  });

  // Turning off this very device: the browser forgets its subscription too, then the form goes.
  document.querySelectorAll("form[data-push-remove]").forEach(function (removal) {
    removal.addEventListener("submit", function (event) {
      if (removal.dataset.unsubscribed) {
        return;
      }
      event.preventDefault();
      removal.dataset.unsubscribed = "1";
      var endpoint = removal.closest("[data-push-endpoint]").dataset.pushEndpoint;
      currentSubscription().then(function (subscription) {
        if (subscription && subscription.endpoint === endpoint) {
          return subscription.unsubscribe();
        }
        return null;
      }).catch(function () {
        return null; // the portal stops sending whatever the browser says
      }).then(function () {
        removal.requestSubmit();
      });
    });
  });
})();
