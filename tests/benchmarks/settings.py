"""The portal's settings with the benchmark's own URLs: only `make bench`'s gunicorn uses this."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "tests.benchmarks.urls"
