"""gunicorn settings file (bin/start.sh passes it with --config): a health listener in every worker.

A sync worker serves one request at a time, so while every worker is busy with a slow view (an
export, a report, an upload) a health check through port 8000 waits in the same queue as everyone
else, and a check with a 4-5 s timeout fails although nothing is wrong. So each worker also runs a
small thread that answers GET /healthz on HEALTH_PORT (8001) only, with the same answer as the app's
health path (hello.health.health_response: 200 when the database answers, 503 when not). Both
workers bind the port with SO_REUSEPORT, so the kernel hands a check to either one. The container's
own healthcheck (bin/healthcheck.py) asks this port; the proxy still sends /healthz to port 8000,
where a slow answer means "busy" (the deploy tells that from broken by asking the container directly).
A thread started after the fork is safe: workers never fork again.
"""
import http.server
import os
import socket
import threading

HEALTH_PORT = int(os.environ.get("HEALTH_PORT", "8001"))


def local_networks(route_table="/proc/net/route"):
    """The IPv4 networks this container is directly on (its compose networks), as CIDR strings.

    Read from the kernel's routing table (no tools needed in the image): a route without a gateway
    whose destination is not 0.0.0.0 is a directly attached network. Fields are little-endian hex
    (Linux net/ipv4/fib_trie.c, fib_route_seq_show).
    """
    networks = []
    try:
        with open(route_table) as table:
            next(table)
            for line in table:
                fields = line.split()
                destination, gateway, mask = (int(fields[i], 16) for i in (1, 2, 7))
                if gateway or not destination:
                    continue
                address = ".".join(str((destination >> shift) & 0xFF) for shift in (0, 8, 16, 24))
                networks.append("%s/%d" % (address, bin(mask).count("1")))
    except (OSError, StopIteration, IndexError, ValueError):
        pass
    return networks


def proxy_networks(version=None):
    """What gunicorn may believe X-Forwarded-* from: the container's own networks (the compose network
    web shares with nginx) where gunicorn takes networks, else only 127.0.0.1 (no peer on the network).

    gunicorn takes networks in forwarded_allow_ips from 24.1 (benoitc/gunicorn PR #3459, released
    24.1.1: "Network validation now uses strict mode"); 22 and 23 refuse anything but an address
    (config.py validate_string_to_addr_list: ipaddress.ip_address) and 20/21 match addresses as
    strings. The compose network's addresses are not known before nginx starts, so there gunicorn
    believes no peer: the safe side (Django still reads X-Forwarded-Proto through
    SECURE_PROXY_SSL_HEADER, which nginx and the edge always set).
    """
    if version is None:
        import gunicorn

        version = gunicorn.version_info
    networks = local_networks() if tuple(version[:2]) >= (24, 1) else []
    return ",".join(networks) or "127.0.0.1"


# Never '*' (any peer): FORWARDED_ALLOW_IPS in the environment overrides the computed value.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or proxy_networks()

# The access log also shows what the proxy said about the client (the edge sets both headers itself,
# dropping what a client sent): "%({name}i)s" is a request header (gunicorn settings "access_log_format").
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" forwarded_for="%({x-forwarded-for}i)s" forwarded_proto="%({x-forwarded-proto}i)s"'


class HealthServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


class HealthHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        from hello.health import HEALTH_PATH, health_response

        if self.path.split("?", 1)[0] != HEALTH_PATH:
            self.send_error(404)
            return
        status, headers, body = health_response()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 (the base class's name); checks every few seconds stay out of the log
        pass


def post_worker_init(worker):
    server = HealthServer(("0.0.0.0", HEALTH_PORT), HealthHandler)
    threading.Thread(target=server.serve_forever, name="health-listener", daemon=True).start()
    worker.log.info("health listener on port %d", HEALTH_PORT)
