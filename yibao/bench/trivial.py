"""The trivial endpoint of the load generator's ceiling: a WSGI app that answers ``{}`` at once.

``yibao bench http`` serves it under granian beside the real servers and drives it with the
same clients: what they reach here is the most they could measure on this machine.
"""


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]
