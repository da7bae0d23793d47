#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # manage.py is the developer's tool first: DEBUG is on unless the environment says otherwise
    # (a production environment sets DEBUG=false for every process, this one included).
    os.environ.setdefault("DEBUG", "true")
    from portal.config import exit_on_bad_configuration

    with exit_on_bad_configuration():
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
