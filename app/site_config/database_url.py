"""DATABASE_URL -> Django DATABASES entry, without a dj-database-url dependency."""
from urllib.parse import parse_qsl, unquote, urlsplit

ENGINES = {
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "pgsql": "django.db.backends.postgresql",
    "mysql": "django.db.backends.mysql",
    "mariadb": "django.db.backends.mysql",
    "sqlite": "django.db.backends.sqlite3",
}


def parse_database_url(url, connect_timeout=3):
    """Parse e.g. postgres://user:p%40ss@host:5432/app?sslmode=verify-full&sslrootcert=/db-ca/ca.pem.

    Credentials may be percent-encoded. Query parameters become driver OPTIONS.
    A short connect timeout keeps /healthz fast when the database is unreachable.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in ENGINES:
        raise ValueError("DATABASE_URL: unsupported scheme %r (use one of %s)" % (scheme, ", ".join(sorted(ENGINES))))
    if scheme == "sqlite":
        return {"ENGINE": ENGINES[scheme], "NAME": unquote(parts.path[1:]) or ":memory:"}
    options = dict(parse_qsl(parts.query))
    if ENGINES[scheme].endswith("postgresql"):
        # libpq reads sslmode and sslrootcert (verify-full: the certificate and the host name).
        options.setdefault("connect_timeout", str(connect_timeout))
    else:
        options.setdefault("connect_timeout", connect_timeout)
        # mysqlclient: ssl_mode VERIFY_IDENTITY and ssl={"ca": ...}, a nested value a query string cannot spell.
        # ssl_mode needs mysqlclient >= 2.2.0: 1.x does not know it (TypeError), and 2.0/2.1 built against
        # MariaDB's client library (Debian's default-libmysqlclient-dev) raise NotSupportedError "MySQL
        # client library does not support ssl_mode specification" (mysqlclient's _mysql.c; 2.2.0 emulates
        # it with MYSQL_OPT_SSL_ENFORCE and MYSQL_OPT_SSL_VERIFY_SERVER_CERT).
        if "ssl-mode" in options:
            options["ssl_mode"] = options.pop("ssl-mode")
        if "ssl-ca" in options:
            options["ssl"] = {"ca": options.pop("ssl-ca")}
    return {
        "ENGINE": ENGINES[scheme],
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
    }
