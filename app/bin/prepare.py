"""What the web container does before gunicorn serves, in one Python process (each Django start
costs about a second of CPU on a small host, and a deploy waits for it):

1. migrate: idempotent; with nothing to apply it only reads the migration table;
2. collect the static files, unless the files already collected came from exactly the same
   sources: a sha256 over the storage class and every source file's path and content (what
   collectstatic itself would copy), kept in a marker beside the collected files, and every one of
   those files still there. Decided by content, never by guessing: a changed, added or removed
   source file, or another storage, collects again. A storage without local paths (S3…) always
   collects.

`prepare.py gunicorn ARGS…` then runs gunicorn with ARGS in this same process (it becomes the
container's main process): its workers fork from a process that has Django loaded already, so they
serve sooner. The database connections migrate opened are closed first, so no worker inherits one.
"""
import hashlib
import os
import sys

MARKER = ".sources-sha256"


def static_sources():
    """{path as collected: source file} for every file collectstatic would copy (first finder wins, as in collectstatic)."""
    from django.apps import apps
    from django.contrib.staticfiles.finders import get_finders

    ignore_patterns = apps.get_app_config("staticfiles").ignore_patterns
    files = {}
    for finder in get_finders():
        for relative, storage in finder.list(ignore_patterns):
            prefix = getattr(storage, "prefix", None)
            collected = os.path.join(prefix, relative) if prefix else relative
            files.setdefault(collected, storage.path(relative))
    return files


def sources_sha256(files, storage_class):
    digest = hashlib.sha256(storage_class.encode() + b"\0")
    for collected in sorted(files):
        with open(files[collected], "rb") as source:
            digest.update(collected.encode() + b"\0" + hashlib.sha256(source.read()).digest())
    return digest.hexdigest()


def collected_root():
    """The local directory collectstatic writes to, or None for a storage without local paths."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    try:
        return staticfiles_storage.path("")
    except NotImplementedError:
        return None


def collect_static():
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command

    root = collected_root()
    if root is None:
        call_command("collectstatic", interactive=False, verbosity=0)
        print("static files: collected (remote storage, no marker)", flush=True)
        return
    files = static_sources()
    storage_class = f"{type(staticfiles_storage).__module__}.{type(staticfiles_storage).__qualname__}"
    wanted = sources_sha256(files, storage_class)
    marker = os.path.join(root, MARKER)
    try:
        with open(marker) as f:
            collected = f.read().strip()
    except FileNotFoundError:
        collected = ""
    if collected == wanted and all(os.path.exists(os.path.join(root, name)) for name in files):
        print(f"static files: {len(files)} collected from the same sources (sha256 {wanted[:12]}), collectstatic skipped", flush=True)
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    with open(marker + ".tmp", "w") as f:
        f.write(wanted + "\n")
    os.replace(marker + ".tmp", marker)
    print(f"static files: collected {len(files)} (sources sha256 {wanted[:12]})", flush=True)


def main():
    import django
    from django.core.management import call_command

    # The app's directory (this file's parent's parent), as manage.py has it on the import path.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
    django.setup()
    call_command("migrate", interactive=False, verbosity=1)
    collect_static()
    if sys.argv[1:2] == ["gunicorn"]:
        serve(sys.argv[1:])


def serve(argv):
    from django.db import connections
    from gunicorn.app.wsgiapp import run

    connections.close_all()
    sys.argv = argv
    run()


if __name__ == "__main__":
    main()
