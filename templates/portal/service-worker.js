// The portal's service worker, served at /sw.js by portal/views.py, which writes CONFIG (see
// portal/offline.py). What it does, and nothing else:
//  - pages: from the network first; a page the portal marked as the patient's own to keep
//    (CONFIG.keepHeader: Today, the programme, its exercise pages, the session player, the pain
//    form) is kept, and shown with no connection, with the time of the copy (offline.js says so);
//  - the pictures and videos on those pages: the same, parts of a video answered from the copy;
//  - static files: from what was fetched at installation, a hashed name (its content never
//    changes) without asking the network at all.
// Forms that are sent, the admin and anything not marked pass through as if it were not here.
// A kept page stops being shown once the patient's session would have ended for want of use,
// and every copy goes when the portal stops serving a kept page to this browser (logged out,
// someone else logged in). Logging out clears it all (Clear-Site-Data, and offline.js).
"use strict";

var CONFIG = {{ config|safe }};
// What a push reminder does on the phone (static/portal/sw-push.js).
importScripts({{ push_script|safe }});

var STATIC_CACHE = "portal-static-" + CONFIG.version;
var PAGES_CACHE = "portal-pages";
var KEPT_AT = "X-Portal-Kept-At";
var STAMP_KEY = CONFIG.offlineUrl + "?kept-for-today";
var HASHED = /\.[0-9a-f]{12}\.[A-Za-z0-9]+$/; // ManifestStaticFilesStorage's names

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(STATIC_CACHE)
      .then(function (cache) {
        return cache.addAll(CONFIG.precache);
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

// An older release's files go, and the pages kept with them: those name the older files.
self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("portal-") === 0 && name !== STATIC_CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.indexOf(CONFIG.admin) === 0) {
    return;
  }
  if (url.pathname.indexOf(CONFIG.staticUrl) === 0) {
    event.respondWith(staticFile(event));
  } else if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (CONFIG.media.some(function (prefix) { return url.pathname.indexOf(prefix) === 0; })) {
    event.respondWith(media(event));
  }
});

function keepable(response) {
  return response.status === 200 && response.headers.get(CONFIG.keepHeader) === "keep";
}

function keep(url, response) {
  return response.blob().then(function (body) {
    var headers = new Headers(response.headers);
    headers.set(KEPT_AT, String(Date.now()));
    return caches.open(PAGES_CACHE).then(function (cache) {
      return cache.put(url, new Response(body, { status: 200, statusText: response.statusText, headers: headers }));
    });
  });
}

// The kept copy of a page (with the time it was kept on its <body>, for offline.js) or of a
// picture or video; null when there is none, or it is older than a session may be idle.
function keptCopy(url, isPage) {
  return caches.open(PAGES_CACHE).then(function (cache) {
    return cache.match(url).then(function (copy) {
      if (!copy) {
        return null;
      }
      var keptAt = Number(copy.headers.get(KEPT_AT));
      if (!(Date.now() - keptAt <= CONFIG.keptForSeconds * 1000)) {
        return cache.delete(url).then(function () {
          return null;
        });
      }
      if (!isPage) {
        return copy;
      }
      return copy.text().then(function (html) {
        var headers = new Headers(copy.headers);
        headers.delete("Content-Length");
        var marked = html.replace("<body", '<body data-offline-copy="' + new Date(keptAt).toISOString() + '"');
        return new Response(marked, { status: 200, statusText: copy.statusText, headers: headers });
      });
    });
  });
}

// The portal no longer serves this kept page to this browser: a redirect means the session
// ended or someone else logged in (every copy goes); a 403 or 404, that page went. (A server
// error says nothing of the sort: the copy stays.)
function forget(url, everything) {
  return caches.open(PAGES_CACHE).then(function (cache) {
    return cache.match(url).then(function (copy) {
      if (!copy) {
        return null;
      }
      return everything ? caches.delete(PAGES_CACHE) : cache.delete(url);
    });
  });
}

function page(event) {
  var request = event.request;
  return fetch(request).then(
    function (response) {
      var redirected = response.type === "opaqueredirect";
      if (keepable(response)) {
        event.waitUntil(keep(request.url, response.clone()));
      } else if (redirected || response.status === 403 || response.status === 404) {
        event.waitUntil(forget(request.url, redirected));
      }
      return response;
    },
    function () {
      return keptCopy(request.url, true).then(function (copy) {
        if (copy) {
          return copy;
        }
        return caches.open(STATIC_CACHE).then(function (cache) {
          return cache.match(CONFIG.offlineUrl).then(function (offline) {
            return offline || Response.error();
          });
        });
      });
    }
  );
}

function media(event) {
  var request = event.request;
  var range = request.headers.get("Range");
  return fetch(request).then(
    function (response) {
      if (!range && keepable(response)) {
        event.waitUntil(keep(request.url, response.clone()));
      }
      return response;
    },
    function () {
      return keptCopy(request.url, false).then(function (copy) {
        if (!copy) {
          return Response.error();
        }
        return range ? part(copy, range) : copy;
      });
    }
  );
}

// A video asks for its file in parts (iPhones for every video): cut from the kept copy, as the
// portal answers them (exercises/media.py).
function part(copy, range) {
  return copy.blob().then(function (whole) {
    var size = whole.size;
    var wanted = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (!wanted || (!wanted[1] && !wanted[2])) {
      return new Response(whole, { status: 200, headers: copy.headers });
    }
    var start = wanted[1] ? Number(wanted[1]) : Math.max(size - Number(wanted[2]), 0);
    var end = wanted[1] && wanted[2] ? Math.min(Number(wanted[2]), size - 1) : size - 1;
    if (start > end) {
      return new Response(null, { status: 416, headers: { "Content-Range": "bytes */" + size } });
    }
    return new Response(whole.slice(start, end + 1), {
      status: 206,
      headers: {
        "Content-Type": copy.headers.get("Content-Type") || "application/octet-stream",
        "Content-Range": "bytes " + start + "-" + end + "/" + size,
        "Content-Length": String(end - start + 1),
        "Accept-Ranges": "bytes",
      },
    });
  });
}

function staticFile(event) {
  var request = event.request;
  return caches.open(STATIC_CACHE).then(function (cache) {
    return cache.match(request).then(function (kept) {
      if (kept && HASHED.test(new URL(request.url).pathname)) {
        return kept;
      }
      return fetch(request).then(
        function (response) {
          if (response.status === 200) {
            event.waitUntil(cache.put(request, response.clone()));
          }
          return response;
        },
        function () {
          return kept || Response.error();
        }
      );
    });
  });
}

// Today asks (offline.js) for the pages and pictures it links to, so that they open with no
// connection even if the patient has not opened them yet. Fetched again only when Today
// changed (its stamp: the patient's records, the day, the library, the release), one after
// another: a phone on a poor signal gets no burst of requests.
self.addEventListener("message", function (event) {
  var message = event.data || {};
  if (message.type !== "keep" || !Array.isArray(message.urls)) {
    return;
  }
  var reply = event.ports && event.ports[0];
  event.waitUntil(
    keepForToday(String(message.stamp), message.urls).then(function (kept) {
      if (reply) {
        reply.postMessage({ type: "kept", stamp: message.stamp, kept: kept });
      }
    })
  );
});

function keepForToday(stamp, urls) {
  var own = urls.filter(function (url) {
    return new URL(url, self.location.href).origin === self.location.origin;
  });
  return caches.open(PAGES_CACHE).then(function (cache) {
    return cache
      .match(STAMP_KEY)
      .then(function (done) {
        return done ? done.text() : "";
      })
      .then(function (doneStamp) {
        if (doneStamp === stamp) {
          return null;
        }
        var failed = false;
        return own
          .reduce(function (previous, url) {
            return previous.then(function (kept) {
              return fetch(url, { credentials: "same-origin" }).then(
                function (response) {
                  if (!keepable(response) || response.redirected) {
                    return kept;
                  }
                  return keep(new URL(url, self.location.href).href, response).then(function () {
                    return kept + 1;
                  });
                },
                function () {
                  failed = true;
                  return kept;
                }
              );
            });
          }, Promise.resolve(0))
          .then(function (kept) {
            // Tried again on Today's next visit if the connection dropped meanwhile.
            return failed ? kept : cache.put(STAMP_KEY, new Response(stamp)).then(function () {
              return kept;
            });
          });
      });
  });
}
