import hashlib
import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import parse_etags, quote_etag
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from exercises.fragments import rendering_version
from portal import health, offline

logger = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Patients start on Today; therapists and clinic admins work in the admin."""
    if request.user.is_staff:
        return redirect("admin:index")
    return redirect("today")


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For a load balancer or an uptime check: 200 when the database and Redis both answer.

    `?worker=1` also sends a task through Redis and waits for a worker's reply (up to 5 s): only
    for a caller on this machine or one that sends HEALTHZ_TOKEN, so that nobody on the internet
    can make the portal queue work.
    """
    if request.GET.get("worker") == "1" and not health.may_check_worker(request):
        return JsonResponse(
            {
                "status": "forbidden",
                "detail": "The worker check is for this machine, or send "
                "'Authorization: Bearer <HEALTHZ_TOKEN>'.",
            },
            status=403,
        )
    checks = {"database": health.check_database(), "broker": health.check_broker()}
    if request.GET.get("worker") == "1":
        checks["worker"] = health.check_worker()
    healthy = all(check.ok for check in checks.values())
    body = {"status": "ok" if healthy else "unavailable"}
    body.update({name: check.as_json(verbose=settings.DEBUG) for name, check in checks.items()})
    if not healthy:
        logger.warning("Health check failed: %s", {n: c.detail for n, c in checks.items()})
    return JsonResponse(body, status=200 if healthy else 503)


@login_not_required
@require_GET
def web_app_manifest(request: HttpRequest) -> JsonResponse:
    """What a phone needs to install the site as an app. Browsers fetch it without cookies."""
    return JsonResponse(
        offline.manifest(),
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@login_not_required
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, at the root so that it may serve every page of the site. It holds no
    one's data (the static files' URLs and the site's own addresses), so it answers without a
    login: a logged-out phone still checks it for updates. Browsers check it on every visit:
    `no-cache`, so that a release reaches them at once, answered "not modified" (no body) while
    the release is the same."""
    context = {
        "config": json.dumps(offline.worker_config(), indent=2),
        "push_script": json.dumps(static(offline.PUSH_SCRIPT)),
    }
    # What the script is written from: its settings and the release's templates.
    written_from = f"{json.dumps(context, sort_keys=True)}{rendering_version()}"
    etag = quote_etag(hashlib.sha256(written_from.encode()).hexdigest()[:20])
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = render(
            request,
            "portal/service-worker.js",
            context,
            content_type="text/javascript; charset=utf-8",
        )
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    response.revalidate_only = True  # type: ignore[attr-defined]  (portal/middleware.py)
    return response


@login_not_required
@require_GET
def offline_page(request: HttpRequest) -> HttpResponse:
    """What the service worker shows for a page it has not kept when there is no connection.
    Kept when the worker is installed: it names no one."""
    return render(request, "portal/offline.html")
