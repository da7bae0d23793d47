import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal import health

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
def service_worker(request: HttpRequest) -> HttpResponse:
    """/sw.js, the site's service worker at the root scope: what a push does on the phone
    (static/portal/sw-push.js). Open to anyone: the browser checks it for updates whether or
    not its patient is logged in, and a redirect to the login page would fail the check."""
    script = f"importScripts({json.dumps(static('portal/sw-push.js'))});\n"
    return HttpResponse(script, content_type="text/javascript; charset=utf-8")
