#!/usr/bin/env python3
"""estimated_facets.py ADDR QUERIES FACETS -- how many of the queries had
their facets sampled and estimated (more matches than leded's
--facets-exact), asked of the leded at ADDR as the benchmarks' facet rows
ask them (SEARCH limit=10 snippet=0 FACETS; limit=0 would count them
all).  Prints "N of M" (M: the queries answered).  Used by bench/query.sh
and bench/facets.sh."""
import socket
import sys


def main():
    addr, queries, facets = sys.argv[1:4]
    host, port = addr.rsplit(":", 1)
    f = socket.create_connection((host, int(port))).makefile("rwb")
    estimated = total = 0
    for q in open(queries, encoding="utf-8"):
        f.write(("SEARCH limit=10 snippet=0 %s -- %s\n" % (facets, q.strip())).encode())
        f.flush()
        if not f.readline().decode().startswith("OK"):
            continue  # an error is one line
        total += 1
        sampled = False
        while True:
            line = f.readline().decode()
            if line == "END\n":
                break
            sampled = sampled or (line.startswith("FACET\t") and "estimated=1" in line)
        estimated += sampled
    print("%d of %d" % (estimated, total))


main()
